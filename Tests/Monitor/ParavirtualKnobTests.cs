// The direct system-call knob (docs/monitor.md "Knobs"): off, every system call of ring012,
// ring013 and bt goes through the monitor, equivalent to native, one `syscall` exit each; on
// with ring3 or hw is a usage error. And the hypercalls of spec §11.4 one by one, from a small
// ring-0 guest that prints what it sees: PTE and invlpg batches, set-IE, yield, a bad request,
// an unknown kind — under the monitor, and natively where the port is unknown.
using R4.Assembler;
using R4.Cli;
using R4.Machine;
using R4.Monitor;
using R4.Tests.Guests;

namespace R4.Tests.Monitor;

public sealed class ParavirtualKnobTests
{
    [Theory]
    [InlineData(ExecutionEngine.Interpreter)]
    [InlineData(ExecutionEngine.Jit)]
    public void WithoutDirectSystemCallsEveryCallIsAMonitorExitAndTheGuestSeesNoDifference(ExecutionEngine engine)
    {
        var image = GuestRunner.Assemble("Guests/bench/nullcall.asm", new Dictionary<string, long> { ["N"] = 40 });
        var layouts = new[] { Layouts.Ring012, Layouts.Ring013, Layouts.Bt }.Select(new MonitorKnobs(null, null, null, "off").Apply).ToList();
        Assert.All(layouts, layout => Assert.False(layout.DirectSystemCalls));
        MonitorHarness.AssertEquivalent(image, layouts: layouts);
        var direct = MonitorHarness.Run(image, Layouts.Ring012, trace: false, engine: engine);
        var reflected = MonitorHarness.Run(image, layouts[0], trace: false, engine: engine);
        Assert.Equal(0, direct.Exits!.Count("syscall"));
        Assert.True(reflected.Exits!.Count("syscall") >= 40, $"{reflected.Exits.Count("syscall")} syscall exits");
    }

    [Theory]
    [InlineData("ring3")]
    [InlineData("hw")]
    public void DirectSystemCallsOnWhereNoRealRingSeparatesKernelFromUserIsAUsageError(string layout)
    {
        Layouts.TryParse(layout, out var chosen);
        var error = Assert.Throws<UserError>(() => new MonitorKnobs(null, null, null, "on").Apply(chosen));
        Assert.Contains($"--direct-syscalls on with layout {layout}", error.Message);
        Assert.Contains("--direct-syscalls maybe: give on or off",
            Assert.Throws<UserError>(() => new MonitorKnobs(null, null, null, "maybe").Apply(Layouts.Ring012)).Message);
    }

    // A ring-0 guest with paging on (one page table, identity): it maps page 0x5000 read-only,
    // then asks for a PTE batch making it writable plus an invlpg batch, stores there, and reads
    // each result word. Natively each request falls back to the real instructions.
    private const string HypercallGuest = """
        .include "ports.inc"
        .include "paravirt.inc"
        .org 0x1000
        .entry start
        start:
            la sp, 0x4000
            la r1, table                  ; table: pages 0..7 identity, ring 0, rwx, 0x5000 read-only
            li r2, 0
            li r3, 8
        fill:
            shli r4, r2, 12
            ori r4, r4, 0x7               ; present, writable, executable
            stw r4, [r1]
            addi r1, r1, 4
            addi r2, r2, 1
            bne r2, r3, fill
            la r1, table + 5 * 4
            li r4, 0x5005                 ; 0x5000: present, executable, not writable
            stw r4, [r1]
            la r1, directory
            la r2, table
            ori r2, r2, 1
            stw r2, [r1]
            ori r1, r1, 1
            mtcr ptbr, r1
            la r1, batch                  ; 0x5000 writable again, through the monitor
            out PORT_HYPERCALL, r1
            ldw r2, [r1 + HC_RESULT]
            li r3, HC_DONE
            beq r2, r3, flushed
            la r1, table + 5 * 4          ; natively: the same edit by hand
            li r4, 0x5007
            stw r4, [r1]
            li r1, 0x5000
            invlpg r1
            jmp stored
        flushed:
            la r1, invlpgs
            out PORT_HYPERCALL, r1
        stored:
            li r1, 0x5000
            li r2, 0x1234
            stw r2, [r1]                  ; faults unless the PTE batch and invlpg took effect
            ldw r1, [r1]
            out PORT_DEBUG, r1
            la r1, bad
            out PORT_HYPERCALL, r1
            ldw r1, [r1 + HC_RESULT]
            out PORT_DEBUG, r1
            la r1, unknown
            out PORT_HYPERCALL, r1
            ldw r1, [r1 + HC_RESULT]
            out PORT_DEBUG, r1
            la r1, set_ie
            out PORT_HYPERCALL, r1
            mfcr r1, status
            out PORT_DEBUG, r1
            out PORT_POWER, zero
        .align 4
        batch:   .word HC_PTE_BATCH, 1, HC_NOT_DONE, table + 5 * 4, 0x5007
        invlpgs: .word HC_INVLPG_BATCH, 1, HC_NOT_DONE, 0x5000
        bad:     .word HC_PTE_BATCH, 1, HC_NOT_DONE, 0x7FFFFFF0, 0
        unknown: .word 99, 0, HC_NOT_DONE
        set_ie:  .word HC_SET_IE, 1, HC_NOT_DONE
        .org 0x2000
        directory: .space 4096
        table:     .space 4096
        """;

    private static R4.Isa.Image.ProgramImage AssembleHypercallGuest()
    {
        var result = R4Assembler.AssembleText(HypercallGuest, RepositoryPaths.Combine("Guests", "lib", "hypercall-test.asm"));
        Assert.True(result.Succeeded, string.Join("\n", result.Errors.Select(e => e.Format())));
        return result.Image!;
    }

    [Theory]
    [InlineData("native", "00001234\nFFFFFFFF\nFFFFFFFF\n00000000\n")]
    [InlineData("ring012", "00001234\n00000002\n00000001\n00000004\n")]
    [InlineData("ring013", "00001234\n00000002\n00000001\n00000004\n")]
    [InlineData("ring3", "00001234\n00000002\n00000001\n00000004\n")]
    [InlineData("bt", "00001234\n00000002\n00000001\n00000004\n")]
    public void EachHypercallDoesWhatItsKindSaysAndNativelyNothingHappens(string layout, string debugLines)
    {
        Layouts.TryParse(layout, out var chosen);
        var run = MonitorHarness.Run(AssembleHypercallGuest(), chosen, trace: false);
        Assert.Equal(StopReason.PowerOff, run.Result.Reason);
        Assert.Equal(debugLines, string.Concat(run.Diagnostics.Split('\n').Where(l => l.Length > 0).Select(l => l.Trim()[^8..].ToUpperInvariant() + "\n")));
        if (chosen.Monitored) Assert.Equal(5, run.Exits!.Count("hypercall"));
    }
}
