// The bundled example and benchmark guests: each runs to completion with its exact golden
// console output (the *.expected file beside it) and exit status, and the benchmarks cause
// exactly the events their headers promise (traps by vector, instructions per iteration).
using R4.Machine;

namespace R4.Tests.Guests;

public class ExampleAndBenchGuestTests
{
    private static GuestRun RunWithN(string guest, long n) => RunWithDefines(guest, ("N", n));

    private static GuestRun RunWithDefines(string guest, params (string Name, long Value)[] defines) =>
        GuestRunner.AssembleAndRun(guest, defines: defines.ToDictionary(d => d.Name, d => d.Value));

    public static TheoryData<string, uint> GuestsWithStatus => new()
    {
        { "Guests/examples/hello.asm", 0 },
        { "Guests/examples/compute.asm", 0 },
        { "Guests/examples/syscalls.asm", 42 },
        { "Guests/examples/ticks.asm", 0 },
        { "Guests/examples/broken/broken.asm", 255 },
        { "Guests/bench/nullcall.asm", 0 },
        { "Guests/bench/ctxswitch.asm", 0 },
        { "Guests/bench/pagefault.asm", 0 },
        { "Guests/bench/portio.asm", 0 },
        { "Guests/bench/timer.asm", 0 },
        { "Guests/bench/clisti.asm", 0 },
        { "Guests/bench/ptswitch.asm", 0 },
        { "Guests/bench/compute.asm", 0 },
        { "Guests/bench/divzero.asm", 0 },
        { "Guests/bench/ptemod.asm", 0 },
    };

    public static TheoryData<string> Guests => new(GuestsWithStatus.Select(row => (string)row[0]));

    [Fact]
    public void Every_example_and_benchmark_source_is_tested_and_listed_in_the_guests_readme()
    {
        var onDisk = new[] { "examples", "bench" }
            .SelectMany(folder => Directory.GetFiles(RepositoryPaths.Combine("Guests", folder), "*.asm", SearchOption.AllDirectories))
            .Select(path => Path.GetRelativePath(RepositoryPaths.Root, path).Replace('\\', '/'))
            .Order()
            .ToList();
        var tested = GuestsWithStatus.Select(row => (string)row[0]).Order().ToList();
        Assert.Equal(tested, onDisk);

        string readme = File.ReadAllText(RepositoryPaths.Combine("Guests", "README.md"));
        foreach (var guest in onDisk)
            Assert.Contains("`" + guest["Guests/".Length..] + "`", readme);
    }

    // Written for the architecture only: no guest reads its own ring (mfcr status would show
    // the real CPL under a monitor only through emulation, and a kernel that branches on it
    // assumes a ring number) or touches the ring map, which belongs to a monitor.
    [Theory]
    [MemberData(nameof(Guests))]
    public void Guest_never_reads_status_nor_touches_the_ring_map(string guest)
    {
        var listing = R4.Assembler.Disassembler.DisassembleImage(GuestRunner.Assemble(guest)).ToList();

        Assert.Contains(listing, line => line.Contains("iret") || line.Contains("out 0xf0"));
        Assert.DoesNotContain(listing, line => System.Text.RegularExpressions.Regex.IsMatch(line, @"\b(mfcr \w+, (status|rmap)|mtcr (status|rmap),)"));
    }

    // Time is the instruction count (spec 7): two runs of the same image are the same run,
    // instruction by instruction and trap by trap. (N kept small: the trace hashes every step.)
    [Theory]
    [MemberData(nameof(Guests))]
    public void Guest_runs_identically_twice_down_to_every_instruction_and_trap(string guest)
    {
        var image = GuestRunner.Assemble(guest, new Dictionary<string, long> { ["N"] = 300 });
        var first = new HashingTraceSink();
        var second = new HashingTraceSink();
        var a = GuestRunner.Run(image, trace: first);
        var b = GuestRunner.Run(image, trace: second);

        Assert.Equal(StopReason.PowerOff, a.Result.Reason);
        Assert.Equal(a.Output, b.Output);
        Assert.Equal(a.Result, b.Result);
        Assert.Equal(first.InstructionCount, second.InstructionCount);
        Assert.Equal(first.TrapCount, second.TrapCount);
        Assert.Equal(first.Hash, second.Hash);
        Assert.True(first.InstructionCount > 0);
    }

    [Theory]
    [MemberData(nameof(GuestsWithStatus))]
    public void Guest_with_default_defines_prints_its_golden_output_and_powers_off(string guest, uint exitStatus)
    {
        var run = GuestRunner.AssembleAndRun(guest);

        var expected = GuestRunner.Expected(Path.ChangeExtension(guest, ".expected"));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), run.Text);
        Assert.Equal(expected, run.Output);
        Assert.Equal(StopReason.PowerOff, run.Result.Reason);
        Assert.Equal(exitStatus, run.Result.ExitStatus);
    }

    [Theory]
    [InlineData("ldw  r1, [zero]", 6, 0x0u, 0x0u)]            // page 0 is not mapped: not present, read
    [InlineData("stw  r1, [zero + 0x1000]", 6, 0x1000u, 0xBu)] // a kernel page: present, write, ring
    [InlineData("cli", 5, 0x0u, 0x0u)]                         // privileged in the user ring: #GP
    public void Bench_kernel_panics_on_an_unexpected_user_trap_with_the_frame_it_got(string faultingInstruction, int vector, uint fault, uint error)
    {
        string source = $"""
            .include "benchkernel.inc"
            bench_init:
                ret
            .include "benchuser.inc"
            user_main:
                {faultingInstruction}
            """;
        // Assembled as if it lived in Guests/bench, so its includes resolve.
        var assembly = R4.Assembler.R4Assembler.AssembleText(source, RepositoryPaths.Combine("Guests", "bench", "panic-check.asm"));
        Assert.True(assembly.Succeeded, string.Join("\n", assembly.Errors.Select(e => e.Format())));
        uint userMain = assembly.Image!.Lookup("user_main")!.Value;

        var run = GuestRunner.Run(assembly.Image);

        Assert.Equal($"panic: vector {vector} from ring 3 pc=0x{userMain:x8} error=0x{error:x8} fault=0x{fault:x8}\n", run.Text);
        Assert.Equal(255u, run.Result.ExitStatus);
    }

    [Theory]
    [InlineData(100, 25)]
    [InlineData(1000, 168)]
    [InlineData(2, 0)]
    public void Primes_example_counts_the_primes_below_N(long n, int primes)
    {
        var run = RunWithN("Guests/examples/compute.asm", n);

        Assert.Equal($"primes below {n}: {primes}\n", run.Text);
        Assert.Equal(0u, run.Result.ExitStatus);
    }

    [Fact]
    public void Null_syscall_traps_through_vector_32_once_per_iteration_and_costs_48_instructions()
    {
        var thousand = RunWithN("Guests/bench/nullcall.asm", 1000);
        var twoThousandFiveHundred = RunWithN("Guests/bench/nullcall.asm", 2500);

        Assert.Equal("null syscall: 1000 iterations\n", thousand.Text);
        Assert.Equal("null syscall: 2500 iterations\n", twoThousandFiveHundred.Text);
        // N getpid calls, three writes for the message, one exit.
        Assert.Equal(1000 + 4, thousand.Statistics.TrapsByVector[32]);
        Assert.Equal(2500 + 4, twoThousandFiveHundred.Statistics.TrapsByVector[32]);
        Assert.Equal(0, thousand.Statistics.TrapsByVector[6]);
        Assert.Equal(0, thousand.Statistics.TrapsByVector[5]);
        // 4 user instructions (li, int, addi, bnez) + 44 in the kernel's entry, dispatch and exit.
        Assert.Equal(1500ul * 48, twoThousandFiveHundred.Statistics.Instructions - thousand.Statistics.Instructions);
    }

    [Theory]
    [InlineData(5)]       // fewer faults than the frame pool: no eviction yet
    [InlineData(100)]
    [InlineData(333)]
    public void Page_fault_benchmark_faults_exactly_once_per_fresh_page(long n)
    {
        var run = RunWithN("Guests/bench/pagefault.asm", n);

        Assert.Equal($"page fault: {n} fresh pages\n", run.Text);
        Assert.Equal(0u, run.Result.ExitStatus);
        Assert.Equal(n, run.Statistics.TrapsByVector[6]);
        Assert.Equal(4, run.Statistics.TrapsByVector[32]);
    }

    // cli/sti: the instruction count grows by exactly 4 per pair (cli, sti, addi, bnez).
    [Theory]
    [InlineData("Guests/bench/clisti.asm", 4)]
    [InlineData("Guests/bench/portio.asm", 4)]
    [InlineData("Guests/bench/ptswitch.asm", 8)]
    [InlineData("Guests/bench/ptemod.asm", 10)]
    [InlineData("Guests/bench/divzero.asm", 8)]
    public void Loop_benchmarks_retire_a_fixed_number_of_instructions_per_iteration(string guest, int instructionsPerIteration)
    {
        var hundred = RunWithN(guest, 100);
        var twoHundred = RunWithN(guest, 200);

        Assert.Equal(0u, hundred.Result.ExitStatus);
        Assert.Equal(0u, twoHundred.Result.ExitStatus);
        Assert.Equal((ulong)(100 * instructionsPerIteration),
            twoHundred.Statistics.Instructions - hundred.Statistics.Instructions);
        // The measured loops cause no system call: only the report's writes and the exit.
        Assert.Equal(4, hundred.Statistics.TrapsByVector[32]);
        Assert.Equal(4, twoHundred.Statistics.TrapsByVector[32]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(777)]
    public void Divide_by_zero_benchmark_faults_once_per_iteration_and_resumes(long n)
    {
        var run = RunWithN("Guests/bench/divzero.asm", n);

        Assert.Equal($"divide by zero: {n} faults\n", run.Text);
        Assert.Equal(n, run.Statistics.TrapsByVector[0]);
        Assert.Equal(4, run.Statistics.TrapsByVector[32]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(12345)]
    public void Compute_benchmark_matches_xorshift32_in_csharp_without_a_system_call_in_its_loop(long n)
    {
        uint x = 2463534242;
        for (long i = 0; i < n; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
        }

        var run = RunWithN("Guests/bench/compute.asm", n);

        Assert.Equal($"compute: {n} xorshift32 rounds, x = {x}\n", run.Text);
        Assert.Equal(6, run.Statistics.TrapsByVector[32]);
        Assert.True(run.Statistics.Instructions >= (ulong)(8 * n));
    }

    [Fact]
    public void Ptbr_switch_benchmark_flushes_the_tlb_on_every_ptbr_write()
    {
        var hundred = RunWithN("Guests/bench/ptswitch.asm", 100);
        var threeHundred = RunWithN("Guests/bench/ptswitch.asm", 300);

        Assert.Equal("ptbr switch: 300 iterations, 2 writes each\n", threeHundred.Text);
        Assert.Equal(400ul, threeHundred.Statistics.TlbFlushes - hundred.Statistics.TlbFlushes);
        // The probe and the code page miss after every flush.
        Assert.True(threeHundred.Statistics.TlbMisses - hundred.Statistics.TlbMisses >= 800);
    }

    [Theory]
    [InlineData(50, 100)]
    [InlineData(200, 37)]
    public void Timer_benchmark_takes_exactly_N_timer_interrupts(long n, long period)
    {
        var run = RunWithDefines("Guests/bench/timer.asm", ("N", n), ("PERIOD", period));

        Assert.Equal($"timer: {n} ticks, period {period} instructions\n", run.Text);
        Assert.Equal(n, run.Statistics.TrapsByVector[16]);
        Assert.Equal(6, run.Statistics.TrapsByVector[32]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    public void Context_switch_benchmark_yields_N_times_in_each_process(long n)
    {
        var run = RunWithN("Guests/bench/ctxswitch.asm", n);

        Assert.Equal($"context switch: 2 processes, {n} yields each\n", run.Text);
        Assert.Equal(0u, run.Result.ExitStatus);
        // 2N yields, 2 getpid, 3 writes, 2 exits.
        Assert.Equal(2 * n + 7, run.Statistics.TrapsByVector[32]);
    }

    [Fact]
    public void Context_switch_writes_ptbr_once_per_switch()
    {
        var ten = RunWithN("Guests/bench/ctxswitch.asm", 10);
        var fifty = RunWithN("Guests/bench/ctxswitch.asm", 50);

        // Each of the 2 * 40 extra yields switches address space: one ptbr write, one flush.
        Assert.Equal(80ul, fifty.Statistics.TlbFlushes - ten.Statistics.TlbFlushes);
        // 292 instructions per yield.
        Assert.Equal(80ul * 292, fifty.Statistics.Instructions - ten.Statistics.Instructions);
    }

    [Fact]
    public void Context_switch_in_one_address_space_never_writes_ptbr()
    {
        var ten = RunWithDefines("Guests/bench/ctxswitch.asm", ("N", 10), ("SAME_SPACE", 1));
        var fifty = RunWithDefines("Guests/bench/ctxswitch.asm", ("N", 50), ("SAME_SPACE", 1));

        Assert.Equal("context switch: 2 processes, 50 yields each\n", fifty.Text);
        Assert.Equal(0u, fifty.Result.ExitStatus);
        Assert.Equal(2 * 50 + 7, fifty.Statistics.TrapsByVector[32]);
        Assert.Equal(ten.Statistics.TlbFlushes, fifty.Statistics.TlbFlushes);
        // the same path minus the ptbr write and the bookkeeping of the loaded ptbr
        Assert.Equal(80ul * 290, fifty.Statistics.Instructions - ten.Statistics.Instructions);
    }
}
