// Virtual interrupt injection (issue 4 item 1): the console input IRQ (17) and the disk IRQ
// (18) — not only the timer — reach the guest at exactly the instruction where native takes
// them, in every layout: while user code runs with IE on, while the kernel waits in `hlt`, and
// when a handler re-arms the device. The per-instruction trace comparison of the harness would
// name the first instruction where a handler ran at a different instret.
using R4.Isa;
using R4.Monitor;

namespace R4.Tests.Monitor;

public class InterruptInjectionTests
{
    /// <summary>The test kernel with its own handlers for the three device IRQs: the timer
    /// re-enables the console IRQ, the console handler prints 'C', reads one byte, prints it,
    /// disables the console IRQ and prints rdtick; the disk handler prints 'D', the status and
    /// rdtick, and chains reads of sectors 1 and 2. <paramref name="kernelWork"/> runs in the
    /// kernel after the handlers are installed.</summary>
    private static TestKernel DeviceInterruptKernel(string kernelWork, string userMain, uint userStatus = 7) => new()
    {
        UserStatus = userStatus,
        KernelInit = """
                push lr
                la   r1, ivt
                la   r2, timer_irq
                stw  r2, [r1 + 16 * 8]
                la   r2, console_irq
                stw  r2, [r1 + 17 * 8]
                la   r2, disk_irq
                stw  r2, [r1 + 18 * 8]
                mtcr ivt, r1              ; the gates are read when ivt is written
            """ + "\n" + kernelWork + "\n" + """
                pop  lr
                ret
            """,
        UserMain = userMain,
        KernelExtra = """
            ; disk_start(r1 = sector): reads it to 0x50000 + sector * 512
            disk_start:
                push r2
                push r3
                out  0x20, r1
                shli r2, r1, 9
                li   r3, 0x50000
                add  r2, r2, r3
                out  0x21, r2
                li   r2, 1
                out  0x22, r2
                out  0x23, r2
                pop  r3
                pop  r2
                ret

            timer_irq:
                push r1
                li   r1, 1
                out  0x01, r1
                pop  r1
                iret

            console_irq:
                push r1
                push r2
                push lr
                li   r2, 'C'
                out  0x00, r2
                in   r1, 0x00
                out  0x00, r1
                out  0x01, zero
                rdtick r2
                call puthex
                pop  lr
                pop  r2
                pop  r1
                iret

            disk_irq:
                push r1
                push r2
                push lr
                li   r2, 'D'
                out  0x00, r2
                in   r2, 0x24
                call puthex
                rdtick r2
                call puthex
                la   r1, disk_reads
                ldw  r2, [r1]
                addi r2, r2, 1
                stw  r2, [r1]
                li   r1, 3
                bgeu r2, r1, .done
                mov  r1, r2
                call disk_start
            .done:
                pop  lr
                pop  r2
                pop  r1
                iret

                .align 4
            disk_reads:
                .word 0
            """,
    };

    /// <summary>A user loop with IE on: arithmetic, rdtick, a system call per iteration.</summary>
    private const string UserLoop = """
        user_main:
            li   r9, 400
        .loop:
            addi r10, r10, 7
            rdtick r11
            xor  r12, r12, r11
            li   r1, 4
            int  32
            add  r12, r12, r1
            addi r9, r9, -1
            bnez r9, .loop
            li   r1, 9
            mov  r2, r12
            int  32
            li   r1, 1
            li   r2, 0
            int  32
        """;

    /// <summary>Starts a read of sector 0 and waits for it in `hlt`, then turns on the console
    /// IRQ and the timer (period 113) for the user.</summary>
    private const string StartDevicesAndWaitForTheDisk = """
                li   r1, 0
                call disk_start
                sti
                hlt                       ; woken by the disk IRQ
                cli
                li   r1, 1
                out  0x01, r1             ; console input IRQ on
                li   r1, 113
                out  0x10, r1             ; timer
        """;

    [Fact]
    public void ConsoleAndDiskInterruptsArriveAtTheSameInstructionsInEveryLayout()
    {
        string disk = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(disk, new byte[3 * 512]);
            var runs = MonitorHarness.AssertEquivalent(DeviceInterruptKernel(StartDevicesAndWaitForTheDisk, UserLoop).Build(), input: "monitor!"u8.ToArray(), diskImage: disk);
            var native = runs[0];
            Assert.Equal(R4.Machine.StopReason.PowerOff, native.Result.Reason);
            Assert.Equal(3, native.Statistics.TrapsByVector[Vectors.Disk]);
            Assert.Equal(8, native.Statistics.TrapsByVector[Vectors.ConsoleInput]);
            Assert.True(native.Statistics.TrapsByVector[Vectors.Timer] > 20, native.Console);
            // every console byte arrived through its own interrupt, in order
            Assert.Equal("monitor!", string.Concat(native.Console.Split('C').Skip(1).Select(part => part[0])));
            Assert.Equal(3, native.Console.Split('D').Length - 1);
            long interrupts = native.Statistics.TrapsByVector[Vectors.Timer] + 8 + 3;
            Assert.All(runs.Skip(1), run => Assert.Equal(interrupts, run.Exits!.Count("interrupt")));
        }
        finally
        {
            File.Delete(disk);
        }
    }

    /// <summary>An `out` that makes a device request an interrupt at once — the console IRQ
    /// enabled while input waits, a disk command that fails at once (no disk attached), a
    /// timer period of 3 — is followed by the interrupt at the very next boundary, in the
    /// guest kernel with IE on, exactly as natively (the monitor emulates the `out`).</summary>
    [Fact]
    public void AnInterruptAnOutRequestsArrivesRightAfterItAsNative()
    {
        const string kernelWork = """
                sti
                li   r1, 1
            enable_console:
                out  0x01, r1             ; input waits: IRQ 17 now
                nop
            failing_disk_command:
                out  0x23, r1             ; no disk: error at once, IRQ 18 now
                nop
                li   r1, 40
                out  0x10, r1             ; timer every 40 instructions
                li   r1, 60
            .spin:
                addi r1, r1, -1
                bnez r1, .spin
                out  0x10, zero
                cli
            """;
        var image = DeviceInterruptKernel(kernelWork, "user_main:\n    li r1, 1\n    li r2, 0\n    int 32\n").Build();
        var runs = MonitorHarness.AssertEquivalent(image, input: "ab"u8.ToArray());
        var native = runs[0];
        Assert.Equal(R4.Machine.StopReason.PowerOff, native.Result.Reason);
        Assert.StartsWith("Ca", native.Console);
        Assert.Contains(" 00000002", native.Console);                       // the disk's error status
        Assert.Equal(2, native.Statistics.TrapsByVector[Vectors.ConsoleInput]);
        Assert.Equal(3, native.Statistics.TrapsByVector[Vectors.Disk]);   // the handler's chained reads fail at once too
        Assert.True(native.Statistics.TrapsByVector[Vectors.Timer] >= 2);
        // the console handler ran with rdtick = the instret right after the enabling out
        var recorder = native.Trace!;
        uint enable = image.Lookup("enable_console")!.Value;
        var afterOut = recorder.Kept.SkipWhile(t => t.Pc != enable).Skip(1).First();
        Assert.Equal(image.Lookup("console_irq")!.Value, afterOut.Pc);
        uint failing = image.Lookup("failing_disk_command")!.Value;
        Assert.Contains(recorder.Kept, t => t.Pc == failing);
        Assert.Equal(image.Lookup("disk_irq")!.Value, recorder.Kept.SkipWhile(t => t.Pc != failing).Skip(1).First().Pc);
    }
}
