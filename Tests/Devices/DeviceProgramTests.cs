// End to end: small machine-code programs (ProgramBuilder, InstructionCodec) running on the
// real CPU use the timer, disk DMA, the console and power through `in`/`out`, and the IRQ
// handler's first instruction (`rdtick`) shows the exact instret at which the IRQ was taken.
using System.Text;
using R4.Isa;
using R4.Machine;
using R4.Tests.Machine;

namespace R4.Tests.Devices;

public sealed class DeviceProgramTests : IDisposable
{
    private const uint IvtAddress = 0x8000, HandlerAddress = 0x9000, StackTop = 0x20000, DmaAddress = 0x40000;
    private readonly string imagePath = Path.Combine(Path.GetTempPath(), $"r4-e2e-{Guid.NewGuid():N}.img");

    public void Dispose() => File.Delete(imagePath);

    /// <summary>A machine running <paramref name="program"/> whose external-interrupt gates
    /// (interrupt gates, ring 0) lead to a handler that records r10 = instret at entry
    /// (rdtick), r11 = the vector's device status, r12 = the saved pc, then powers off.</summary>
    private static R4Machine Boot(ProgramBuilder program, MachineOptions? options = null)
    {
        var machine = new R4Machine(options ?? new MachineOptions { MemoryBytes = 1 << 20 });
        machine.Load(program.Image());
        for (int vector = Vectors.Timer; vector <= Vectors.Disk; vector++)
        {
            var handler = new ProgramBuilder(HandlerAddress + 0x100u * (uint)(vector - Vectors.Timer))
                .Emit(Opcode.Rdtick, 10)
                .Emit(Opcode.In, 11, imm: vector switch
                {
                    Vectors.Timer => Ports.TimerCount,
                    Vectors.ConsoleInput => Ports.ConsoleData,
                    _ => Ports.DiskStatus,
                })
                .Emit(Opcode.Ldw, 12, Registers.StackPointer, imm: 4)
                .Emit(Opcode.Addi, 9, 0, imm: vector)
                .Emit(Opcode.Hlt); // IE = 0 inside an interrupt gate: power off
            var words = handler.Build();
            for (int i = 0; i < words.Length; i++)
                machine.Poke(handler.Origin + 4u * (uint)i, words[i]);
            machine.Poke(IvtAddress + 8u * (uint)vector, handler.Origin);
            machine.Poke(IvtAddress + 8u * (uint)vector + 4, Gate.MakeFlags(0, 0, interruptGate: true));
        }
        Assert.True(machine.Cpu.TryLoadGates(IvtAddress, out _, out _, out _));
        machine.Cpu.SetRegister(Registers.StackPointer, StackTop);
        return machine;
    }

    private static ProgramBuilder OutImmediate(ProgramBuilder p, ushort port, int value) =>
        p.Emit(Opcode.Addi, 1, 0, imm: value).Emit(Opcode.Out, rs: 1, imm: port);

    [Fact]
    public void TimerIrqIsTakenAfterExactlyPeriodInstructionsFollowingTheOut()
    {
        var p = new ProgramBuilder();
        p.Emit(Opcode.Addi, 1, 0, imm: 50)       // instret 0
         .Emit(Opcode.Out, rs: 1, imm: Ports.TimerPeriod) // instret 1: retires at 2
         .Emit(Opcode.Sti)                       // 2
         .Label("spin").Jump(Opcode.Jmp, "spin");
        using var m = Boot(p);
        var result = m.Run(10_000);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal((uint)Vectors.Timer, m.Reg(9));
        Assert.Equal(2u + 50, m.Reg(10));        // taken at the boundary instret = 1 + 1 + 50
        Assert.Equal(49u, m.Reg(11));            // the handler's `in` runs at 53; the next IRQ is due at 102
        Assert.Equal(p.AddressOf("spin"), m.Reg(12));
    }

    [Fact]
    public void TimerCountReadsThroughTheCpu()
    {
        var p = new ProgramBuilder();
        p.Emit(Opcode.Addi, 1, 0, imm: 10)
         .Emit(Opcode.Out, rs: 1, imm: Ports.TimerPeriod)
         .Emit(Opcode.In, 2, imm: Ports.TimerCount)
         .Emit(Opcode.Nop)
         .Emit(Opcode.In, 3, imm: Ports.TimerCount)
         .Emit(Opcode.In, 4, imm: Ports.TimerPeriod)
         .Emit(Opcode.Out, rs: 0, imm: Ports.TimerPeriod)
         .Emit(Opcode.In, 5, imm: Ports.TimerCount)
         .PowerOff();
        var (m, result) = MachineHarness.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal((10u, 8u, 10u, 0u), (m.Reg(2), m.Reg(3), m.Reg(4), m.Reg(5)));
    }

    [Fact]
    public void HltIdlesUntilTheTimerAndTheIdleTimeCounts()
    {
        var p = new ProgramBuilder();
        OutImmediate(p, Ports.TimerPeriod, 1000)  // the out is instret 1
         .Emit(Opcode.Sti)
         .Emit(Opcode.Hlt)
         .Label("after").Emit(Opcode.Nop);
        using var m = Boot(p);
        var result = m.Run(100_000);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(2u + 1000, m.Reg(10));
        Assert.Equal(p.AddressOf("after"), m.Reg(12));
    }

    [Fact]
    public void DiskReadMovesTheSectorsByDmaAndRaisesIrq18AtTheDocumentedInstret()
    {
        var image = new byte[4 * 512];
        new Random(7).NextBytes(image);
        File.WriteAllBytes(imagePath, image);
        var p = new ProgramBuilder();
        OutImmediate(p, Ports.DiskSector, 1)      // 0, 1
            .Li(1, DmaAddress)                    // 2, 3
            .Emit(Opcode.Out, rs: 1, imm: Ports.DiskAddress); // 4
        OutImmediate(p, Ports.DiskCount, 2);      // 5, 6
        OutImmediate(p, Ports.DiskCommand, (int)Ports.DiskCommandRead) // 7, 8: the command's out is instret 8
            .Emit(Opcode.Sti)
            .Label("spin").Jump(Opcode.Jmp, "spin");
        using var m = Boot(p, new MachineOptions { MemoryBytes = 1 << 20, DiskImagePath = imagePath });
        var result = m.Run(100_000);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal((uint)Vectors.Disk, m.Reg(9));
        Assert.Equal(8u + 1 + 1000 + 2 * 100, m.Reg(10));
        Assert.Equal(0u, m.Reg(11)); // status: done, no error
        var moved = new byte[1024];
        m.Memory.Read(DmaAddress, moved);
        Assert.Equal(image[512..1536], moved);
        Assert.Equal(0u, m.Word(DmaAddress + 1024));
    }

    [Fact]
    public void DiskWriteFromMemoryReachesTheImageFile()
    {
        File.WriteAllBytes(imagePath, new byte[2 * 512]);
        var p = new ProgramBuilder();
        p.Li(1, DmaAddress).Li(2, 0xCAFEF00D).Emit(Opcode.Stw, rt: 2, rs: 1, imm: 0).Emit(Opcode.Stw, rt: 2, rs: 1, imm: 508)
         .Emit(Opcode.Out, rs: 1, imm: Ports.DiskAddress);
        OutImmediate(p, Ports.DiskSector, 1);
        OutImmediate(p, Ports.DiskCount, 1);
        OutImmediate(p, Ports.DiskCommand, (int)Ports.DiskCommandWrite)
            .Emit(Opcode.Sti)
            .Emit(Opcode.Hlt);
        using (var m = Boot(p, new MachineOptions { MemoryBytes = 1 << 20, DiskImagePath = imagePath }))
        {
            var result = m.Run(100_000);
            MachineHarness.AssertPoweredOff(result);
            Assert.Equal((uint)Vectors.Disk, m.Reg(9));
            Assert.Equal(0u, m.Reg(11));
        }
        byte[] file = File.ReadAllBytes(imagePath);
        Assert.All(file[..512], b => Assert.Equal(0, b));
        Assert.Equal(0xCAFEF00Du, BitConverter.ToUInt32(file, 512));
        Assert.Equal(0xCAFEF00Du, BitConverter.ToUInt32(file, 1020));
    }

    [Fact]
    public void ABadDiskRequestInterruptsRightAfterItsOutWithTheErrorBit()
    {
        var p = new ProgramBuilder();
        p.Emit(Opcode.Sti);                        // 0
        OutImmediate(p, Ports.DiskCount, 1);       // 1, 2
        OutImmediate(p, Ports.DiskCommand, 1)      // 3, 4: no disk attached
            .Label("next").Emit(Opcode.Nop)
            .Label("spin").Jump(Opcode.Jmp, "spin");
        using var m = Boot(p);
        MachineHarness.AssertPoweredOff(m.Run(10_000));
        Assert.Equal(5u, m.Reg(10));
        Assert.Equal(Ports.DiskStatusError, m.Reg(11));
        Assert.Equal(p.AddressOf("next"), m.Reg(12));
    }

    [Fact]
    public void ConsoleEchoPowersOffWithTheStatusWritten()
    {
        var p = new ProgramBuilder();
        p.Label("loop")
         .Emit(Opcode.In, 1, imm: Ports.ConsoleStatus)
         .Branch(Opcode.Beq, 1, 0, "done")
         .Emit(Opcode.In, 2, imm: Ports.ConsoleData)
         .Emit(Opcode.Out, rs: 2, imm: Ports.ConsoleData)
         .Jump(Opcode.Jmp, "loop")
         .Label("done");
        OutImmediate(p, Ports.Debug, 0x1234);
        OutImmediate(p, Ports.Power, 7)
            .Emit(Opcode.Out, rs: 0, imm: Ports.ConsoleData); // never runs: power-off stops at the out
        var output = new MemoryStream();
        var diagnostics = new StringWriter();
        using var m = new R4Machine(new MachineOptions
        {
            MemoryBytes = 1 << 20,
            ConsoleInput = new MemoryStream("echo me\n"u8.ToArray()),
            ConsoleOutput = output,
            Diagnostics = diagnostics,
        });
        m.Load(p.Image());
        var result = m.Run(10_000);
        Assert.Equal(StopReason.PowerOff, result.Reason);
        Assert.Equal(7u, result.ExitStatus);
        Assert.Equal("echo me\n", Encoding.ASCII.GetString(output.ToArray()));
        Assert.Equal("0x00001234\n", diagnostics.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void EnablingTheConsoleIrqWithInputWaitingInterruptsAtTheNextBoundary()
    {
        var p = new ProgramBuilder();
        p.Emit(Opcode.Sti);                        // 0
        OutImmediate(p, Ports.ConsoleStatus, 1)    // 1, 2
            .Label("next").Label("spin").Jump(Opcode.Jmp, "spin");
        using var m = Boot(p, new MachineOptions { MemoryBytes = 1 << 20, ConsoleInput = new MemoryStream("Q"u8.ToArray()) });
        MachineHarness.AssertPoweredOff(m.Run(10_000));
        Assert.Equal((uint)Vectors.ConsoleInput, m.Reg(9));
        Assert.Equal(3u, m.Reg(10));
        Assert.Equal((uint)'Q', m.Reg(11));
        Assert.Equal(p.AddressOf("next"), m.Reg(12));
        Assert.Equal(0UL, m.Interrupts.PendingMask); // the handler read the only byte
    }

    [Fact]
    public void HltWithOnlyAUsedUpConsoleLeftIsADeadlock()
    {
        var p = new ProgramBuilder();
        p.Emit(Opcode.In, 3, imm: Ports.ConsoleData);
        OutImmediate(p, Ports.ConsoleStatus, 1)
            .Emit(Opcode.Sti)          // the only byte is already read: the console can never interrupt
            .Emit(Opcode.Hlt)
            .Emit(Opcode.Nop);
        using var m = Boot(p, new MachineOptions { MemoryBytes = 1 << 20, ConsoleInput = new MemoryStream("x"u8.ToArray()) });
        var result = m.Run(10_000);
        Assert.Equal(StopReason.Deadlock, result.Reason);
        Assert.Equal((uint)'x', m.Reg(3));
    }
}
