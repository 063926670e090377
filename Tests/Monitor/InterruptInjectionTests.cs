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
    /// <summary>A kernel that starts a disk read and waits for it in `hlt`, then runs the user
    /// with IE on while the timer (period 113) re-enables the console IRQ, the console handler
    /// reads one byte and disables it again, and the disk handler chains two more reads.</summary>
    private static TestKernel DeviceInterruptKernel()
    {
        var kernel = new TestKernel
        {
            UserStatus = 7,
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
                    li   r1, 0
                    call disk_start
                    sti
                    hlt                       ; woken by the disk IRQ
                    cli
                    li   r1, 1
                    out  0x01, r1             ; console input IRQ on
                    li   r1, 113
                    out  0x10, r1             ; timer
                    pop  lr
                    ret
                """,
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
            UserMain = """
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
                """,
        };
        return kernel;
    }

    [Fact]
    public void ConsoleAndDiskInterruptsArriveAtTheSameInstructionsInEveryLayout()
    {
        string disk = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(disk, new byte[3 * 512]);
            var runs = MonitorHarness.AssertEquivalent(DeviceInterruptKernel().Build(), input: "monitor!"u8.ToArray(), diskImage: disk);
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
}
