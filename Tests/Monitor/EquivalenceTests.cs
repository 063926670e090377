// Native vs ring012, ring013 and ring3 on small guests built on the test kernel: the same
// console output (which reports every trap frame the guest sees), the same stop, the same
// registers, pc, instret, virtual CPL and IE, and the same per-instruction trace.
using R4.Monitor;

namespace R4.Tests.Monitor;

public class EquivalenceTests
{
    [Fact]
    public void SystemCallsFromUserMode()
    {
        var kernel = new TestKernel
        {
            UserMain = """
                user_main:
                    la   r2, message
                    li   r3, 6
                    li   r1, 2
                    int  32
                    mov  r7, r1
                    li   r1, 4
                    int  32
                    mov  r8, r1
                    li   r2, 0x12345678
                    li   r1, 9
                    int  32
                    li   r9, 5
                .null:
                    li   r1, 0
                    int  32
                    addi r9, r9, -1
                    bnez r9, .null
                    li   r1, 1
                    li   r2, 3
                    int  32
                message:
                    .ascii "hello\n"
                """,
        };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build());
        Assert.Equal("hello\n 12345678\n", runs[0].Console);
        Assert.Equal(3u, runs[0].Result.ExitStatus);
        Assert.Equal(6u, runs[0].State.Registers[7]);
        Assert.Equal(7u, runs[0].State.Registers[8]);
    }

    [Fact]
    public void FaultsOfUserCodeReachTheGuestKernelAsNative()
    {
        var kernel = new TestKernel
        {
            KernelInit = """
                    li   r1, 0x70000
                    li   r2, 0x200000 | 0x1F
                    jmp  set_pte
                """,
            UserMain = """
                user_main:
                    li   r2, 0
                    div  r3, r2, r2
                    .word 0
                    hlt
                    cli
                    sti
                    tlbflush
                    invlpg r2
                    mfcr r3, status
                    mtcr ptbr, r2
                    in   r3, 0x11
                    out  0x01, r3
                    li   r4, 0x2000
                    ldw  r3, [r4]
                    stw  r3, [r4]
                    li   r4, 0x90000
                    stw  r3, [r4]
                    li   r4, 0x10002
                    ldw  r3, [r4]
                    brk
                    int  40
                    int  48
                    int  33
                    li   r4, 0x70000
                    ldw  r3, [r4]
                    li   r1, 1
                    li   r2, 0
                    int  32
                """,
        };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build());
        string console = runs[0].Console;
        foreach (string vector in new[] { "00000000", "00000004", "00000005", "00000006", "00000007", "00000003", "00000021", "00000009" })
            Assert.Contains("T " + vector, console);
        Assert.Contains("T 00000006 0000000b", console);   // user store to a kernel page: present, write, ring
        Assert.Equal(StopReasonPowerOff, runs[0].Result.Reason);
    }

    [Fact]
    public void TrapsAndSoftwareInterruptsOfKernelCodeAreEmulatedAsNative()
    {
        var kernel = new TestKernel
        {
            KernelInit = """
                    push lr
                    brk
                    int  33
                    int  40
                    int  48
                    li   r2, 0
                    div  r3, r2, r2
                    li   r1, 0x90000
                    ldw  r3, [r1]
                    la   r1, data_word + 2
                    ldw  r3, [r1]
                    pop  lr
                    ret
                """,
            KernelExtra = "    .align 4\ndata_word:\n    .word 0x5a5a5a5a\n",
        };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build());
        Assert.Contains("T 00000003", runs[0].Console);
        Assert.Contains("T 00000028", runs[0].Console);
        Assert.Contains("T 00000005", runs[0].Console);
    }

    [Fact]
    public void TimerInterruptsArriveAtTheSameInstructions()
    {
        var kernel = new TestKernel
        {
            UserStatus = 7,
            KernelInit = """
                    li   r1, 37
                    out  0x10, r1
                    ret
                """,
            UserMain = """
                user_main:
                    li   r9, 200
                .loop:
                    addi r10, r10, 3
                    rdtick r11
                    add  r12, r12, r11
                    li   r1, 0
                    int  32
                    addi r9, r9, -1
                    bnez r9, .loop
                    li   r1, 1
                    mov  r2, r12
                    int  32
                """,
        };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build());
        Assert.True(runs[0].Console.Split("T 00000010").Length > 100, runs[0].Console[..200]);
    }

    [Fact]
    public void HltWaitsForTheNextInterruptAsNative()
    {
        var kernel = new TestKernel
        {
            KernelInit = """
                    push lr
                    li   r1, 3000
                    out  0x10, r1
                    sti
                    hlt
                    hlt
                    cli
                    rdtick r2
                    call puthex
                    li   r1, 0
                    out  0x10, r1
                    pop  lr
                    ret
                """,
        };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build());
        Assert.Equal(2, runs[0].Console.Split("T 00000010").Length - 1);
    }

    [Fact]
    public void PagingOffShowsTheWholePartitionAndMachineChecksPastIt()
    {
        var kernel = new TestKernel
        {
            Paging = false,
            UserMain = """
                user_main:
                    li   r4, 0x2000
                    ldw  r3, [r4]
                    li   r4, 0xFFFFC
                    stw  r3, [r4]
                    ldw  r5, [r4]
                    li   r4, 0x100000
                    ldw  r3, [r4]
                    li   r4, 0x100800
                    stw  r3, [r4]
                    li   r1, 1
                    li   r2, 0
                    int  32
                """,
        };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build());
        Assert.Equal(2, runs[0].Console.Split("T 00000009").Length - 1);
    }

    [Fact]
    public void PageTableChangesTakeEffectThroughInvlpgTlbflushAndPtbr()
    {
        var kernel = new TestKernel
        {
            KernelInit = """
                    push lr
                    li   r5, 0x50000
                    li   r6, 0xAAAA
                    stw  r6, [r5]
                    li   r5, 0x51000
                    li   r6, 0xBBBB
                    stw  r6, [r5]
                    li   r1, 0x70000
                    li   r2, 0x50000 | 7
                    call set_pte
                    li   r1, 0x70000
                    ldw  r2, [r1]
                    call puthex
                    li   r1, 0x70000
                    li   r2, 0x51000 | 7
                    call set_pte
                    li   r1, 0x70000
                    ldw  r2, [r1]
                    call puthex
                    li   r3, PAGE_TABLE0 + (0x70000 >> 10)
                    li   r2, 0x50000 | 7
                    stw  r2, [r3]
                    tlbflush
                    li   r1, 0x70000
                    ldw  r2, [r1]
                    call puthex
                    ; a second address space: PT copy with 0x70000 -> 0x51000
                    li   r1, PAGE_TABLE0
                    li   r2, 0x33000
                    li   r3, 1024
                .copy:
                    ldw  r4, [r1]
                    stw  r4, [r2]
                    addi r1, r1, 4
                    addi r2, r2, 4
                    addi r3, r3, -1
                    bnez r3, .copy
                    li   r3, 0x33000 + (0x70000 >> 10)
                    li   r2, 0x51000 | 7
                    stw  r2, [r3]
                    li   r3, 0x32000
                    li   r2, 0x33000 | 1
                    stw  r2, [r3]
                    li   r1, 0x32000 | 1
                    mtcr ptbr, r1
                    li   r1, 0x70000
                    ldw  r2, [r1]
                    call puthex
                    li   r1, PAGE_DIR | 1
                    mtcr ptbr, r1
                    li   r1, 0x70000
                    ldw  r2, [r1]
                    call puthex
                    ; a read-only kernel page: the store faults in the kernel
                    li   r1, 0x71000
                    li   r2, 0x52000 | 5
                    call set_pte
                    li   r1, 0x71000
                    stw  r1, [r1]
                    ; a ring-3 page the kernel may touch
                    li   r1, 0x72000
                    li   r2, 0x52000 | 0x1B
                    call set_pte
                    li   r1, 0x72000
                    stw  r1, [r1]
                    ldw  r2, [r1]
                    call puthex
                    mfcr r2, ptbr
                    call puthex
                    li   r2, 10
                    out  0x00, r2
                    pop  lr
                    ret
                """,
        };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build());
        Assert.StartsWith(" 0000aaaa 0000bbbb 0000aaaa 0000bbbb 0000aaaa", runs[0].Console);
        Assert.Contains("T 00000006 00000003", runs[0].Console);
    }

    [Fact]
    public void PortsIncludingUnknownOnesBehaveAsNative()
    {
        var kernel = new TestKernel
        {
            KernelInit = """
                    push lr
                    in   r2, 0x77
                    call puthex
                    li   r1, 5
                    out  0x77, r1
                    in   r2, 0x10
                    call puthex
                    li   r1, 1000
                    out  0x10, r1
                    in   r2, 0x11
                    call puthex
                    in   r2, 0x01
                    call puthex
                    in   r2, 0x00
                    call puthex
                    li   r1, 0
                    out  0x10, r1
                    li   r2, 0xF1F1
                    out  0xF1, r2
                    pop  lr
                    ret
                """,
        };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build(), input: "xy"u8.ToArray());
        Assert.StartsWith(" ffffffff 00000000", runs[0].Console);
        Assert.Contains(" 00000078", runs[0].Console);
    }

    private const R4.Machine.StopReason StopReasonPowerOff = R4.Machine.StopReason.PowerOff;

    [Fact]
    public void AnExhaustedShadowPoolIsDroppedAndRefilledWithoutTheGuestNoticing()
    {
        var kernel = new TestKernel
        {
            KernelInit = """
                    ; six more 4 MiB regions, one user page each (frames 0x51000.., tables 0x34000..)
                    li   r1, 1
                .map:
                    shli r2, r1, 12
                    li   r3, 0x33000
                    add  r3, r3, r2               ; page table of region r1
                    li   r4, 0x50000 | 0x1F
                    add  r4, r4, r2               ; frame 0x50000 + r1 * 4 KiB, user, writable
                    stw  r4, [r3]
                    ori  r3, r3, 1
                    shli r4, r1, 2
                    li   r5, PAGE_DIR
                    add  r5, r5, r4
                    stw  r3, [r5]
                    addi r1, r1, 1
                    li   r4, 7
                    bne  r1, r4, .map
                    tlbflush
                    ret
                """,
            UserMain = """
                user_main:
                    li   r9, 3
                .round:
                    li   r1, 1
                .region:
                    shli r2, r1, 22
                    ldw  r3, [r2]
                    add  r3, r3, r1
                    stw  r3, [r2]
                    add  r10, r10, r3
                    addi r1, r1, 1
                    li   r4, 7
                    bne  r1, r4, .region
                    addi r9, r9, -1
                    bnez r9, .round
                    mov  r2, r10
                    li   r1, 9
                    int  32
                    li   r1, 1
                    li   r2, 0
                    int  32
                """,
        };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build(), shadowPoolPages: MonitorMemoryMap.MinimumPoolPages,
            layouts: [.. Layouts.MonitoredLayouts, Layouts.Bt],   // the layouts with shadow tables
            inspect: machine => Assert.True(machine.Monitor!.Shadow.Drops > 5, $"{machine.Layout.Name}: {machine.Monitor.Shadow.Drops} drops"));
        Assert.Equal(" 0000007e\n", runs[0].Console);   // 6 * (1 + ... + 6)
    }

    private static TestKernel DirectCallOnto(uint kernelStackTop) => new()
    {
        KernelInit = $"""
                li   r1, 0x{kernelStackTop:x}
                mtcr ksp0, r1
                ret
            """,
        UserMain = """
            user_main:
                li   r1, 4
                int  32
                mov  r2, r1
                li   r1, 1
                int  32
            """,
    };

    [Fact]
    public void ADirectSystemCallOntoAKernelStackTheShadowLacksIsFilledNotFaulted()
    {
        // ksp0 on a page no kernel code touched: the hardware frame push of the direct gate
        // misses the shadow; the monitor must walk it as the kernel's write, not the user's
        var runs = MonitorHarness.AssertEquivalent(DirectCallOnto(0x1C000).Build());
        Assert.Equal(7u, runs[0].Result.ExitStatus);
        Assert.Equal("", runs[0].Console);
        Assert.All(runs.Skip(1), run => Assert.Equal(0, run.Exits!.Count("fault.PF")));
    }

    [Theory]
    [InlineData(0x91000u)]    // the kernel stack is not mapped: #PF, #DF, triple fault
    [InlineData(0x1C002u)]    // the kernel stack is misaligned: #AC, #DF, triple fault
    [InlineData(0x100010u)]   // the kernel stack lies outside the partition (not mapped either)
    public void ADirectSystemCallWhosePushFaultsFailsExactlyAsNative(uint kernelStackTop)
    {
        var runs = MonitorHarness.AssertEquivalent(DirectCallOnto(kernelStackTop).Build());
        Assert.Equal(R4.Machine.StopReason.Shutdown, runs[0].Result.Reason);
        Assert.StartsWith("triple fault: int 32: ", runs[0].Result.Diagnostic);
    }
}
