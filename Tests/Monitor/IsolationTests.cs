// Containment: whatever a guest does — page tables or DMA aimed outside its partition, gates
// and irets aimed at ring 0, rings the layout cannot host, rmap writes, unknown ports,
// privileged instructions in every ring, a triple fault, an endless loop with interrupts off —
// it either sees exactly the fault native would give (with RAM = its partition) or the VM stops
// with a diagnostic naming the cause and the guest pc; and the monitor's memory (shadow vector
// table, shadow page tables) is never touched (checked after every monitored run by the harness).
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Monitor;

public class IsolationTests
{
    [Fact]
    public void PageTablesPointingOutsideThePartitionGiveMachineChecks()
    {
        var kernel = new TestKernel
        {
            KernelInit = """
                    push lr
                    li   r1, 0x70000
                    li   r2, 0x100000 | 0x1F      ; the first page above the partition: the shadow vector table
                    call set_pte
                    li   r1, 0x71000
                    li   r2, 0x104000 | 0x1F      ; a shadow page table
                    call set_pte
                    li   r1, PAGE_DIR + 4
                    li   r2, 0x101000 | 1         ; a page table above the partition: a shadow directory
                    stw  r2, [r1]
                    tlbflush
                    pop  lr
                    ret
                """,
            UserMain = """
                user_main:
                    li   r4, 0x70000
                    ldw  r3, [r4]
                    stw  r4, [r4]
                    li   r4, 0x71000
                    stw  r4, [r4 + 8]
                    li   r4, 0x400000
                    ldw  r3, [r4]
                    stw  r4, [r4]
                    li   r1, 1
                    li   r2, 0
                    int  32
                """,
        };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build());
        Assert.Equal(5, runs[0].Console.Split("T 00000009").Length - 1);
    }

    [Fact]
    public void APageDirectoryOutsideThePartitionEndsInTheNativeTripleFault()
    {
        var kernel = new TestKernel
        {
            KernelInit = """
                    li   r1, 0x100000 | 1
                    mtcr ptbr, r1
                    ret
                """,
        };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build());
        Assert.Equal(StopReason.Shutdown, runs[0].Result.Reason);
        Assert.StartsWith("triple fault", runs[0].Result.Diagnostic);
    }

    /// <summary>A kernel routine <paramref name="name"/>(r1 sector, r2 address, r3 count) that
    /// issues disk command <paramref name="command"/>, polls until it is done and prints the status.</summary>
    private static string DiskRoutine(string name, int command) => $"""
        {name}:
            push lr
            out  0x20, r1
            out  0x21, r2
            out  0x22, r3
            li   r4, {command}
            out  0x23, r4
        .wait:
            in   r2, 0x24
            andi r4, r2, 1
            bnez r4, .wait
            call puthex
            pop  lr
            ret
        """;

    [Fact]
    public void DmaOutsideThePartitionOrPastTheDiskImageSetsTheErrorBitAndMovesNothing()
    {
        string disk = Path.GetTempFileName();
        try
        {
            var sectors = new byte[3 * 512];
            for (int i = 0; i < sectors.Length; i++) sectors[i] = (byte)(i / 512 + 0x41);
            File.WriteAllBytes(disk, sectors);
            var kernel = new TestKernel
            {
                KernelInit = """
                        push lr
                        li   r1, 1
                        li   r2, 0x50000
                        li   r3, 1
                        call disk_read
                        li   r1, 0x50000
                        ldw  r2, [r1]
                        call puthex
                        li   r1, 0
                        li   r2, 0xFFF00              ; straddles the end of the partition
                        li   r3, 1
                        call disk_read
                        li   r1, 0
                        li   r2, 0x100000             ; the monitor's shadow vector table
                        li   r3, 1
                        call disk_read
                        li   r1, 0
                        li   r2, 0x101000             ; a shadow page directory
                        li   r3, 2
                        call disk_read
                        li   r1, 0
                        li   r2, 0xFFFFFE00
                        li   r3, 1
                        call disk_read
                        li   r1, 2
                        li   r2, 0x50000
                        li   r3, 2                    ; sectors 2..3 of a 3-sector image
                        call disk_read
                        li   r1, 2
                        li   r2, 0xFFE00              ; the last sector of the partition: fine
                        li   r3, 1
                        call disk_read
                        pop  lr
                        ret
                    """,
                KernelExtra = DiskRoutine("disk_read", command: 1),
            };
            var runs = MonitorHarness.AssertEquivalent(kernel.Build(), diskImage: disk);
            Assert.Equal(" 00000000 42424242 00000002 00000002 00000002 00000002 00000002 00000000", runs[0].Console);
            foreach (var layout in Layouts.All)
                MonitorHarness.Run(kernel.Build(), layout, trace: false, diskImage: disk, inspect: machine =>
                {
                    // the good request filled the partition's last sector, and nothing past it moved
                    Assert.True(machine.Cpu.TryReadPhysical32(0xFFFFC, out uint last));
                    Assert.Equal(0x43434343u, last);
                    if (machine.Monitor is not null) MonitorHarness.AssertMonitorMemoryIntact(machine);
                });
        }
        finally
        {
            File.Delete(disk);
        }
    }

    /// <summary>The other direction of DMA: a disk write whose source is monitor memory (which
    /// would copy the shadow structures out to the host's file), straddles the partition's end,
    /// or targets sectors past the image gets the error bit, and the host's image file keeps
    /// its size and every byte but the one good write's.</summary>
    [Fact]
    public void DiskWritesFromMonitorMemoryOrPastTheImageLeaveTheHostFileUntouched()
    {
        var original = new byte[3 * 512];
        for (int i = 0; i < original.Length; i++) original[i] = (byte)(i / 512 + 0x41);
        var kernel = new TestKernel
        {
            KernelInit = """
                    push lr
                    li   r1, 0x50000
                    li   r2, 0x5a5a5a5a
                    li   r3, 0x50200
                .fill:
                    stw  r2, [r1]
                    addi r1, r1, 4
                    bltu r1, r3, .fill
                    li   r1, 0
                    li   r2, 0x100000             ; the monitor's shadow vector table
                    li   r3, 1
                    call disk_write
                    li   r1, 2
                    li   r2, 0x101000             ; a shadow page directory
                    li   r3, 1
                    call disk_write
                    li   r1, 0
                    li   r2, 0xFFE00              ; straddles the end of the partition
                    li   r3, 2
                    call disk_write
                    li   r1, 3                    ; past the 3-sector image
                    li   r2, 0x50000
                    li   r3, 1
                    call disk_write
                    li   r1, 2                    ; sectors 2..3: the end of the image and past it
                    li   r2, 0x50000
                    li   r3, 2
                    call disk_write
                    li   r1, 1                    ; the one good write
                    li   r2, 0x50000
                    li   r3, 1
                    call disk_write
                    pop  lr
                    ret
                """,
            KernelExtra = DiskRoutine("disk_write", command: 2),
        };
        var expectedFile = (byte[])original.Clone();
        expectedFile.AsSpan(512, 512).Fill(0x5A);
        string disk = Path.GetTempFileName();
        try
        {
            foreach (var layout in Layouts.All)
            {
                File.WriteAllBytes(disk, original);
                var run = MonitorHarness.Run(kernel.Build(), layout, trace: false, diskImage: disk, inspect: machine =>
                {
                    if (machine.Monitor is not null) MonitorHarness.AssertMonitorMemoryIntact(machine);
                });
                Assert.Equal(" 00000002 00000002 00000002 00000002 00000002 00000000", run.Console);
                Assert.Equal(expectedFile, File.ReadAllBytes(disk));
            }
        }
        finally
        {
            File.Delete(disk);
        }
    }

    /// <summary>A gate whose handler lies in monitor memory (the shadow vector table, just past
    /// the partition) with paging off: the handler's fetch is the machine check a native
    /// machine with RAM = the partition gives, in every layout, never monitor code or data.</summary>
    [Fact]
    public void AGateIntoMonitorMemoryGivesTheNativeMachineCheck()
    {
        var kernel = new TestKernel
        {
            Paging = false,
            KernelInit = """
                    la   r1, ivt
                    li   r2, 0x100000             ; the shadow vector table's address
                    stw  r2, [r1 + 33 * 8]
                    mtcr ivt, r1
                    ret
                """,
            UserMain = "user_main:\n    int 33\n    li r1, 1\n    li r2, 0x21\n    int 32\n",
        };
        // the #MC handler resumes after the faulting fetch, which faults again: bounded run
        var runs = MonitorHarness.AssertEquivalent(kernel.Build(), maxInstructions: 5_000);
        Assert.StartsWith("T 00000009 00000000 00100000 00000000\nT 00000009 00000000 00100004 00000000\n", runs[0].Console);
        // (under hw the guest takes its #MC in guest mode: nothing to reflect)
        Assert.All(runs.Skip(1).Where(run => !run.Layout.HardwareAssisted), run => Assert.True(run.Exits!.Count("fault.MC") > 1));
    }

    [Fact]
    public void AnImageOutsideThePartitionIsRejectedAsNative()
    {
        var image = new ProgramImage(0x1000, [new ImageSegment(0xFFFFC, 0xFFFFC, new byte[8], 8, SegmentFlags.Read)], [], []);
        string Message(Layout layout)
        {
            using var machine = GuestMachine.Create(new MachineOptions { MemoryBytes = MonitorHarness.GuestRamBytes }, layout);
            return Assert.Throws<ImageFormatException>(() => machine.Load(image)).Message;
        }
        string native = Message(Layouts.Native);
        Assert.Contains("lies outside RAM (0x100000 bytes)", native);
        foreach (var layout in Layouts.MonitoredLayouts)
            Assert.Equal(native, Message(layout));
    }

    private sealed class RingRecorder : ITraceSink
    {
        public HashSet<int> Rings { get; } = [];
        public void Instruction(ulong instret, int ring, uint pc, uint word) => Rings.Add(ring);
        public void Trap(ulong instret, int vector, uint errorCode, uint savedPc, int fromRing, int toRing) { }
    }

    [Theory]
    [InlineData("native", new[] { 0, 3 })]
    [InlineData("ring012", new[] { 1, 2 })]
    [InlineData("ring013", new[] { 1, 3 })]
    [InlineData("ring3", new[] { 3 })]
    [InlineData("bt", new[] { 1, 3 })]
    [InlineData("hw", new[] { 0, 3 })]   // guest mode: the guest's own ring 0, not the monitor's
    public void GuestCodeNeverRunsInRealRingZeroUnderTheMonitor(string layoutName, int[] realRings)
    {
        // every guest gate targets ring 0; the guest kernel irets to ring 0 after each trap
        var kernel = new TestKernel
        {
            UserMain = """
                user_main:
                    hlt
                    brk
                    int  33
                    li   r1, 0
                    int  32
                    li   r4, 0x2000
                    ldw  r3, [r4]
                    li   r1, 1
                    li   r2, 0
                    int  32
                """,
        };
        Layouts.TryParse(layoutName, out var layout);
        var recorder = new RingRecorder();
        using var machine = GuestMachine.Create(new MachineOptions { MemoryBytes = MonitorHarness.GuestRamBytes, ConsoleOutput = Stream.Null }, layout);
        machine.Load(kernel.Build());
        machine.Trace = recorder;
        Assert.Equal(StopReason.PowerOff, machine.Run(1_000_000).Reason);
        Assert.Equal(realRings, recorder.Rings.Order());
        if (machine.Monitor is not null) MonitorHarness.AssertMonitorMemoryIntact(machine);
    }

    private static TestKernel IretFromUser(uint frameStatus) => new()
    {
        UserMain = $"""
            user_main:
                li   r1, USTACK_TOP - 0x100
                push r1
                li   r1, {frameStatus}
                push r1
                la   r1, landed
                push r1
                push zero
            user_iret:
                iret
                li   r2, 0x11
                jmp  done
            landed:
                li   r2, 0x22
            done:
                li   r1, 1
                int  32
            """,
    };

    [Fact]
    public void AnIretFromUserCodeIntoRingZeroIsAProtectionFaultEverywhere()
    {
        var runs = MonitorHarness.AssertEquivalent(IretFromUser(frameStatus: 0).Build());
        Assert.StartsWith("T 00000005", runs[0].Console);
        Assert.Equal(0x11u, runs[0].Result.ExitStatus);
    }

    [Fact]
    public void AnIretFromUserCodeWithinTheUserRingIsAProtectionFaultInEveryLayout()
    {
        // ring012 puts the user in real ring 2, where a plain ring-2 iret would be legal; the
        // ring map presents ring 2 as ring 3, and iret is #GP in any ring presented as ring 3
        // (spec §3, §9.2), so the guest sees the same fault as on native hardware.
        var image = IretFromUser(frameStatus: 3).Build();
        var runs = MonitorHarness.AssertEquivalent(image);
        Assert.StartsWith("T 00000005", runs[0].Console);
        Assert.Equal(0x11u, runs[0].Result.ExitStatus);
        Assert.All(runs, run => Assert.Equal(0x11u, run.Result.ExitStatus));
    }

    private static TestKernel RingsOneAndTwo() => new()
    {
        Paging = false,
        KernelInit = """
                li   r1, 0x1F000
                mtcr ksp1, r1
                li   r1, 0x1E000
                mtcr ksp2, r1
                li   r1, 0x1D000
                push r1
                li   r1, 1
                push r1
                la   r1, ring1_code
                push r1
                push zero
            enter_ring1:
                iret
            """,
        KernelExtra = """
            ring1_code:
                hlt
                cli
                sti
                mfcr r2, status
                mtcr scratch0, r2
                in   r2, 0x00
                out  0x00, r2
                tlbflush
                invlpg r2
                int  33
                brk
                li   r1, 0x1C000
                push r1
                li   r1, 2
                push r1
                la   r1, ring2_code
                push r1
                push zero
                iret
            ring2_code:
                hlt
                cli
                mfcr r2, status
                out  0x00, r2
                int  33
                li   r1, 1
                li   r2, 0x12
                int  32
            """,
    };

    [Fact]
    public void PrivilegedInstructionsFaultInRingsOneAndTwoAsNativeUnderRing3AndHw()
    {
        var runs = MonitorHarness.AssertEquivalent(RingsOneAndTwo().Build(), layouts: [Layouts.Ring3, Layouts.Hw]);
        Assert.Equal(0x12u, runs[0].Result.ExitStatus);
        Assert.Contains(" 00000005 00000000", runs[0].Console);
        Assert.Contains("00000001\nT", runs[0].Console);   // a frame saved from ring 1
        Assert.Contains("00000002\nT", runs[0].Console);   // and from ring 2
    }

    [Theory]
    [InlineData("ring012")]
    [InlineData("ring013")]
    [InlineData("bt")]
    public void EnteringRingOneStopsTheGuestWhereThereIsNoRingForIt(string layoutName)
    {
        var run = AssertStoppedAt(RingsOneAndTwo().Build(), layoutName, "enter_ring1",
            $"iret enters ring 1, which layout {layoutName} has no ring for (ring compression, spec §9.2)");
        Assert.Equal(1, run.Exits!.Count("stop"));
    }

    [Theory]
    [InlineData("ring012")]
    [InlineData("ring013")]
    [InlineData("bt")]
    public void AGateIntoRingOneStopsTheGuestWhereThereIsNoRingForIt(string layoutName)
    {
        var kernel = new TestKernel
        {
            Paging = false,
            KernelInit = "    li r1, 0x1F000\n    mtcr ksp1, r1\n    ret\n",
            UserMain = "user_main:\n    li r1, 7\nring1_int:\n    int 34\n    li r1, 1\n    int 32\n",
        };
        kernel.GateFlags[34] = 0x1D;   // present, target ring 1, DPL 3
        var image = kernel.Build();
        MonitorHarness.AssertEquivalent(image, layouts: [Layouts.Ring3, Layouts.Hw]);
        AssertStoppedAt(image, layoutName, "ring1_int",
            $"gate 34 enters ring 1, which layout {layoutName} has no ring for (ring compression, spec §9.2)");
    }

    private static TestKernel RmapWriter() => new()
    {
        KernelInit = """
                push lr
                mfcr r2, rmap
                call puthex
                li   r1, 0xE4E4
                mtcr rmap, r1
                li   r1, 0xA4E4           ; reverse map 3 -> 2: traps from the user report ring 2
            rmap_write:
                mtcr rmap, r1
                mfcr r2, rmap
                call puthex
                pop  lr
                ret
            """,
        UserMain = "user_main:\n    brk\n    mfcr r1, status\n    li r1, 1\n    li r2, 0x33\n    int 32\n",
    };

    [Fact]
    public void ARingMapWriteIsHonouredUnderRing3AndHw()
    {
        var runs = MonitorHarness.AssertEquivalent(RmapWriter().Build(), layouts: [Layouts.Ring3, Layouts.Hw]);
        Assert.StartsWith(" 0000e4e4 0000a4e4T 00000003 00000000", runs[0].Console);
        Assert.Contains("00000002\nT 00000005", runs[0].Console);
        Assert.Equal(0x33u, runs[0].Result.ExitStatus);
    }

    [Theory]
    [InlineData("ring012")]
    [InlineData("ring013")]
    [InlineData("bt")]
    public void ARingMapWriteStopsTheGuestWhereHardwareNeedsTheRealRingMap(string layoutName)
    {
        var run = AssertStoppedAt(RmapWriter().Build(), layoutName, "rmap_write",
            $"the guest writes rmap 0xa4e4; layout {layoutName} needs the real ring map itself (ring compression, spec §9.2)");
        Assert.Equal(" 0000e4e4", run.Console);   // the identity write before it was harmless
    }

    [Fact]
    public void ATripleFaultStopsTheMachineAsNative()
    {
        var image = TestKernel.Assemble(".org 0x1000\n.entry start\nstart:\n    li r1, 3\n    .word 0\n");
        var runs = MonitorHarness.AssertEquivalent(image);
        Assert.Equal(StopReason.Shutdown, runs[0].Result.Reason);
        Assert.Equal(0x1004u, runs[0].Result.Pc);
        Assert.Equal("triple fault: #UD: gate 4 not present; then #DF: gate 8 not present", runs[0].Result.Diagnostic);
    }

    [Fact]
    public void AnEndlessLoopWithInterruptsOffEndsAtTheInstructionLimit()
    {
        var image = TestKernel.Assemble(".org 0x1000\n.entry start\nstart:\n    cli\nspin:\n    addi r1, r1, 1\n    jmp spin\n");
        var runs = MonitorHarness.AssertEquivalent(image, maxInstructions: 100_001);
        Assert.Equal(StopReason.InstructionLimit, runs[0].Result.Reason);
        Assert.Equal(100_001ul, runs[0].State.Instret);
        Assert.Equal(50_000u, runs[0].State.Registers[1]);
        Assert.All(runs.Skip(1), run => Assert.Equal(run.Layout.HardwareAssisted ? 0 : 2, run.Exits!.Total));   // cli + one shadow fill; hw: neither exits
    }

    /// <summary>Runs <paramref name="image"/> under the layout and asserts the monitor stopped
    /// it at label <paramref name="label"/> with "monitor (layout): cause at guest pc ...".</summary>
    private static GuestRun AssertStoppedAt(ProgramImage image, string layoutName, string label, string cause)
    {
        Layouts.TryParse(layoutName, out var layout);
        var run = MonitorHarness.Run(image, layout, inspect: MonitorHarness.AssertMonitorMemoryIntact);
        uint pc = image.Lookup(label)!.Value;
        Assert.Equal(StopReason.Shutdown, run.Result.Reason);
        Assert.Equal(pc, run.Result.Pc);
        Assert.Equal($"monitor ({layoutName}): {cause} at guest pc 0x{pc:x8}", run.Result.Diagnostic);
        return run;
    }
}
