// The paravirtual interface (spec §11.4): detection — `in 0xE0` reads 0xFFFFFFFF on the bare
// machine (an unknown port) and the signature 0x4D563452 ("R4VM", first byte lowest) under
// the monitor; Guests/paravirt/detect.asm prints what it read — and the paravirtual guests:
// the teaching kernel's paravirtual build and pvirq.asm, whose patching keeps the instruction
// stream's length, so each runs natively and under every monitored layout with the same
// console output, exit status, instret and final registers (spec §11.4 promises the output;
// the per-instruction trace differs by design at the patched sites), on both engines.
using R4.Machine;
using R4.Monitor;
using R4.Tests.Cli;
using R4.Tests.Guests;

namespace R4.Tests.Monitor;

public sealed class ParavirtTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void TheSignatureSpellsR4VmFirstByteLowest() =>
        Assert.Equal("R4VM"u8.ToArray(), BitConverter.GetBytes(VirtualDevices.HypercallSignature));

    [Fact]
    public void DetectPrintsFffffffffNativelyAndTheSignatureUnderEveryMonitoredLayout()
    {
        var image = GuestRunner.Assemble("Guests/paravirt/detect.asm");
        Assert.Equal("FFFFFFFF\n", MonitorHarness.Run(image, Layouts.Native, trace: false).Console);
        foreach (var layout in Layouts.Known.Where(l => l.Monitored))
        {
            var run = MonitorHarness.Run(image, layout, trace: false);
            Assert.Equal("4D563452\n", run.Console);
            Assert.Equal(R4.Machine.StopReason.PowerOff, run.Result.Reason);
        }
    }

    [Theory]
    [InlineData("native", "FFFFFFFF\n")]
    [InlineData("ring012", "4D563452\n")]
    public void RunPrintsWhatThePortReads(string layout, string expected)
    {
        var run = cli.Run("run", "--layout", layout, RepositoryPaths.Combine("Guests", "paravirt", "detect.asm"));
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(expected, run.Console);
    }

    public static TheoryData<string, ExecutionEngine> ParavirtualGuests => new()
    {
        { "Guests/paravirt/teach-pv.asm", ExecutionEngine.Interpreter },
        { "Guests/paravirt/teach-pv.asm", ExecutionEngine.Jit },
        { "Guests/paravirt/pvirq.asm", ExecutionEngine.Interpreter },
        { "Guests/paravirt/pvirq.asm", ExecutionEngine.Jit },
    };

    [Theory]
    [MemberData(nameof(ParavirtualGuests))]
    public void AParavirtualGuestRunsAsItsNativeSelfUnderEveryLayout(string guest, ExecutionEngine engine)
    {
        var image = GuestRunner.Assemble(guest);
        var native = MonitorHarness.Run(image, Layouts.Native, 3_000_000, trace: false, memoryBytes: 16 << 20, engine: engine);
        Assert.Equal(StopReason.PowerOff, native.Result.Reason);
        foreach (var layout in MonitorHarness.EveryMonitoredLayout)
        {
            var run = MonitorHarness.Run(image, layout, 3_000_000, trace: false, memoryBytes: 16 << 20, engine: engine,
                inspect: MonitorHarness.AssertMonitorMemoryIntact);
            MonitorHarness.AssertSameAsNative(native, run, image);
        }
    }

    [Fact]
    public void TheParavirtualTeachingKernelPrintsWhatTheNativeOnePrints()
    {
        var expected = File.ReadAllText(RepositoryPaths.Combine("Guests", "kernels", "teach", "kernel.expected"));
        var run = MonitorHarness.Run(GuestRunner.Assemble("Guests/paravirt/teach-pv.asm"), Layouts.Ring012, 3_000_000, trace: false, memoryBytes: 16 << 20);
        Assert.Equal(expected, run.Console);
    }

    /// <summary>The virtual-IF problem gone: the kernel's iret back to user code with IE on runs
    /// in hardware once its IE is shared; only its irets into kernel code trap.</summary>
    [Fact]
    public void SharingIeRemovesTheIretExitOfEveryTrapReturn()
    {
        var plain = MonitorHarness.Run(GuestRunner.Assemble("Guests/kernels/teach/kernel.asm"), Layouts.Ring012, 3_000_000, trace: false, memoryBytes: 16 << 20);
        var pv = MonitorHarness.Run(GuestRunner.Assemble("Guests/paravirt/teach-pv.asm"), Layouts.Ring012, 3_000_000, trace: false, memoryBytes: 16 << 20);
        Assert.True(plain.Exits!.Count("iret") > 300, $"plain kernel: {plain.Exits.Count("iret")} iret exits");
        Assert.True(pv.Exits!.Count("iret") < 20, $"paravirtual kernel: {pv.Exits.Count("iret")} iret exits");
        Assert.Equal(0, pv.Exits.Count("sti"));
        Assert.True(pv.Exits.Total < plain.Exits.Total);
    }

    /// <summary>A tick that ends while the shared IE is 0 is held back and taken right after the
    /// store that enables IE, as native takes it right after sti: the same saved pc and instret.</summary>
    [Fact]
    public void AHeldBackTickArrivesRightAfterTheStoreThatEnablesIe()
    {
        var image = GuestRunner.Assemble("Guests/paravirt/pvirq.asm");
        var native = MonitorHarness.Run(image, Layouts.Native, trace: false);
        var run = MonitorHarness.Run(image, Layouts.Ring012, trace: false);
        Assert.Equal(native.Console, run.Console);
        Assert.StartsWith("tick: pc=00000048 instret=000000b5", native.Console);
        Assert.Equal(4, run.Exits!.Count("interruptDeferred"));
        Assert.Equal(4, run.Exits.Count("interrupt"));
        Assert.Equal(0, run.Exits.Count("sti"));
    }

    // ---- the extension hypercalls (kinds 6..8, docs/monitor.md "Extension hypercalls") -------------

    /// <summary>The exits the paravirtual teaching kernel still takes in ring012 once it uses the
    /// extensions, cause by cause, against the native build's: console bytes go out a line per
    /// hypercall, the timer's stop at each tick is the monitor's, the frame pool's shadow entries
    /// come in one hypercall, the kernel-stack switch and the timer's restart share one multicall;
    /// what is left is mostly the floor of two exits per tick and the shadow fills of new spaces.</summary>
    [Fact]
    public void TheExtensionHypercallsCutTheParavirtualKernelsExits()
    {
        var plain = MonitorHarness.Run(GuestRunner.Assemble("Guests/kernels/teach/kernel.asm"), Layouts.Ring012, 3_000_000, trace: false, memoryBytes: 16 << 20);
        var pv = MonitorHarness.Run(GuestRunner.Assemble("Guests/paravirt/teach-pv.asm"), Layouts.Ring012, 3_000_000, trace: false, memoryBytes: 16 << 20);
        Assert.Equal(plain.Console, pv.Console);
        Assert.Equal((3530L, 1288L, 1114L, 0L), (plain.Exits!.Total, plain.Exits.Count("out"), plain.Exits.Count("shadowFill"), plain.Exits.Count("hypercall")));
        Assert.Equal((1191L, 2L, 354L, 349L), (pv.Exits!.Total, pv.Exits.Count("out"), pv.Exits.Count("shadowFill"), pv.Exits.Count("hypercall")));
        // per tick: the interrupt and one multicall (stack switch + timer restart); the kernel's
        // other mtcr exits are ptbr writes the target list did not cover
        Assert.Equal((320L, 46L), (pv.Exits.Count("interrupt"), pv.Exits.Count("mtcr")));
    }

    /// <summary>A guest kernel that asks by hypercall and falls back on the ports when the result
    /// is still HC_NOT_DONE (natively): console writes (a good one, one too long, one from an
    /// unmapped address), a one-shot timer that ticks once, a prefill.</summary>
    private const string ExtensionsGuest = """
        .include "ports.inc"
        .include "frame.inc"
        .include "paravirt.inc"
        .entry start
        start:
            li sp, 0x8000
            la r1, ivt
            mtcr ivt, r1
            la r1, good
            out PORT_HYPERCALL, r1
            ldw r10, [r1 + HC_RESULT]
            li r2, HC_NOT_DONE
            bne r10, r2, .written
            la r3, text                 ; natively: the same bytes through the port
            li r4, 3
        .byte:
            ldbu r2, [r3]
            out PORT_CONSOLE_DATA, r2
            addi r3, r3, 1
            addi r4, r4, -1
            bnez r4, .byte
        .written:
            la r1, too_long
            out PORT_HYPERCALL, r1
            ldw r11, [r1 + HC_RESULT]
            la r1, unmapped
            out PORT_HYPERCALL, r1
            ldw r12, [r1 + HC_RESULT]
            la r1, prefill
            out PORT_HYPERCALL, r1
            ldw r13, [r1 + HC_RESULT]
            la r1, bad_multi
            out PORT_HYPERCALL, r1
            ldw r7, [r1 + HC_RESULT]
            la r1, multi
            out PORT_HYPERCALL, r1
            ldw r6, [r1 + HC_RESULT]
            mfcr r5, ksp0
            la r1, timer
            out PORT_HYPERCALL, r1
            ldw r9, [r1 + HC_RESULT]
            li r8, 0                    ; ticks
            sti
            li r3, 400
        .spin:
            addi r3, r3, -1
            bnez r3, .spin
            cli
            out PORT_POWER, zero
        tick:
            addi r8, r8, 1
            iret
        text:     .ascii "ok\n"
        .align 4
        good:     .word HC_CONSOLE_WRITE, 3, HC_NOT_DONE, text
        too_long: .word HC_CONSOLE_WRITE, HC_MAX_CONSOLE_BYTES + 1, HC_NOT_DONE, text
        unmapped: .word HC_CONSOLE_WRITE, 4, HC_NOT_DONE, 0x7FFFFFF0
        prefill:  .word HC_SHADOW_PREFILL, 16, HC_NOT_DONE, 0
        timer:    .word HC_SET_TIMER, 50, HC_NOT_DONE, HC_TIMER_ONE_SHOT
        stack:    .word HC_STACK_SWITCH, 0x1234, HC_NOT_DONE
        yield:    .word HC_YIELD, 0, HC_NOT_DONE
        multi:    .word HC_MULTICALL, 1, HC_NOT_DONE, stack
        bad_multi: .word HC_MULTICALL, 2, HC_NOT_DONE, stack, yield
        .align 8
        ivt:
            .space VEC_TIMER * GATE_BYTES
            .word tick, GATE_PRESENT | GATE_INTERRUPT
            .space (VECTOR_COUNT - VEC_TIMER - 1) * GATE_BYTES
        """;

    [Fact]
    public void TheExtensionsDoWhatTheyDocumentAndRefuseBadRequests()
    {
        string path = cli.PathOf("extensions.asm");
        File.WriteAllText(path, ExtensionsGuest.Replace("\"ports.inc\"", $"\"{RepositoryPaths.Combine("Guests", "lib", "ports.inc")}\"")
            .Replace("\"frame.inc\"", $"\"{RepositoryPaths.Combine("Guests", "lib", "frame.inc")}\"")
            .Replace("\"paravirt.inc\"", $"\"{RepositoryPaths.Combine("Guests", "lib", "paravirt.inc")}\""));
        var assembled = R4.Assembler.R4Assembler.AssembleFile(path);
        Assert.True(assembled.Succeeded, string.Join("\n", assembled.Errors.Select(e => e.Format())));
        var image = assembled.Image!;
        var native = MonitorHarness.Run(image, Layouts.Native, trace: false);
        Assert.Equal("ok\n", native.Console);
        Assert.Equal((0u, 0u), (native.State.Registers[8], native.State.Registers[5]));   // natively no timer, ksp0 untouched
        foreach (var layout in new[] { Layouts.Ring012, Layouts.Ring3, Layouts.Bt })
        {
            var run = MonitorHarness.Run(image, layout, trace: false);
            Assert.Equal("ok\n", run.Console);
            // good: done; too long and unmapped: bad request, nothing printed; prefill: done; a
            // multicall holding a yield: bad request (nothing done); one holding stack_switch: done,
            // ksp0 = 0x1234; the one-shot timer: done, and it ticked once (the handler never stops it)
            Assert.Equal([0u, 2u, 2u, 0u, 2u, 0u, 0x1234u, 0u, 1u], new[] { 10, 11, 12, 13, 7, 6, 5, 9, 8 }.Select(r => run.State.Registers[r]));
            Assert.Equal(0, run.Exits!.Count("out") - 1);   // only the power-off went through a port
        }
    }
}
