// The teaching kernel (Guests/kernels/teach) end to end: each image runs to power-off with
// exactly its golden output and status; every user program's checksum line agrees with a
// reference computed here in C#; each kind of user fault kills only its process, at the
// faulting instruction; the panic path powers off non-zero; runs are deterministic down to
// every retired instruction; user code runs only in ring 3 and the kernel only in ring 0;
// under every monitor layout the guest sees the same machine.
using System.Text;
using R4.Isa.Image;
using R4.Machine;
using R4.Monitor;

namespace R4.Tests.Guests;

public sealed class KernelGuestTests
{
    private const string Folder = "Guests/kernels/teach/";

    [Theory]
    [InlineData("kernel", 0u)]
    [InlineData("faults", 0u)]
    [InlineData("panic", 1u)]
    public void Image_runs_to_power_off_with_its_golden_output_and_status(string name, uint exitStatus)
    {
        var run = GuestRunner.AssembleAndRun(Folder + name + ".asm");

        Assert.Equal(StopReason.PowerOff, run.Result.Reason);
        Assert.Equal(exitStatus, run.Result.ExitStatus);
        Assert.Equal(Encoding.UTF8.GetString(GuestRunner.Expected(Folder + name + ".expected")), run.Text);
        Assert.Equal(GuestRunner.Expected(Folder + name + ".expected"), run.Output);
    }

    [Fact]
    public void Every_user_program_prints_the_checksum_a_reference_implementation_computes()
    {
        var lines = GuestRunner.AssembleAndRun(Folder + "kernel.asm").Text.Split('\n');

        Assert.Contains(Reference.Sieve(30000), lines);
        Assert.Contains(Reference.MatrixMultiply(20), lines);
        Assert.Contains(Reference.Quicksort(3000), lines);
        Assert.Contains(Reference.Crc32(16384), lines);
        foreach (string line in Reference.Brainfuck())
            Assert.Contains(line, lines);
        for (int pid = 1; pid <= 5; pid++)
            Assert.Contains($"[kernel] pid {pid} exited (status 0)", lines);
        // Every frame the processes had is back: the pool (0x100000..0x400000) minus the
        // kernel window's page table and the kernel-only directory.
        Assert.Equal($"[kernel] all processes exited, {(0x400000 - 0x100000) / 4096 - 2} frames free, powering off", lines[^2]);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(50_000)]
    public void Any_time_slice_gives_the_same_results_only_interleaved_differently(long sliceInstructions)
    {
        var run = GuestRunner.AssembleAndRun(Folder + "kernel.asm",
            defines: new Dictionary<string, long> { ["TIME_SLICE_INSTRUCTIONS"] = sliceInstructions });
        var results = run.Text.Split('\n').Where(l => !l.StartsWith("[kernel]") && l.Length > 0).Order();

        Assert.Equal(StopReason.PowerOff, run.Result.Reason);
        Assert.Equal(0u, run.Result.ExitStatus);
        Assert.Equal(new[] { Reference.Sieve(30000), Reference.MatrixMultiply(20), Reference.Quicksort(3000),
            Reference.Crc32(16384) }.Concat(Reference.Brainfuck()).Order(), results);
        // Even a slice shorter than the kernel's own scheduling path lets user code run
        // (the timer is stopped on entry and restarted for each slice): no interrupt storm.
        Assert.Contains("[kernel] all processes exited, 766 frames free, powering off\n", run.Text);
    }

    [Fact]
    public void Five_processes_are_preempted_by_the_timer_and_grow_their_memory_on_demand()
    {
        var run = GuestRunner.AssembleAndRun(Folder + "kernel.asm");

        long timerInterrupts = run.Statistics.TrapsByVector[16];
        long systemCalls = run.Statistics.TrapsByVector[32];
        long pageFaults = run.Statistics.TrapsByVector[6];
        // At most one interrupt per 4000-instruction period (TIME_SLICE_INSTRUCTIONS); fewer
        // when a period ends while the kernel runs with interrupts off (the request waits).
        Assert.InRange(timerInterrupts, 20, (long)(run.Instructions / 4000) + 1);
        // sbrk + print + exit per process, at least.
        Assert.True(systemCalls >= 15, $"{systemCalls} system calls");
        // The heaps (sieve 30000 bytes, matmul 4800, ...) and stacks arrive page by page.
        Assert.True(pageFaults >= 15, $"{pageFaults} demand-zero page faults");
        Assert.Equal(0, run.Statistics.TrapsByVector[5]);  // no process was killed
    }

    [Fact]
    public void Each_user_fault_kills_only_its_process_at_the_faulting_instruction()
    {
        var image = GuestRunner.Assemble(Folder + "faults.asm");
        uint Site(string label) => image.Symbols.Single(s => s.Name == label).Value;
        var idle = new PcWatch(Site("idle"));
        var run = GuestRunner.Run(image, trace: idle);
        var lines = run.Text.Split('\n');

        Assert.Equal(StopReason.PowerOff, run.Result.Reason);
        Assert.Equal(0u, run.Result.ExitStatus);
        Assert.Contains($"[kernel] pid 1 killed: page fault at 0x00000000 (not present, read) pc=0x{Site("fault_null_site"):x8}", lines);
        Assert.Contains($"[kernel] pid 2 killed: page fault at 0x00001000 (ring violation, write) pc=0x{Site("fault_kernel_site"):x8}", lines);
        Assert.Contains($"[kernel] pid 3 killed: general protection pc=0x{Site("fault_privileged_site"):x8}", lines);
        Assert.Contains($"[kernel] pid 5 killed: divide error pc=0x{Site("fault_divide_site"):x8}", lines);
        Assert.Contains($"[kernel] pid 6 killed: undefined instruction pc=0x{Site("fault_undefined_site"):x8}", lines);
        Assert.Contains($"[kernel] pid 7 killed: alignment check at 0x{Site("fault_align_text") + 1:x8} pc=0x{Site("fault_align_site"):x8}", lines);
        Assert.Contains("[kernel] pid 8 killed: page fault at 0x7ffffffc (protection, fetch) pc=0x7ffffffc", lines);
        // brk is a trap, not a fault: its saved pc is the instruction after it.
        Assert.Contains($"[kernel] pid 9 killed: breakpoint pc=0x{Site("fault_breakpoint_after"):x8}", lines);
        Assert.Contains($"[kernel] pid 10 killed: general protection pc=0x{Site("fault_fake_irq_site"):x8}", lines);
        // The survivor: bad buffers and an unknown call fail without killing it, its heap
        // grows and shrinks, and it exits normally after all the others died.
        Assert.Contains("survivor: pid 4, write(kernel address) -1, write(null) -1, call 99 -1, yield 0, sbrk(2 GiB) -1, heap ok", lines);
        Assert.Contains("[kernel] pid 4 exited (status 7)", lines);
        Assert.Equal(9, lines.Count(l => l.Contains(" killed: ")));
        // Each faulting process dies in its first slice, so round robin kills them in pid order.
        // (A period that ended during the previous kill — the kernel runs with interrupts off —
        // stays latched and arrives as the next process starts: were it taken as that
        // process's slice ending, the process would be passed over and die out of order.)
        Assert.Equal([1, 2, 3, 5, 6, 7, 8, 9, 10], lines.Where(l => l.Contains(" killed: "))
            .Select(l => int.Parse(l.Split(' ')[2])).ToArray());
        Assert.True(Array.FindIndex(lines, l => l.StartsWith("[kernel] pid 4 exited")) >
                    Array.FindLastIndex(lines, l => l.Contains(" killed: ")), "the survivor outlives every faulting process");
        // While it sleeps alone, the kernel idles (sti; hlt) until the timer wakes it.
        Assert.True(idle.Hits > 0, "the idle loop never ran");
    }

    [Fact]
    public void A_sleeper_wakes_on_time_while_another_process_yields_in_a_loop()
    {
        // Ticks are time: a yield must not restart the clock, or a process that yields
        // faster than a time slice would keep every sleeper asleep for ever.
        var assembly = R4.Assembler.R4Assembler.AssembleText(GuestRunner.TeachKernelWith("sleeper", "yielder") + """
            ulib_end:
            .org USER_IMAGE_BASE
            sleeper:
                rdtick r7
                sys_sleep 3
                rdtick r1
                sub r1, r1, r7              ; instructions asleep
                call print_uint
                call print_nl
                sys_exit 0
            .align 4
            sleeper_end:
            .org USER_IMAGE_BASE + USER_SLOT_BYTES
            yielder:
                sys_yield
                jmp yielder
            .align 4
            yielder_end:
            """, RepositoryPaths.Combine("Guests", "kernels", "teach", "sleep-test.asm"));
        Assert.True(assembly.Succeeded, string.Join("\n", assembly.Errors.Select(e => e.Format())));

        var run = GuestRunner.Run(assembly.Image!, budgetInstructions: 200_000);

        Assert.Equal(StopReason.InstructionLimit, run.Result.Reason);   // the yielder never ends
        var woke = run.Text.Split('\n').Single(l => l.Length > 0 && char.IsAsciiDigit(l[0]));
        Assert.Contains("[kernel] pid 1 exited (status 0)", run.Text);
        // three ticks of 4000 instructions (the first one may be due sooner: the clock was
        // already running) plus the kernel's own work, and the yielder's next yield hands it the CPU
        Assert.InRange(ulong.Parse(woke), 8_000ul, 16_000ul);
    }

    [Fact]
    public void A_fault_in_the_kernel_itself_panics_and_powers_off_with_status_1()
    {
        var image = GuestRunner.Assemble(Folder + "panic.asm");
        var run = GuestRunner.Run(image);
        uint site = image.Symbols.Single(s => s.Name == "kernel_bug_site").Value;

        Assert.Equal(StopReason.PowerOff, run.Result.Reason);
        Assert.Equal(1u, run.Result.ExitStatus);
        Assert.EndsWith($"[kernel] panic: page fault at 0x00000004 (not present, read) in kernel mode, pc=0x{site:x8}\n", run.Text);
        Assert.DoesNotContain("exited", run.Text);
    }

    [Fact]
    public void The_same_bug_planted_with_a_define_panics_any_image()
    {
        var clean = GuestRunner.AssembleAndRun(Folder + "faults.asm");
        var planted = GuestRunner.AssembleAndRun(Folder + "faults.asm",
            defines: new Dictionary<string, long> { ["KERNEL_BUG_GETPID"] = 1 });

        Assert.Equal(0u, clean.Result.ExitStatus);
        Assert.Equal(1u, planted.Result.ExitStatus);
        Assert.Contains("[kernel] panic: page fault at 0x00000004", planted.Text);
    }

    public static TheoryData<string, string> ImagesAndMonitoredLayouts()
    {
        var data = new TheoryData<string, string>();
        foreach (string image in new[] { "kernel", "faults", "panic" })
            foreach (var layout in Layouts.MonitoredLayouts)
                data.Add(image, layout.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(ImagesAndMonitoredLayouts))]
    public void Under_the_monitor_the_kernel_sees_the_same_machine_as_natively(string name, string layoutName)
    {
        // Written for the architecture only (the kernel never assumes its ring), so the
        // monitor can run it deprivileged: spec 9.2 promises the same output, status,
        // instruction count and final registers.
        Assert.True(Layouts.TryParse(layoutName, out var layout));
        var image = GuestRunner.Assemble(Folder + name + ".asm");
        var native = GuestRunner.RunUnderLayout(image, Layouts.Native);
        var monitored = GuestRunner.RunUnderLayout(image, layout);

        Assert.Equal(GuestRunner.Expected(Folder + name + ".expected"), monitored.Run.Output);
        Assert.Equal(native.Run.Output, monitored.Run.Output);
        Assert.Equal(native.Run.Result.Reason, monitored.Run.Result.Reason);
        Assert.Equal(native.Run.Result.ExitStatus, monitored.Run.Result.ExitStatus);
        Assert.Equal(native.Run.Instructions, monitored.Run.Instructions);
        Assert.Equal(native.State, monitored.State);
        Assert.Equal(0, native.MonitorExits);
        Assert.True(monitored.MonitorExits > 0, "the monitor never ran: the kernel was not deprivileged");
    }

    [Theory]
    [InlineData("kernel")]
    [InlineData("faults")]
    [InlineData("panic")]
    public void Two_runs_are_identical_instruction_by_instruction(string name)
    {
        var image = GuestRunner.Assemble(Folder + name + ".asm");
        var first = new HashingTraceSink();
        var second = new HashingTraceSink();
        var a = GuestRunner.Run(image, trace: first);
        var b = GuestRunner.Run(image, trace: second);

        Assert.Equal(a.Output, b.Output);
        Assert.Equal(a.Instructions, b.Instructions);
        Assert.Equal(first.InstructionCount, second.InstructionCount);
        Assert.Equal(first.TrapCount, second.TrapCount);
        Assert.Equal(first.Hash, second.Hash);
        Assert.Equal(a.Result, b.Result);
    }

    [Theory]
    [InlineData("native")]
    [InlineData("ring3")]
    public void The_trace_r4_run_prints_is_the_same_on_every_run(string layout)
    {
        // What a person compares: `r4 run --trace` twice, byte for byte (traps and all).
        using var cli = new R4.Tests.Cli.CliHarness();
        string image = RepositoryPaths.Combine("Guests", "kernels", "teach", "panic.asm");
        var first = cli.Run("run", "--trace", "--layout", layout, image);
        var second = cli.Run("run", "--trace", "--layout", layout, image);

        Assert.Equal(1, first.ExitCode);
        Assert.True(first.Stderr.Split('\n').Length > 30_000, "the trace is missing");
        Assert.Contains(" trap #PF ", first.Stderr);
        Assert.Equal(first.Stdout, second.Stdout);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(first.Stderr)),
            System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(second.Stderr)));
    }

    [Fact]
    public void User_code_runs_only_in_ring_3_and_kernel_code_only_in_ring_0()
    {
        var image = GuestRunner.Assemble(Folder + "kernel.asm");
        var rings = new RingsByRegion(userBase: image.Symbols.Single(s => s.Name == "user_space").Value);
        var run = GuestRunner.Run(image, trace: rings);

        Assert.Equal(StopReason.PowerOff, run.Result.Reason);
        Assert.Equal([0], rings.KernelRings.Order());
        Assert.Equal([3], rings.UserRings.Order());
        Assert.True(rings.TrapsFromUser > 0);
        Assert.Equal(0, rings.TrapsIntoUser);
    }

    /// <summary>Counts the instructions retired at one address.</summary>
    private sealed class PcWatch(uint pc) : ITraceSink
    {
        public long Hits { get; private set; }
        public void Instruction(ulong instret, int ring, uint at, uint word) { if (at == pc) Hits++; }
        public void Trap(ulong instret, int vector, uint errorCode, uint savedPc, int fromRing, int toRing) { }
    }

    /// <summary>Which rings ran code below and above the start of user space.</summary>
    private sealed class RingsByRegion(uint userBase) : ITraceSink
    {
        public HashSet<int> KernelRings { get; } = [];
        public HashSet<int> UserRings { get; } = [];
        public long TrapsFromUser { get; private set; }
        public long TrapsIntoUser { get; private set; }

        public void Instruction(ulong instret, int ring, uint pc, uint word) =>
            (pc < userBase ? KernelRings : UserRings).Add(ring);

        public void Trap(ulong instret, int vector, uint errorCode, uint savedPc, int fromRing, int toRing)
        {
            if (fromRing == 3) TrapsFromUser++;
            if (toRing != 0) TrapsIntoUser++;
        }
    }

    /// <summary>The user programs' results, computed independently of the guests.</summary>
    private static class Reference
    {
        public static string Sieve(int n)
        {
            var composite = new bool[n];
            uint count = 0, sum = 0;
            for (int i = 2; i < n; i++)
            {
                if (composite[i]) continue;
                count++;
                sum += (uint)i;
                for (long j = (long)i * i; j < n; j += i) composite[j] = true;
            }
            return $"sieve: {count} primes below {n}, sum 0x{sum:x8}";
        }

        public static string MatrixMultiply(int n)
        {
            uint A(int i, int j) => (uint)((3 * i + 5 * j + 1) % 11);
            uint B(int i, int j) => (uint)((7 * i + 2 * j + 3) % 13);
            uint trace = 0, checksum = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    uint c = 0;
                    for (int k = 0; k < n; k++) c += A(i, k) * B(k, j);
                    checksum += c * (uint)(i * n + j + 1);
                    if (i == j) trace += c;
                }
            return $"matmul: n={n}, trace {trace}, checksum 0x{checksum:x8}";
        }

        public static string Quicksort(int n)
        {
            var keys = new uint[n];
            uint x = 12345;
            for (int i = 0; i < n; i++)
            {
                x = x * 1103515245 + 12345;
                keys[i] = x >> 4;
            }
            Array.Sort(keys);
            uint checksum = 0;
            for (int i = 0; i < n; i++) checksum += keys[i] * (uint)(i + 1);
            return $"qsort: {n} keys sorted, checksum 0x{checksum:x8}";
        }

        public static string Crc32(int length)
        {
            var data = new byte[length];
            for (int i = 0; i < length; i++) data[i] = (byte)(i * i + 7 * i);
            return $"crc32: check 0x{Crc(Encoding.ASCII.GetBytes("123456789")):x8} ok, {length} bytes -> 0x{Crc(data):x8}";
        }

        private static uint Crc(byte[] bytes)
        {
            uint crc = 0xFFFFFFFF;
            foreach (byte b in bytes)
            {
                crc ^= b;
                for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
            return ~crc;
        }

        public static string[] Brainfuck()
        {
            const string program = "++++++++[>++++[>++>+++>+++>+<<<<-]>+>+>->>+[<]<-]" +
                                   ">>.>---.+++++++..+++.>>.<-.<.+++.------.--------.>>+.>++.";
            var tape = new byte[4096];
            var output = new StringBuilder("bf: ");
            int head = 0;
            uint steps = 0;
            for (int pc = 0; pc < program.Length; pc++)
            {
                steps++;
                switch (program[pc])
                {
                    case '>': head++; break;
                    case '<': head--; break;
                    case '+': tape[head]++; break;
                    case '-': tape[head]--; break;
                    case '.': output.Append((char)tape[head]); break;
                    case '[' when tape[head] == 0: pc = Match(program, pc, +1); break;
                    case ']' when tape[head] != 0: pc = Match(program, pc, -1); break;
                }
            }
            uint checksum = 0;
            for (int i = 0; i < output.Length; i++) checksum += output[i] * (uint)(i + 1);
            string text = output.ToString();
            Assert.Equal("bf: Hello World!\n", text);
            return ["bf: Hello World!", $"bf: {steps} instructions, checksum 0x{checksum:x8}"];
        }

        private static int Match(string program, int pc, int direction)
        {
            for (int depth = 1; ; )
            {
                pc += direction;
                if (program[pc] == '[') depth += direction;
                else if (program[pc] == ']') depth -= direction;
                if (depth == 0) return pc;
            }
        }
    }
}
