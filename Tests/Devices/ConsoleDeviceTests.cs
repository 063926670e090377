// The console through the bus: output buffering and flushing, non-interactive input (available
// from the start), the level-triggered input IRQ, interactive input sampled at In/Tick.
using System.IO.Pipes;
using System.Text;
using R4.Isa;

namespace R4.Tests.Devices;

public class ConsoleDeviceTests
{
    private static string Text(MemoryStream output) => Encoding.ASCII.GetString(output.ToArray());

    [Fact]
    public void OutputIsTheLowByteOfEachWriteFlushedAtPowerOff()
    {
        using var bench = new DeviceTestBench();
        foreach (char c in "hi!")
            bench.Bus.Out(Ports.ConsoleData, 0xABCD_0000u | c, 0);
        Assert.Equal("", Text(bench.Output)); // buffered
        bench.Bus.Out(Ports.Power, 3, 1);
        Assert.Equal("hi!", Text(bench.Output));
        Assert.True(bench.Bus.PowerOffRequested);
        Assert.Equal(3u, bench.Bus.ExitStatus);
    }

    [Fact]
    public void FlushAndDisposeWriteBufferedOutput()
    {
        var bench = new DeviceTestBench();
        bench.Bus.Out(Ports.ConsoleData, 'a', 0);
        bench.Bus.Flush();
        Assert.Equal("a", Text(bench.Output));
        bench.Bus.Out(Ports.ConsoleData, 'b', 1);
        bench.Dispose();
        Assert.Equal("ab", Text(bench.Output));
    }

    [Fact]
    public void LongOutputIsWrittenInOrder()
    {
        using var bench = new DeviceTestBench();
        var expected = new StringBuilder();
        for (int i = 0; i < 10_000; i++)
        {
            char c = (char)('a' + i % 26);
            expected.Append(c);
            bench.Bus.Out(Ports.ConsoleData, c, (ulong)i);
        }
        bench.Bus.Flush();
        Assert.Equal(expected.ToString(), Text(bench.Output));
        Assert.Equal(10_000UL, bench.Bus.Console.BytesWritten);
    }

    [Fact]
    public void FileInputIsAllAvailableFromTheStartThenReadsAllOnes()
    {
        using var bench = new DeviceTestBench(input: "ok"u8.ToArray());
        Assert.Equal(1u, bench.Bus.In(Ports.ConsoleStatus, 0));
        Assert.Equal((uint)'o', bench.Bus.In(Ports.ConsoleData, 1));
        Assert.Equal(1u, bench.Bus.In(Ports.ConsoleStatus, 2));
        Assert.Equal((uint)'k', bench.Bus.In(Ports.ConsoleData, 3));
        Assert.Equal(0u, bench.Bus.In(Ports.ConsoleStatus, 4));
        Assert.Equal(0xFFFF_FFFFu, bench.Bus.In(Ports.ConsoleData, 5));
        Assert.Equal(0xFFFF_FFFFu, bench.Bus.In(Ports.ConsoleData, 6));
    }

    [Fact]
    public void NoInputStreamMeansNoInput()
    {
        using var bench = new DeviceTestBench();
        Assert.Equal(0u, bench.Bus.In(Ports.ConsoleStatus, 0));
        Assert.Equal(0xFFFF_FFFFu, bench.Bus.In(Ports.ConsoleData, 0));
        bench.Bus.Out(Ports.ConsoleStatus, 1, 1);
        Assert.False(bench.Bus.CanInterrupt);
        Assert.Equal(0UL, bench.Interrupts.PendingMask);
    }

    [Fact]
    public void InputLongerThanOneBufferArrivesWhole()
    {
        byte[] input = [.. Enumerable.Range(0, 10_000).Select(i => (byte)(i * 31))];
        using var bench = new DeviceTestBench(input: input);
        bench.Bus.Out(Ports.ConsoleStatus, 1, 0);
        var read = new List<byte>();
        for (ulong t = 0; bench.Bus.In(Ports.ConsoleStatus, t) == 1; t++)
        {
            Assert.True(bench.Pending(Vectors.ConsoleInput)); // also across the device's buffer refills
            read.Add((byte)bench.Bus.In(Ports.ConsoleData, t));
        }
        Assert.Equal(input, read);
        Assert.False(bench.Pending(Vectors.ConsoleInput));
    }

    [Fact]
    public void EnablingTheIrqWithInputAvailableRequestsIrq17AtOnce()
    {
        using var bench = new DeviceTestBench(input: "x"u8.ToArray());
        Assert.False(bench.Pending(Vectors.ConsoleInput));
        bench.Bus.Out(Ports.ConsoleStatus, 1, 0);
        Assert.True(bench.Pending(Vectors.ConsoleInput));
        Assert.True(bench.Bus.CanInterrupt);
    }

    [Fact]
    public void TheIrqStaysRequestedWhileInputRemainsAndIsWithdrawnWhenTheLastByteIsRead()
    {
        using var bench = new DeviceTestBench(input: "ab"u8.ToArray());
        bench.Bus.Out(Ports.ConsoleStatus, 1, 0);
        bench.Interrupts.Acknowledge(Vectors.ConsoleInput); // the CPU takes it
        Assert.True(bench.Pending(Vectors.ConsoleInput));   // still input: requested again
        Assert.Equal((uint)'a', bench.Bus.In(Ports.ConsoleData, 5));
        Assert.True(bench.Pending(Vectors.ConsoleInput));
        Assert.Equal((uint)'b', bench.Bus.In(Ports.ConsoleData, 6));
        Assert.False(bench.Pending(Vectors.ConsoleInput));  // drained: no spurious request
        Assert.False(bench.Bus.CanInterrupt);
    }

    [Fact]
    public void DisablingTheIrqWithdrawsAPendingRequest()
    {
        using var bench = new DeviceTestBench(input: "a"u8.ToArray());
        bench.Bus.Out(Ports.ConsoleStatus, 1, 0);
        bench.Bus.Out(Ports.ConsoleStatus, 0, 1);
        Assert.Equal(0UL, bench.Interrupts.PendingMask);
        Assert.False(bench.Bus.CanInterrupt);
        Assert.Equal(ulong.MaxValue, bench.Bus.NextEventInstret);
    }

    [Fact]
    public void EnablingAfterTheInputIsUsedUpRequestsNothing()
    {
        using var bench = new DeviceTestBench(input: "a"u8.ToArray());
        bench.Bus.In(Ports.ConsoleData, 0);
        bench.Bus.Out(Ports.ConsoleStatus, 1, 1);
        Assert.Equal(0UL, bench.Interrupts.PendingMask);
        Assert.False(bench.Bus.CanInterrupt);
    }

    [Fact]
    public void APipeIsReadAsIfEveryByteWereThereFromTheStart()
    {
        // The writer is slow; the guest still sees every byte in order and availability never
        // flickers, so the run cannot depend on host timing.
        using var typed = new TypedInput();
        var (server, client) = (typed.Server, typed.Client);
        var writer = Task.Run(async () =>
        {
            foreach (byte b in "slow"u8.ToArray())
            {
                await Task.Delay(20);
                server.WriteByte(b);
                server.Flush();
            }
            server.Dispose();
        });
        using var bench = new DeviceTestBench(inputStream: client);
        var read = new StringBuilder();
        for (ulong t = 0; bench.Bus.In(Ports.ConsoleStatus, t) == 1; t += 2)
            read.Append((char)bench.Bus.In(Ports.ConsoleData, t + 1));
        writer.Wait();
        Assert.Equal("slow", read.ToString());
    }

    [Fact]
    public void InteractiveInputBecomesVisibleOnlyAtSamplingPoints()
    {
        using var typed = new TypedInput();
        var (server, client) = (typed.Server, typed.Client);
        using var bench = new DeviceTestBench(inputStream: client, interactive: true);
        bench.Bus.Out(Ports.ConsoleStatus, 1, 100);
        Assert.Equal(0u, bench.Bus.In(Ports.ConsoleStatus, 101));
        Assert.True(bench.Bus.CanInterrupt); // more may be typed
        Assert.Equal(101 + R4.Machine.Devices.ConsoleDevice.InteractivePollInstructions, bench.Bus.NextEventInstret);
        Assert.False(bench.Pending(Vectors.ConsoleInput));

        server.Write("k"u8);
        server.Flush();
        Assert.True(bench.Bus.Console.WaitForHostInput(TimeSpan.FromSeconds(10)));
        Assert.False(bench.Pending(Vectors.ConsoleInput)); // arrived, but not sampled yet
        bench.Bus.Tick(bench.Bus.NextEventInstret);
        Assert.True(bench.Pending(Vectors.ConsoleInput));
        Assert.Equal(ulong.MaxValue, bench.Bus.NextEventInstret);
        Assert.Equal((uint)'k', bench.Bus.In(Ports.ConsoleData, 20_000));
        Assert.False(bench.Pending(Vectors.ConsoleInput));

        server.Dispose(); // end of input (Ctrl-D)
        Assert.True(bench.Bus.Console.WaitForHostInput(TimeSpan.FromSeconds(10)));
        Assert.Equal(0u, bench.Bus.In(Ports.ConsoleStatus, 20_001));
        Assert.False(bench.Bus.CanInterrupt);
    }
}

/// <summary>A pipe standing in for a terminal. Disposing closes the writing end first: a
/// blocked read of the reading end then ends, so closing that end cannot wait for it.</summary>
public sealed class TypedInput : IDisposable
{
    public TypedInput() => Client = new AnonymousPipeClientStream(PipeDirection.In, Server.ClientSafePipeHandle);
    public AnonymousPipeServerStream Server { get; } = new(PipeDirection.Out);
    public AnonymousPipeClientStream Client { get; }

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
    }
}

public class HaltedWaitTests
{
    [Fact]
    public void AHaltedMachineWaitingOnlyForTypedInputBlocksUntilAKeyArrives()
    {
        using var typed = new TypedInput();
        var (server, client) = (typed.Server, typed.Client);
        using var bench = new DeviceTestBench(inputStream: client, interactive: true);
        bench.Bus.Out(Ports.ConsoleStatus, 1, 0);
        var typist = Task.Run(async () =>
        {
            await Task.Delay(100);
            server.Write("z"u8);
            server.Flush();
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bench.Bus.WaitWhileHalted();
        Assert.True(clock.ElapsedMilliseconds >= 50, $"returned after {clock.ElapsedMilliseconds} ms, before the key");
        typist.Wait();
        bench.Bus.Tick(bench.Bus.NextEventInstret);
        Assert.True(bench.Pending(Vectors.ConsoleInput));
    }

    [Fact]
    public void WithTheTimerRunningTheWaitIsShort()
    {
        using var typed = new TypedInput();
        var (server, client) = (typed.Server, typed.Client);
        using var bench = new DeviceTestBench(inputStream: client, interactive: true);
        bench.Bus.Out(Ports.ConsoleStatus, 1, 0);
        bench.Bus.Out(Ports.TimerPeriod, 1_000_000, 0);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bench.Bus.WaitWhileHalted();
        Assert.True(clock.ElapsedMilliseconds < 5000);
        Assert.False(bench.Pending(Vectors.ConsoleInput));
    }

    [Fact]
    public void NonInteractiveRunsNeverWait()
    {
        using var bench = new DeviceTestBench(input: "a"u8.ToArray());
        bench.Bus.Out(Ports.ConsoleStatus, 1, 0);
        bench.Bus.WaitWhileHalted(); // returns at once: NextEventInstret has no console poll
        Assert.Equal(ulong.MaxValue, bench.Bus.NextEventInstret);
    }
}
