// Scripted `r4 debug --commands` sessions with exact transcripts (through the CLI), and the
// time-travel property: reverse-stepi returns to exactly the state seen before (registers,
// control registers, instret, memory) at every step of a run that traps, including under a monitor.
using R4.Assembler;
using R4.Debugger;
using R4.Isa;
using R4.Machine;
using R4.Monitor;
using R4.Tests.Cli;

namespace R4.Tests.Debugger;

public sealed class DebuggerSessionTests : IDisposable
{
    private readonly CliHarness _cli = new();

    private static string Guest(string which) => which switch
    {
        "calls" => RepositoryPaths.Combine("Tests", "Debugger", "calls.asm"),
        "traps" => RepositoryPaths.Combine("Tests", "Debugger", "traps.asm"),
        "stack" => RepositoryPaths.Combine("Tests", "Debugger", "stack.asm"),
        "broken" => RepositoryPaths.Combine("Guests", "examples", "broken", "broken.asm"),
        _ => RepositoryPaths.Combine(which.Split('/')),
    };

    /// <summary>The transcript after the banner line of `r4 debug GUEST --commands SCRIPT`.</summary>
    private string Debug(string guest, string script, string layout = "native")
    {
        string path = _cli.Write("session.txt", script + "\n");
        var run = _cli.Run("debug", Guest(guest), "--layout", layout, "--commands", path);
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
        var lines = run.Stdout.Split('\n').ToList();
        Assert.StartsWith("r4 debug: ", lines[0]);
        return string.Join("\n", lines.Skip(1)).TrimEnd('\n');
    }

    /// <summary>Issue 16 item 7: an address is labelled only inside its label's extent. The
    /// stack below stack_top follows a vector table after .align: it is "stack" while live
    /// (from sp up), nothing below sp, never "ivt+0x238"; .align padding is nobody's either;
    /// an sp outside the image (calls.asm) shows its live page as "stack" and nothing above.</summary>
    [Fact]
    public void StackAddressesAreStackNotTheNearestDataLabel()
    {
        const string script = """
break leaf
c
x/4w $sp
x/1w $sp-4
x/2w ivt
x/1w ivt+0x1fc
x/1w ivt+0x200
x/1w message+3
x/s message
watch $sp
""";
        Assert.Equal("""
=> 0x00001000 <_start>:  lui sp, 0x0  ; stack.asm:6
(r4) break leaf
Breakpoint 1 at 0x00001020 <leaf> at stack.asm:14
(r4) c
Breakpoint 1, 0x00001020 <leaf> at stack.asm:14
=> 0x00001020 <leaf>:  jr lr  ; stack.asm:14
(r4) x/4w $sp
0x00001260 <stack>: 0x00000022 0x00000011 0x00000000 0x00000000
(r4) x/1w $sp-4
0x0000125c: 0x00000000
(r4) x/2w ivt
0x00001028 <ivt>: 0x00000000 0x00000000
(r4) x/1w ivt+0x1fc
0x00001224 <ivt+0x1fc>: 0x00000000
(r4) x/1w ivt+0x200
0x00001228: 0x00000000
(r4) x/1w message+3
0x00001027: 0x00000000
(r4) x/s message
0x00001024 <message>: "hi"
(r4) watch $sp
Watchpoint 2: 0x00001260 <stack> (4 bytes)
""", Debug("stack", script));
        Assert.Equal("""
=> 0x00001000 <_start>:  ori sp, r0, 0x8000  ; calls.asm:5
(r4) break mul_self
Breakpoint 1 at 0x00001050 <mul_self> at calls.asm:25
(r4) c
Breakpoint 1, 0x00001050 <mul_self> at calls.asm:25
=> 0x00001050 <mul_self>:  mul r1, r1, r1  ; calls.asm:25
(r4) x/2w $sp
0x00007ff8 <stack>: 0x00000000 0x0000100c
(r4) x/1w 0x8000
0x00008000: 0x00000000
(r4) x/1w result+4
0x0000105c: 0x00000000
""", Debug("calls", "break mul_self\nc\nx/2w $sp\nx/1w 0x8000\nx/1w result+4"));
    }

    [Fact]
    public void BreakpointsBySymbolAndFileLineStepNextFinishAndBacktrace()
    {
        const string script = """
break mul_self
b calls.asm:9
info breakpoints
c
bt
finish
next
next
regs
stepi
tbreak square
c
info b
next
regs
""";
        const string expected = """
=> 0x00001000 <_start>:  ori sp, r0, 0x8000  ; calls.asm:5
(r4) break mul_self
Breakpoint 1 at 0x00001050 <mul_self> at calls.asm:25
(r4) b calls.asm:9
Breakpoint 2 at 0x00001014 <_start+0x14> at calls.asm:9
(r4) info breakpoints
Num  Type    Hits  What
1    break   0     mul_self -> 00001050
2    break   0     calls.asm:9 -> 00001014
(r4) c
Breakpoint 1, 0x00001050 <mul_self> at calls.asm:25
=> 0x00001050 <mul_self>:  mul r1, r1, r1  ; calls.asm:25
(r4) bt
#0  0x00001050 <mul_self> at calls.asm:25
#1  0x00001044 <square+0x10> at calls.asm:21  (from lr)
#2  0x0000100c <_start+0xc> at calls.asm:8  (frame 0x00007ff8)
(r4) finish
Run till exit to 0x00001044 <square+0x10> at calls.asm:21
=> 0x00001044 <square+0x10>:  pop fp  ; calls.asm:21
(r4) next
=> 0x00001048 <square+0x14>:  pop lr  ; calls.asm:22
(r4) next
=> 0x0000104c <square+0x18>:  jr lr  ; calls.asm:23
(r4) regs
r0  0x00000000   r1  0x00000019   r2  0x00000000   r3  0x00000000
r4  0x00000000   r5  0x00000000   r6  0x00000000   r7  0x00000000
r8  0x00000000   r9  0x00000000   r10 0x00000000   r11 0x00000000
r12 0x00000000   fp  0x00000000   sp  0x00008000   lr  0x0000100c
pc  0x0000104c <square+0x18> at calls.asm:23
instret 11  ring 0  ie 0
(r4) stepi
=> 0x0000100c <_start+0xc>:  lui r2, 0x0  ; calls.asm:8
(r4) tbreak square
Temporary breakpoint 3 at 0x00001034 <square> at calls.asm:17
(r4) c
Breakpoint 2, 0x00001014 <_start+0x14> at calls.asm:9
=> 0x00001014 <_start+0x14>:  stw r1, [r2]  ; calls.asm:9
(r4) info b
Num  Type    Hits  What
1    break   1     mul_self -> 00001050
2    break   1     calls.asm:9 -> 00001014
3    tbreak  0     square -> 00001034
(r4) next
=> 0x00001018 <_start+0x18>:  addi r1, r0, 7  ; calls.asm:10
(r4) regs
r0  0x00000000   r1  0x00000019   r2  0x00001058   r3  0x00000000
r4  0x00000000   r5  0x00000000   r6  0x00000000   r7  0x00000000
r8  0x00000000   r9  0x00000000   r10 0x00000000   r11 0x00000000
r12 0x00000000   fp  0x00000000   sp  0x00008000   lr  0x0000100c
pc  0x00001018 <_start+0x18> at calls.asm:10
instret 15  ring 0  ie 0
""";
        Assert.Equal(expected, Debug("calls", script));
    }

    [Fact]
    public void WatchpointReportsOldAndNewValueAndTheWritingPcAndReverseContinueReturnsToTheEarlierWrite()
    {
        const string script = """
watch result
c
c
rc
info b
c
""";
        const string expected = """
=> 0x00001000 <_start>:  ori sp, r0, 0x8000  ; calls.asm:5
(r4) watch result
Watchpoint 1: 0x00001058 <result> (4 bytes)
(r4) c
Watchpoint 1: 0x00001058 <result> (4 bytes)
Old value = 0x00000000
New value = 0x00000019
written by pc 0x00001014 <_start+0x14> at calls.asm:9
=> 0x00001018 <_start+0x18>:  addi r1, r0, 7  ; calls.asm:10
(r4) c
Watchpoint 1: 0x00001058 <result> (4 bytes)
Old value = 0x00000019
New value = 0x00000031
written by pc 0x00001028 <_start+0x28> at calls.asm:13
=> 0x0000102c <_start+0x2c>:  addi r1, r0, 0  ; calls.asm:14
(r4) rc
Watchpoint 1: 0x00001058 <result> (4 bytes)
Old value = 0x00000000
New value = 0x00000019
written by pc 0x00001014 <_start+0x14> at calls.asm:9
=> 0x00001018 <_start+0x18>:  addi r1, r0, 7  ; calls.asm:10
(r4) info b
Num  Type    Hits  What
1    watch   2     00001058 (4 bytes)
(r4) c
Watchpoint 1: 0x00001058 <result> (4 bytes)
Old value = 0x00000019
New value = 0x00000031
written by pc 0x00001028 <_start+0x28> at calls.asm:13
=> 0x0000102c <_start+0x2c>:  addi r1, r0, 0  ; calls.asm:14
""";
        Assert.Equal(expected, Debug("calls", script));
    }

    [Fact]
    public void BacktraceAndFinishGoThroughTrapFramesConditionsDisplaysStringsAndATripleFaultCatch()
    {
        const string script = """
break handler if $r3 == 1
display $r3
display $r2+1
c
info vectors
bt
finish
bt
undisplay 2
x/s message
catch gp
info b
c
""";
        const string expected = """
=> 0x00001000 <_start>:  ori sp, r0, 0x8000  ; traps.asm:7
(r4) break handler if $r3 == 1
Breakpoint 1 at 0x00001030 <handler> at traps.asm:20, if $r3 == 1
(r4) display $r3
1: $r3 = 0x00000000
(r4) display $r2+1
2: $r2+1 = 0x00000001
(r4) c
Breakpoint 1, 0x00001030 <handler> at traps.asm:20
=> 0x00001030 <handler>:  addi r3, r3, 1  ; traps.asm:20
1: $r3 = 0x00000001
2: $r2+1 = 0x00000006
(r4) info vectors
ivt 0x00001048 <ivt>
  32 int 32   -> 0x00001030 <handler> at traps.asm:20  ring 0, dpl 0, trap gate
1 of 64 gates present
(r4) bt
#0  0x00001030 <handler> at traps.asm:20
#1  0x00001028 <work+0x8> at traps.asm:17  (interrupted by int 32: trap frame 0x00007ff0, ring 0)
#2  0x0000101c <_start+0x1c> at traps.asm:13  (from lr)
(r4) finish
Run till exit to 0x00001028 <work+0x8> at traps.asm:17 (the int 32 handler's return)
=> 0x00001028 <work+0x8>:  addi r2, r2, 1  ; traps.asm:17
1: $r3 = 0x00000002
2: $r2+1 = 0x00000006
(r4) bt
#0  0x00001028 <work+0x8> at traps.asm:17
#1  0x0000101c <_start+0x1c> at traps.asm:13  (from lr)
(r4) undisplay 2
(r4) x/s message
0x00001038 <message>: "hi\tthere\n"
(r4) catch gp
Catchpoint 2: vector 5 (#GP)
(r4) info b
Num  Type    Hits  What
1    break   1     handler -> 00001030 if $r3 == 1
2    catch   0     vector 5 (#GP)
(r4) c
Catchpoint 2 (#GP general protection)
  raised at pc 0x0000101c <_start+0x1c> at traps.asm:13, ring 0
  not delivered: int 33: gate 33 not present; then #GP: gate 5 not present; then #DF: gate 8 not present
Machine shut down (triple fault) at pc 0x0000101c <_start+0x1c> at traps.asm:13: triple fault: int 33: gate 33 not present; then #GP: gate 5 not present; then #DF: gate 8 not present
""";
        Assert.Equal(expected, Debug("traps", script));
    }

    [Fact]
    public void InfoPagetableMergesRunsOfMappedPages()
    {
        const string script = """
break user_main
c
info pagetable
x/s fmt_fault
""";
        const string expected = """
=> 0x00001000 <_start>:  lui sp, 0x1  ; broken.asm:23
(r4) break user_main
Breakpoint 1 at 0x00002000 <user_begin> at broken.asm:132
(r4) c
Breakpoint 1, 0x00002000 <user_begin> at broken.asm:132
=> 0x00002000 <user_begin>:  lui r7, 0x0  ; broken.asm:132
(r4) info pagetable
page directory 0x00010000
  0x00001000-0x00001fff -> 0x00001000      1 page   writable, executable, ring 0
  0x00002000-0x00002fff -> 0x00002000      1 page   read-only, executable, ring 3
  0x0000f000-0x0000ffff -> 0x0000f000      1 page   writable, ring 0
  0x00020000-0x00020fff -> 0x00020000      1 page   writable, ring 3
4 runs of mapped pages
(r4) x/s fmt_fault
0x000012ec <fmt_fault>: "kernel: page fault at pc 0x%x, address 0x%x, error 0x%x\n"
""";
        Assert.Equal(expected, Debug("broken", script));
    }

    [Fact]
    public void CatchPageFaultDecodesTheErrorBitsThenBacktracePageWalkAndMemory()
    {
        const string script = """
catch pf
c
bt
pt 0x1330
pt 0x20000
pt 0x400000
x/4w bytes_written
xp/8b 0x2000
info cr
""";
        const string expected = """
=> 0x00001000 <_start>:  lui sp, 0x1  ; broken.asm:23
(r4) catch pf
Catchpoint 1: vector 6 (#PF)
(r4) c
one
Catchpoint 1 (#PF page fault), error 0x9 (page present, read, ring violation), address 0x00001330
  trapped at pc 0x0000200c <user_main.next> at broken.asm:135, ring 3
  handler at pc 0x00001158 <fault_handler> at broken.asm:108
=> 0x00001158 <fault_handler>:  lui r1, 0x0  ; broken.asm:108
(r4) bt
#0  0x00001158 <fault_handler> at broken.asm:108
#1  0x0000200c <user_main.next> at broken.asm:135  (interrupted by #PF: trap frame 0x0000fff0, ring 3)
(r4) pt 0x1330
pt 0x00001330: ptbr 0x00010001, directory index 0, table index 1, offset 0x330
directory entry [0x00010000] = 0x00011001: present, table at 0x00011000
table entry     [0x00011004] = 0x00001007: frame 0x00001000, present, writable, executable, ring 0
physical 0x00001330
  ring 0: rwx
  ring 1: ---
  ring 2: ---
  ring 3: ---
(r4) pt 0x20000
pt 0x00020000: ptbr 0x00010001, directory index 0, table index 32, offset 0x000
directory entry [0x00010000] = 0x00011001: present, table at 0x00011000
table entry     [0x00011080] = 0x0002001b: frame 0x00020000, present, writable, ring 3
physical 0x00020000
  ring 0: rw-
  ring 1: rw-
  ring 2: rw-
  ring 3: rw-
(r4) pt 0x400000
pt 0x00400000: ptbr 0x00010001, directory index 1, table index 0, offset 0x000
directory entry [0x00010004] = 0x00000000: not present
walk fails at the directory: #PF (page not present)
(r4) x/4w bytes_written
0x00001328 <bytes_written>: 0x00000004 0x00000000 0x00000000 0x00000000
(r4) xp/8b 0x2000
0x00002000: 0x00 0x00 0x70 0x29 0x34 0x20 0x77 0x22
(r4) info cr
status    0x00000000  cpl=0 ie=0
ivt       0x00001330  <ivt>
ptbr      0x00010001  paging on, directory 0x00010000
ksp0      0x00010000
ksp1      0x00000000
ksp2      0x00000000
fault     0x00001330  <ivt>
rmap      0x0000e4e4  forward 0,1,2,3 reverse 0,1,2,3
scratch0  0x00000000
scratch1  0x00000000
""";
        Assert.Equal(expected, Debug("broken", script));
    }

    [Fact]
    public void ReverseContinueGoesBackToThePreviousHitWithoutRepeatingConsoleOutput()
    {
        const string script = """
break syscall_entry
c
rsi 2
rc
c
c
rc
c
rsi 3
si 3
""";
        const string expected = """
=> 0x00001000 <_start>:  lui sp, 0x1  ; broken.asm:23
(r4) break syscall_entry
Breakpoint 1 at 0x00001100 <syscall_entry> at broken.asm:82
(r4) c
Breakpoint 1, 0x00001100 <syscall_entry> at broken.asm:82
=> 0x00001100 <syscall_entry>:  push r2  ; broken.asm:82
(r4) rsi 2
=> 0x00002014 <user_main.next+0x8>:  addi r1, r0, 2  ; broken.asm:137
(r4) rc
No earlier stop point hit; back at the first instruction.
=> 0x00001000 <_start>:  lui sp, 0x1  ; broken.asm:23
(r4) c
Breakpoint 1, 0x00001100 <syscall_entry> at broken.asm:82
=> 0x00001100 <syscall_entry>:  push r2  ; broken.asm:82
(r4) c
one
kernel: page fault at pc 0x0000200c, address 0x00001330, error 0x00000009
Machine powered off, exit status 255, by the instruction at 0x00001174 <fault_handler+0x1c> at broken.asm:114
(r4) rc
Breakpoint 1, 0x00001100 <syscall_entry> at broken.asm:82
=> 0x00001100 <syscall_entry>:  push r2  ; broken.asm:82
(r4) c
Machine powered off, exit status 255, by the instruction at 0x00001174 <fault_handler+0x1c> at broken.asm:114
(r4) rsi 3
=> 0x000012e8 <kprintf.done+0x14>:  jr lr  ; kprintf.inc:162
(r4) si 3
Machine powered off, exit status 255, by the instruction at 0x00001174 <fault_handler+0x1c> at broken.asm:114
""";
        Assert.Equal(expected, Debug("broken", script));
    }

    [Fact]
    public void SetRegisterAndMemoryAreKeptAcrossReverseExecution()
    {
        const string script = """
break user_main
c
set reg r7 = 0x204c
set mem 0x1328 = 0x1234
x/1w 0x1328
si 2
info registers
rsi 2
info registers
x/1w 0x1328
set reg pc = _start
""";
        const string expected = """
=> 0x00001000 <_start>:  lui sp, 0x1  ; broken.asm:23
(r4) break user_main
Breakpoint 1 at 0x00002000 <user_begin> at broken.asm:132
(r4) c
Breakpoint 1, 0x00002000 <user_begin> at broken.asm:132
=> 0x00002000 <user_begin>:  lui r7, 0x0  ; broken.asm:132
(r4) set reg r7 = 0x204c
r7 = 0x0000204c
(r4) set mem 0x1328 = 0x1234
[0x00001328 <bytes_written>] = 0x00001234
(r4) x/1w 0x1328
0x00001328 <bytes_written>: 0x00001234
(r4) si 2
=> 0x00002008 <user_begin+0x8>:  addi r8, r0, 3  ; broken.asm:133
(r4) info registers
r0  0x00000000   r1  0x00021000   r2  0x00021000   r3  0x0000001b
r4  0x00011000   r5  0x00011080   r6  0x0002001b   r7  0x00002034
r8  0x00000000   r9  0x00000000   r10 0x00001330   r11 0x00000000
r12 0x00000000   fp  0x00000000   sp  0x00021000   lr  0x00001098
pc  0x00002008 <user_begin+0x8> at broken.asm:133
instret 103  ring 3  ie 0
(r4) rsi 2
=> 0x00002000 <user_begin>:  lui r7, 0x0  ; broken.asm:132
(r4) info registers
r0  0x00000000   r1  0x00021000   r2  0x00021000   r3  0x0000001b
r4  0x00011000   r5  0x00011080   r6  0x0002001b   r7  0x0000204c
r8  0x00000000   r9  0x00000000   r10 0x00001330   r11 0x00000000
r12 0x00000000   fp  0x00000000   sp  0x00021000   lr  0x00001098
pc  0x00002000 <user_begin> at broken.asm:132
instret 101  ring 3  ie 0
(r4) x/1w 0x1328
0x00001328 <bytes_written>: 0x00001234
(r4) set reg pc = _start
pc = 0x00001000
=> 0x00001000 <_start>:  lui sp, 0x1  ; broken.asm:23
""";
        Assert.Equal(expected, Debug("broken", script));
    }

    [Fact]
    public void MistakesAreReportedAndTheSessionGoesOn()
    {
        const string script = """
foo
s
break nosuch
x/3q 0
until-instret 0
catch exit
delete 9
set reg r99 = 1
b broken.asm:9999
""";
        const string expected = """
=> 0x00001000 <_start>:  lui sp, 0x1  ; broken.asm:23
(r4) foo
error: unknown command 'foo' (try 'help')
(r4) s
error: ambiguous command 's': stepi, set, savevm
(r4) break nosuch
error: no symbol 'nosuch' in the image
(r4) x/3q 0
error: x: unit 'q' is not w (words), s (string) or b (bytes)
(r4) until-instret 0
error: until-instret: instret is already 0
(r4) catch exit
error: catch exit: no monitor (use --layout ring012, ring013 or ring3)
(r4) delete 9
error: delete: no stop point number 9
(r4) set reg r99 = 1
error: 'r99' is not a register (r0..r15, fp, sp, lr, pc)
(r4) b broken.asm:9999
error: broken.asm has no code at or after line 9999
""";
        Assert.Equal(expected, Debug("broken", script));
    }

    [Fact]
    public void EveryCommandRejectsBadOperandsWithOneLineAndChangesNothing()
    {
        const string script = """
break 0xZZ
break 12a
break :3
break broken.asm:145
break 0x1002
tbreak $pc+2
watch 0xfffffff0
watch 0x1328 2 3
catch ring now
catch pf gp
next 2
finish
continue please
bt full
info cr all
x/4w 0x7fff0000
xp/2w 0x1000000
disassemble 0x2000000
disassemble 0x1000 2 3
pt
x/4w 1++2
x/4w sp
set reg r0 = 5
set reg pc = 0x1002
set mem 0x30000000 = 1
break broken.asm:117
delete 1 9
info b
help stepi
help frob
quit now
""";
        const string expected = """
=> 0x00001000 <_start>:  lui sp, 0x1  ; broken.asm:23
(r4) break 0xZZ
error: '0xZZ' is not a number (decimal, 0x hex or 0b binary)
(r4) break 12a
error: '12a' is not a number (decimal, 0x hex or 0b binary)
(r4) break :3
error: ':3': give a file name before ':' (e.g. kernel.asm:3)
(r4) break broken.asm:145
error: broken.asm has no code at or after line 145
(r4) break 0x1002
error: break: 0x00001002 is not 4-aligned: no instruction starts there
(r4) tbreak $pc+2
error: tbreak: 0x00001002 is not 4-aligned: no instruction starts there
(r4) watch 0xfffffff0
error: watch: 0xfffffff0 is outside RAM (0x01000000 bytes); watch an address the guest can reach now
(r4) watch 0x1328 2 3
error: watch: give ADDR [LEN]
(r4) catch ring now
error: catch ring takes no operands (got 'now')
(r4) catch pf gp
error: catch pf: give one vector (got 'pf gp')
(r4) next 2
error: next takes no operands (got '2')
(r4) finish
error: finish: 0x00001000 <_start> has no caller to return to (lr = 0x00000000, fp = 0: no frame)
(r4) continue please
error: continue takes no operands (got 'please')
(r4) bt full
error: bt takes no operands (got 'full')
(r4) info cr all
error: info cr takes no operands (got 'all')
(r4) x/4w 0x7fff0000
error: x: 0x7fff0000 is outside RAM (0x01000000 bytes)
(r4) xp/2w 0x1000000
error: xp: 0x01000000 is outside RAM (0x01000000 bytes)
(r4) disassemble 0x2000000
error: disassemble: 0x02000000 is outside RAM (0x01000000 bytes)
(r4) disassemble 0x1000 2 3
error: disassemble: give [ADDR] [N]
(r4) pt
error: pt: give an address
(r4) x/4w 1++2
error: '+2' is not a number, a $register or a symbol
(r4) x/4w sp
error: no symbol 'sp' in the image (a register is written $sp)
(r4) set reg r0 = 5
error: set reg: r0 always reads 0 (writes to it are discarded)
(r4) set reg pc = 0x1002
error: set reg pc: 0x00001002 is not 4-aligned (the next fetch would raise #AC)
(r4) set mem 0x30000000 = 1
error: set mem: 0x30000000 is outside RAM (0x01000000 bytes)
(r4) break broken.asm:117
Breakpoint 1 at 0x00002000 <user_begin> at broken.asm:132 (no instruction on line 117: the next one is on line 132)
(r4) delete 1 9
error: delete: no stop point number 9
(r4) info b
Num  Type    Hits  What
1    break   0     broken.asm:117 -> 00002000
(r4) help stepi
  stepi [N] (si)                                                      execute N instructions (default 1)
(r4) help frob
error: unknown command 'frob' (try 'help')
(r4) quit now
error: quit takes no operands (got 'now')
""";
        Assert.Equal(expected, Debug("broken", script));
    }

    [Fact]
    public void WithPagingOnUnmappedAddressesAndStateChangesAfterPowerOffAreOneLineErrors()
    {
        const string script = """
break user_main
c
watch 0x30000000
x/2w 0x30000000
disassemble 0x30000000 1
set mem 0x30000000 = 1
c
stepi
next
finish
set reg r1 = 1
set mem 0x1328 = 1
""";
        const string expected = """
=> 0x00001000 <_start>:  lui sp, 0x1  ; broken.asm:23
(r4) break user_main
Breakpoint 1 at 0x00002000 <user_begin> at broken.asm:132
(r4) c
Breakpoint 1, 0x00002000 <user_begin> at broken.asm:132
=> 0x00002000 <user_begin>:  lui r7, 0x0  ; broken.asm:132
(r4) watch 0x30000000
error: watch: 0x30000000 is not mapped by the guest's page tables (pt 0x30000000 shows the walk); watch an address the guest can reach now
(r4) x/2w 0x30000000
error: x: 0x30000000 is not mapped by the guest's page tables (pt 0x30000000 shows the walk)
(r4) disassemble 0x30000000 1
error: disassemble: 0x30000000 is not mapped by the guest's page tables (pt 0x30000000 shows the walk)
(r4) set mem 0x30000000 = 1
error: set mem: 0x30000000 is not mapped by the guest's page tables (pt 0x30000000 shows the walk)
(r4) c
one
kernel: page fault at pc 0x0000200c, address 0x00001330, error 0x00000009
Machine powered off, exit status 255, by the instruction at 0x00001174 <fault_handler+0x1c> at broken.asm:114
(r4) stepi
The machine has stopped (Machine powered off, exit status 255, by the instruction at 0x00001174 <fault_handler+0x1c> at broken.asm:114); use reverse-stepi or reverse-continue to go back.
(r4) next
The machine has stopped (Machine powered off, exit status 255, by the instruction at 0x00001174 <fault_handler+0x1c> at broken.asm:114); use reverse-stepi or reverse-continue to go back.
(r4) finish
The machine has stopped (Machine powered off, exit status 255, by the instruction at 0x00001174 <fault_handler+0x1c> at broken.asm:114); use reverse-stepi or reverse-continue to go back.
(r4) set reg r1 = 1
error: set: the machine has stopped (Machine powered off, exit status 255, by the instruction at 0x00001174 <fault_handler+0x1c> at broken.asm:114); go back with reverse-stepi first
(r4) set mem 0x1328 = 1
error: set: the machine has stopped (Machine powered off, exit status 255, by the instruction at 0x00001174 <fault_handler+0x1c> at broken.asm:114); go back with reverse-stepi first
""";
        Assert.Equal(expected, Debug("broken", script));
    }

    [Fact]
    public void GuestOutputLeftMidLineIsEndedBeforeTheDebuggersReport()
    {
        string path = _cli.Write("session.txt", "stepi 12\nstepi 30\n");
        var run = _cli.Run("debug", RepositoryPaths.Combine("Guests", "examples", "hello.asm"), "--commands", path);
        Assert.Equal("", run.Stderr);
        Assert.Equal("""
            => 0x00000000 <_start>:  lui r1, 0x0  ; hello.asm:12
            (r4) stepi 12
            He
            => 0x00000008 <_start.next>:  ldbu r2, [r1]  ; hello.asm:14
            (r4) stepi 30
            llo, w
            => 0x00000008 <_start.next>:  ldbu r2, [r1]  ; hello.asm:14

            """, string.Join("\n", run.Stdout.Split('\n').Skip(1)));
    }

    [Fact]
    public void MonitorLayoutSessionShowsExitsVirtualStateAndShadowEntries()
    {
        const string script = """
catch exit mtcr
c
info monitor
delete 1
break user_main
c
info monitor 0x2000
regs
catch pf
c
catch ring
rsi
rc
""";
        const string expected = """
=> 0x00001000 <_start>:  lui sp, 0x1  ; broken.asm:23
(r4) catch exit mtcr
Catchpoint 1: monitor exit mtcr
(r4) c
Catchpoint 1 (monitor exit mtcr, trap #GP) after pc 0x00001034 <_start+0x34> at broken.asm:33
  now at pc 0x00001038 <_start+0x38> at broken.asm:34
=> 0x00001038 <_start+0x38>:  lui r1, 0x1  ; broken.asm:34
(r4) info monitor
layout ring012: guest kernel in ring 1, user in ring 2; system calls and their iret in hardware
ring: virtual 0, real 1; ie: virtual 0, real 0
virtual control registers:
  status    0x00000000   real 0x00000001
  ivt       0x00001330   real 0x00000000
  ptbr      0x00000000   real 0x01002001
  ksp0      0x00000000   real 0x00000000
  ksp1      0x00000000   real 0x00000000
  ksp2      0x00000000   real 0x00000000
  fault     0x00000000   real 0x00001000
  rmap      0x0000e4e4   real 0x0000f081
  scratch0  0x00000000   real 0x00000000
  scratch1  0x00000000   real 0x00000000
exits: 2 total: mtcr 1, shadowFill 1
(r4) delete 1
Deleted 1
(r4) break user_main
Breakpoint 2 at 0x00002000 <user_begin> at broken.asm:132
(r4) c
Breakpoint 2, 0x00002000 <user_begin> at broken.asm:132
=> 0x00002000 <user_begin>:  lui r7, 0x0  ; broken.asm:132
(r4) info monitor 0x2000
layout ring012: guest kernel in ring 1, user in ring 2; system calls and their iret in hardware
ring: virtual 3, real 2; ie: virtual 0, real 0
virtual control registers:
  status    0x00000003   real 0x00000002
  ivt       0x00001330   real 0x00000000
  ptbr      0x00010001   real 0x01003001
  ksp0      0x00010000   real 0x00000000
  ksp1      0x00000000   real 0x00010000
  ksp2      0x00000000   real 0x00000000
  fault     0x00000000   real 0x00002000
  rmap      0x0000e4e4   real 0x0000f081
  scratch0  0x00000000   real 0x00000000
  scratch1  0x00000000   real 0x00000000
0x00002000: guest entry 0x0000201d -> physical 0x00002000; shadow entry (view 0) 0x00002015: frame 0x00002000, present, read-only, executable, ring 2
exits: 9 total: mtcr 3, shadowFill 6, tlbFlush 1, shadowCacheMiss 1
(r4) regs
r0  0x00000000   r1  0x00021000   r2  0x00021000   r3  0x0000001b
r4  0x00011000   r5  0x00011080   r6  0x0002001b   r7  0x00000000
r8  0x00000000   r9  0x00000000   r10 0x00001330   r11 0x00000000
r12 0x00000000   fp  0x00000000   sp  0x00021000   lr  0x00001098
pc  0x00002000 <user_begin> at broken.asm:132
instret 101  ring 3 (real 2)  ie 0
(r4) catch pf
Catchpoint 3: vector 6 (#PF)
(r4) c
one
Catchpoint 3 (#PF page fault), error 0x9 (page present, read, ring violation), address 0x00001330
  trapped at pc 0x0000200c <user_main.next> at broken.asm:135, ring 3 (real 2)
  handler at pc 0x00001158 <fault_handler> at broken.asm:108
=> 0x00001158 <fault_handler>:  lui r1, 0x0  ; broken.asm:108
(r4) catch ring
Catchpoint 4: ring change
(r4) rsi
=> 0x0000200c <user_main.next>:  ldw r2, [r7]  ; broken.asm:135
(r4) rc
Catchpoint 4 (ring 0 -> 3; real ring 1 -> 2), at pc 0x0000201c <user_main.next+0x10> at broken.asm:139
=> 0x0000201c <user_main.next+0x10>:  addi r7, r7, 8  ; broken.asm:139
""";
        Assert.Equal(expected, Debug("broken", script, "ring012"));
    }
    [Fact]
    public void CatchSystemCallAndRingChangesTemporaryBreakpointsAndStopsAfterPowerOff()
    {
        const string script = """
catch syscall
catch ring
info b
c
c
delete 2
c
until-instret 120
x/8b lines
tbreak user_main.next
c
info b
disassemble
info monitor
""";
        const string expected = """
=> 0x00001000 <_start>:  lui sp, 0x1  ; broken.asm:23
(r4) catch syscall
Catchpoint 1: vector 32 (int 32)
(r4) catch ring
Catchpoint 2: ring change
(r4) info b
Num  Type    Hits  What
1    catch   0     vector 32 (int 32)
2    catch   0     ring change
(r4) c
Catchpoint 2 (ring 0 -> 3), at pc 0x00002000 <user_begin> at broken.asm:132
=> 0x00002000 <user_begin>:  lui r7, 0x0  ; broken.asm:132
(r4) c
Catchpoint 1 (int 32 system call)
  trapped at pc 0x0000201c <user_main.next+0x10> at broken.asm:139, ring 3
  handler at pc 0x00001100 <syscall_entry> at broken.asm:82
Catchpoint 2 (ring 3 -> 0), at pc 0x00001100 <syscall_entry> at broken.asm:82
=> 0x00001100 <syscall_entry>:  push r2  ; broken.asm:82
(r4) delete 2
Deleted 2
(r4) c
one
kernel: page fault at pc 0x0000200c, address 0x00001330, error 0x00000009
Machine powered off, exit status 255, by the instruction at 0x00001174 <fault_handler+0x1c> at broken.asm:114
(r4) until-instret 120
error: until-instret: instret is already 788
(r4) x/8b lines
0x00002034 <lines>: 0x4c 0x20 0x00 0x00 0x04 0x00 0x00 0x00
(r4) tbreak user_main.next
Temporary breakpoint 3 at 0x0000200c <user_main.next> at broken.asm:135
(r4) c
The machine has stopped (Machine powered off, exit status 255, by the instruction at 0x00001174 <fault_handler+0x1c> at broken.asm:114); use reverse-stepi or reverse-continue to go back.
(r4) info b
Num  Type    Hits  What
1    catch   1     vector 32 (int 32)
3    tbreak  0     user_main.next -> 0000200c
(r4) disassemble
   0x00001178 <kputc>:  out 0x00, r1  ; kprintf.inc:16
   0x0000117c <kputc+0x4>:  jr lr  ; kprintf.inc:18
   0x00001180 <kputs>:  addi r2, r1, 0  ; kprintf.inc:21
   0x00001184 <kputs.loop>:  ldbu r1, [r2]  ; kprintf.inc:23
   0x00001188 <kputs.loop+0x4>:  beq r1, r0, 0x00001198  ; <kputs.done>  ; kprintf.inc:24
   0x0000118c <kputs.loop+0x8>:  out 0x00, r1  ; kprintf.inc:28
   0x00001190 <kputs.loop+0xc>:  addi r2, r2, 1  ; kprintf.inc:30
   0x00001194 <kputs.loop+0x10>:  jmp 0x00001184  ; <kputs.loop>  ; kprintf.inc:31
(r4) info monitor
not under a monitor (layout native)
""";
        Assert.Equal(expected, Debug("broken", script));
    }

    [Fact]
    public void CommandsFromRedirectedInputArePromptedAndRun()
    {
        var run = _cli.RunWithInput("b user_main\nc\nquit\n"u8.ToArray(), "debug", Guest("broken"));
        Assert.Equal(0, run.ExitCode);
        var lines = run.Stdout.Split('\n');
        Assert.Equal("(r4) Breakpoint 1 at 0x00002000 <user_begin> at broken.asm:132", lines[2]);
        Assert.Equal("(r4) Breakpoint 1, 0x00002000 <user_begin> at broken.asm:132", lines[3]);
        Assert.Equal("=> 0x00002000 <user_begin>:  lui r7, 0x0  ; broken.asm:132", lines[4]);
        Assert.Equal("(r4) ", lines[5]);
    }

    [Fact]
    public void MissingCommandsFileIsAOneLineError()
    {
        var run = _cli.Run("debug", Guest("broken"), "--commands", _cli.PathOf("none.txt"));
        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal($"r4: cannot read '{_cli.PathOf("none.txt")}': no such file\n", run.Stderr);
    }

    /// <summary>Steps forward through the whole run (traps, ring changes, monitor exits
    /// included), recording the state at every stop, then reverse-steps back one at a time:
    /// each state must come back exactly.</summary>
    [Theory]
    [InlineData("native", 4096)]
    [InlineData("native", 7)]
    [InlineData("ring012", 5)]
    [InlineData("ring3", 3)]
    public void ReverseStepiReturnsToExactlyThePreviousStateAtEveryStep(string layoutName, int checkpointIntervalAttempts)
    {
        var image = R4Assembler.AssembleFile(Guest("broken")).Image!;
        Assert.True(Layouts.TryParse(layoutName, out var layout));
        var setup = new DebugMachineSetup(image, layout, 1 << 20, CostTable.Default, [], null);
        var transcript = new StringWriter();
        using var session = new DebugSession(setup, transcript, checkpointIntervalAttempts);
        var states = new List<string>();
        while (session.Target.Final is null)
        {
            states.Add(Snapshot(session.Target));
            session.Execute("stepi");
        }
        Assert.Equal(StopReason.PowerOff, session.Target.Final!.Reason);
        Assert.True(states.Count > 150, $"only {states.Count} steps");
        for (int i = states.Count - 1; i >= 0; i--)
        {
            session.Execute("rsi");
            Assert.Equal(states[i], Snapshot(session.Target));
        }
        Assert.Equal(1UL, session.Target.Position);
        if (checkpointIntervalAttempts < 100) Assert.True(session.Target.FastForwards > states.Count / 2, $"{session.Target.FastForwards} fast-forwards");
        Assert.DoesNotContain("error", transcript.ToString());
    }

    /// <summary>The teaching kernel with timer interrupts, faults and a console: states seen
    /// while stepping forward in big strides come back exactly when travelling back, with
    /// re-execution running untraced to checkpoints (interrupts then arrive at the same instret).</summary>
    [Theory]
    [InlineData("native")]
    [InlineData("ring013")]
    public void ReverseExecutionThroughTimerInterruptsMatchesTheForwardRun(string layoutName)
    {
        var image = R4Assembler.AssembleFile(RepositoryPaths.Combine("Guests", "kernels", "teach", "faults.asm")).Image!;
        Assert.True(Layouts.TryParse(layoutName, out var layout));
        var setup = new DebugMachineSetup(image, layout, 16 << 20, CostTable.Default, [], null);
        var transcript = new StringWriter();
        using var session = new DebugSession(setup, transcript, checkpointIntervalAttempts: 1000);
        var states = new List<string>();
        while (session.Target.Final is null)
        {
            states.Add(Snapshot(session.Target));
            session.Execute("si 9973");
        }
        Assert.Equal(0u, session.Target.Final!.ExitStatus);
        for (int i = states.Count - 1; i >= 0; i--)
        {
            session.Execute($"rsi {session.Target.Position - (1 + (ulong)i * 9973)}");
            Assert.Equal(1 + (ulong)i * 9973, session.Target.Position);
            Assert.Equal(states[i], Snapshot(session.Target));
        }
        Assert.True(session.Target.FastForwards > 10, $"{session.Target.FastForwards} fast-forwards");
        // Re-executed console output is not shown again.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(transcript.ToString(), "teach kernel booting"));
        Assert.DoesNotContain(transcript.ToString().Split('\n'), line => line.StartsWith("error:"));
    }

    /// <summary>Catchpoints on vectors and rings are about the guest, not the monitor: under
    /// every layout they stop at the same instructions with the same reports as natively — also
    /// where the monitor, not the hardware, delivers (ring3 system calls, injected timer
    /// interrupts, reflected faults) — and never for its own exits (hidden page faults,
    /// emulated privileged instructions).</summary>
    [Theory]
    [InlineData("ring012")]
    [InlineData("ring013")]
    [InlineData("ring3")]
    public void VectorCatchpointsStopWhereTheyStopNativelyUnderEveryLayout(string layoutName)
    {
        string native = CatchEveryGuestTrap(Layouts.Native);
        Assert.True(Layouts.TryParse(layoutName, out var layout));
        string monitored = CatchEveryGuestTrap(layout);

        var stops = native.Split('\n').Where(l => l.StartsWith("Catchpoint ")).ToList();
        Assert.Equal(1, stops.Count(l => l.Contains("(#UD ")));
        Assert.Equal(1, stops.Count(l => l.Contains("(#DE ")));
        Assert.Equal(1, stops.Count(l => l.Contains("(#BP ")));
        Assert.Equal(1, stops.Count(l => l.Contains("(#AC ")));
        // the three killed processes' (null, kernel page, stack fetch) and the survivor's four
        // demand-zero pages (stack, heap twice, heap again after shrinking): the guest kernel's own
        Assert.Equal(7, stops.Count(l => l.Contains("(#PF ")));
        Assert.Equal(23, stops.Count(l => l.Contains("(int 32 ")));
        Assert.Equal(13, stops.Count(l => l.Contains("(timer ")));
        // The guest's ring changes too, although in ring3 the real ring never changes: each
        // system call, kill and demand-zero fault leaves ring 3, and each is followed by an
        // entry into ring 3. (The timer's interrupts here come from the idle loop, or are
        // periods that ended in the kernel, taken before the next user instruction: no change.)
        Assert.Equal(2 * (23 + 9 + 4), stops.Count(l => l.Contains("(ring ")));
        Assert.Equal(native, System.Text.RegularExpressions.Regex.Replace(monitored, @" \(real \d\)|; real ring \d( -> \d)?", ""));
    }

    [Fact]
    public void WatchpointOnAProcessStackIgnoresContextSwitchesAndPagesComingAndGoing()
    {
        // qsort's outermost frame: the return address pushed at 0x7ffffffc stays put while
        // four other processes (each with its own 0x7ffffffc) run, until qsort exits and its
        // page is freed. None of that is a write to qsort's word.
        const string script = """
tbreak qsort.asm:70
c
watch $sp
c
rc
""";
        var lines = Debug("Guests/kernels/teach/kernel.asm", script).Split('\n')
            .Where(l => !l.StartsWith("[kernel]") && !System.Text.RegularExpressions.Regex.IsMatch(l, "^[a-z0-9]+: "));
        Assert.Equal("""
=> 0x00001000 <kernel_entry>:  lui sp, 0x1  ; entry.asm:6
(r4) tbreak qsort.asm:70
Temporary breakpoint 1 at 0x004300f8 <qs_sort+0x8> at qsort.asm:70
(r4) c
Temporary breakpoint 1, 0x004300f8 <qs_sort+0x8> at qsort.asm:70
=> 0x004300f8 <qs_sort+0x8>:  push r7  ; qsort.asm:70
(r4) watch $sp
Watchpoint 2: 0x7ffffffc <stack> (4 bytes) in page directory 0x00108000
(r4) c
Machine powered off, exit status 0, by the instruction at 0x00002230 <all_exited+0x30> at proc.asm:217
(r4) rc
Watchpoint 2: 0x7ffffffc <stack> (4 bytes)
Old value = 0x00000000
New value = 0x00430058
written by pc 0x004300f4 <qs_sort+0x4> at qsort.asm:69
=> 0x004300f8 <qs_sort+0x8>:  push r7  ; qsort.asm:70
""", string.Join("\n", lines));
    }

    [Fact]
    public void Ring3SessionCatchesTheGuestsRingChangesAndNamesUnmappedGuestPages()
    {
        // In ring3 the real ring is always 3: catch ring must follow the guest's virtual ring.
        const string script = """
catch exit frob
catch exit mtcr iret
catch ring
c
c
info monitor 0x30000000
""";
        const string expected = """
=> 0x00001000 <_start>:  lui sp, 0x1  ; broken.asm:23
(r4) catch exit frob
error: catch exit: unknown cause 'frob' (one of hlt, cli, sti, tlbflush, invlpg, mfcr, mtcr, in, out, iret, fault, syscall, interrupt, shadowFill, ptWrite, hypercall, interruptDeferred, stop)
(r4) catch exit mtcr iret
error: catch exit: give at most one cause
(r4) catch ring
Catchpoint 1: ring change
(r4) c
Catchpoint 1 (ring 0 -> 3; real ring 3 -> 3), at pc 0x00002000 <user_begin> at broken.asm:132
=> 0x00002000 <user_begin>:  lui r7, 0x0  ; broken.asm:132
(r4) c
Catchpoint 1 (ring 3 -> 0; real ring 3 -> 3), at pc 0x00001100 <syscall_entry> at broken.asm:82
=> 0x00001100 <syscall_entry>:  push r2  ; broken.asm:82
(r4) info monitor 0x30000000
layout ring3: guest kernel and user in ring 3; every transition through the monitor, kernel/user shadow views
ring: virtual 0, real 3; ie: virtual 0, real 0
virtual control registers:
  status    0x00000000   real 0x00000003
  ivt       0x00001330   real 0x00000000
  ptbr      0x00010001   real 0x01006001
  ksp0      0x00010000   real 0x00000000
  ksp1      0x00000000   real 0x00000000
  ksp2      0x00000000   real 0x00000000
  fault     0x00000000   real 0x00002000
  rmap      0x0000e4e4   real 0x0000e4e4
  scratch0  0x00000000   real 0x00000000
  scratch1  0x00000000   real 0x00000000
0x30000000: guest not mapped (#PF); shadow entry (view 0) 0x00000000: not present
exits: 11 total: mtcr 3, iret 1, syscall 1, shadowFill 6, pageTableSwitch 2, tlbFlush 1, shadowCacheMiss 1
""";
        Assert.Equal(expected, Debug("broken", script, "ring3"));
    }

    [Fact]
    public void FileLineInsideAMacroStopsInEveryExpansionAndALineWithoutCodeSaysWhereItWent()
    {
        // trap.asm:53 is the `jmp trap_common` of the trap_entry macro, expanded in 12 stubs;
        // line 59 invokes it (the line table names the macro's lines, not the invocation's).
        const string script = """
break trap.asm:59
break trap.asm:53
info b
delete 1
c
c
c
""";
        var lines = Debug("Guests/kernels/teach/faults.asm", script).Split('\n').Where(l => !l.StartsWith("[kernel]"));
        Assert.Equal("""
=> 0x00001000 <kernel_entry>:  lui sp, 0x1  ; entry.asm:6
(r4) break trap.asm:59
Breakpoint 1 at 0x00001388 <trap_timer> at trap.asm:77 (no instruction on line 59: the next one is on line 77)
(r4) break trap.asm:53
Breakpoint 2 at 0x00001314 <trap_de+0xc> at trap.asm:53, and 11 more places (the line's code appears 12 times: a macro's line)
(r4) info b
Num  Type    Hits  What
1    break   0     trap.asm:59 -> 00001388
2    break   0     trap.asm:53 -> 00001314 and 11 more
(r4) delete 1
Deleted 1
(r4) c
Breakpoint 2, 0x000013c8 <trap_syscall+0xc> at trap.asm:53
=> 0x000013c8 <trap_syscall+0xc>:  jmp 0x000013cc  ; <trap_common>  ; trap.asm:53
(r4) c
null: reading address 0
Breakpoint 2, 0x00001354 <trap_pf+0xc> at trap.asm:53
=> 0x00001354 <trap_pf+0xc>:  jmp 0x000013cc  ; <trap_common>  ; trap.asm:53
(r4) c
Breakpoint 2, 0x00001398 <trap_timer+0x10> at trap.asm:53
=> 0x00001398 <trap_timer+0x10>:  jmp 0x000013cc  ; <trap_common>  ; trap.asm:53
""", string.Join("\n", lines));
    }

    [Fact]
    public void NextInSharedUserCodeStopsInTheSameProcess()
    {
        // Two processes of the teaching kernel call the same routine in the shared user
        // library, at the same stack depth (every process's stack starts at 0x80000000).
        // Process a sleeps inside it; process b, meanwhile, passes the very return address
        // with the very same sp, again and again. `next` over a's call must wait for a.
        var assembly = R4Assembler.AssembleText(R4.Tests.Guests.GuestRunner.TeachKernelWith("process_a", "process_b") + """
            shared:                     ; shared(r1 = ticks): sleep that long (0: yield)
                push lr
                mov r2, r1
            shared_call:
                call nap
                pop lr
                ret
            nap:
                li r1, SYS_SLEEP
                int 32
                ret
            ulib_end:
            .org USER_IMAGE_BASE
            process_a:
                li r1, 2
                call shared
                sys_exit 0
            .align 4
            process_a_end:
            .org USER_IMAGE_BASE + USER_SLOT_BYTES
            process_b:
                li r1, 0
                call shared
                jmp process_b
            .align 4
            process_b_end:
            """, RepositoryPaths.Combine("Guests", "kernels", "teach", "shared-next.asm"));
        Assert.True(assembly.Succeeded, string.Join("\n", assembly.Errors.Select(e => e.Format())));
        var transcript = new StringWriter { NewLine = "\n" };
        using var session = new DebugSession(new DebugMachineSetup(assembly.Image!, Layouts.Native, 16 << 20, CostTable.Default, [], null), transcript);
        var views = new DebugViews(session.Target);

        session.RunScript(["break shared_call", "continue"]);
        uint processA = views.GuestPtbr;
        ulong instretAtCall = session.Target.Cpu.Instret;
        session.RunScript(["delete", "next"]);

        Assert.Equal(assembly.Image!.Lookup("shared_call")!.Value + 4, session.Target.Cpu.Pc);
        Assert.Equal(processA, views.GuestPtbr);
        // a slept two ticks of 4000 instructions while b ran
        Assert.True(session.Target.Cpu.Instret - instretAtCall > 4000, $"{session.Target.Cpu.Instret - instretAtCall} instructions");
        Assert.DoesNotContain("error", transcript.ToString());
    }

    [Fact]
    public void InterruptStopsARunawayContinueAndAnInterruptAtThePromptIsIgnored()
    {
        var assembly = R4Assembler.AssembleText("""
            .org 0x1000
            .entry start
            start:
                li r1, 0
            spin:
                addi r1, r1, 1
                jmp spin
            """, "spin.asm");
        Assert.True(assembly.Succeeded);
        var transcript = new StringWriter { NewLine = "\n" };
        using var session = new DebugSession(new DebugMachineSetup(assembly.Image!, Layouts.Native, 1 << 20, CostTable.Default, [], null), transcript);

        session.Target.Interrupt();              // Ctrl-C at the prompt: not for the next run
        session.Execute("stepi 3");
        Assert.Equal(4UL, session.Target.Position);
        var running = Task.Run(() => session.Execute("continue"));
        while (session.Target.Cpu.Instret < 10_000) Thread.Sleep(1);   // (a read of a counter, racy but harmless)
        session.Target.Interrupt();
        Assert.True(running.Wait(TimeSpan.FromSeconds(30)), "continue did not stop");

        var lines = transcript.ToString().Split('\n');
        Assert.Matches(@"^Interrupted at instret \d+\.$", lines[^3]);
        Assert.Matches(@"^=> 0x0000100[48] <spin(\+0x4)?>:", lines[^2]);
        Assert.Null(session.Target.Final);
        ulong position = session.Target.Position;
        session.Execute("stepi");                // and the session goes on
        Assert.Equal(position + 1, session.Target.Position);
    }

    private static string CatchEveryGuestTrap(Layout layout)
    {
        var image = R4Assembler.AssembleFile(RepositoryPaths.Combine("Guests", "kernels", "teach", "faults.asm")).Image!;
        var transcript = new StringWriter { NewLine = "\n" };
        using var session = new DebugSession(new DebugMachineSetup(image, layout, 16 << 20, CostTable.Default, [], null), transcript);
        session.RunScript(["catch syscall", "catch timer", "catch pf", "catch gp", "catch ud", "catch de", "catch bp", "catch ac", "catch ring"]);
        while (session.Target.Final is null) session.RunScript(["continue", "info registers"]);
        return transcript.ToString();
    }

    private static string Snapshot(DebugTarget target)
    {
        var cpu = target.Cpu;
        var text = new System.Text.StringBuilder($"pc={cpu.Pc:x} instret={cpu.Instret} status={cpu.Status:x}");
        for (int r = 0; r < Registers.Count; r++) text.Append($" r{r}={cpu.GetRegister(r):x}");
        foreach (var cr in Enum.GetValues<ControlRegister>()) text.Append($" {cr}={cpu.GetControl(cr):x}");
        var ram = new byte[target.Guest.GuestRamBytes];
        cpu.Memory.Read(0, ram);
        text.Append($" ram={Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(ram))}");
        return text.ToString();
    }

    public void Dispose() => _cli.Dispose();
}

public sealed class TraceTrapLineTests : IDisposable
{
    private readonly CliHarness _cli = new();

    [Fact]
    public void PageFaultTraceLineDecodesTheErrorAndNamesTheAddressAndSourceLine()
    {
        var run = _cli.Run("run", "--trace", RepositoryPaths.Combine("Guests", "examples", "broken", "broken.asm"));
        Assert.Equal(255, run.ExitCode);
        var trap = run.Stderr.Split('\n').Single(l => l.Contains(" trap #PF"));
        Assert.Equal("       148 trap #PF page fault error=0x9 [page present, read, ring violation] address=0x00001330 saved pc=0x0000200c (user_main.next) at broken.asm:135 ring 3->0", trap);
    }

    public void Dispose() => _cli.Dispose();
}

/// <summary>docs/debugging.md shows a real transcript: it must be what the tool prints now.</summary>
public sealed class DebuggingDocTests
{
    [Fact]
    public void WalkthroughTranscriptIsWhatTheDebuggerPrints()
    {
        string doc = File.ReadAllText(RepositoryPaths.Combine("docs", "debugging.md")).Replace("\r\n", "\n");
        int start = doc.IndexOf("```\nr4 debug: ", StringComparison.Ordinal);
        Assert.True(start >= 0, "no transcript block in docs/debugging.md");
        start += 4;
        string documented = doc[start..doc.IndexOf("\n```", start, StringComparison.Ordinal)];

        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int exit = R4.Cli.Program.Run(["debug", RepositoryPaths.Combine("Guests", "examples", "broken", "broken.asm"),
            "--commands", RepositoryPaths.Combine("docs", "debugging-walkthrough.txt")], stdout, stderr, null, null);
        Assert.Equal(0, exit);
        Assert.Equal("", stderr.ToString());
        string root = RepositoryPaths.Root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        Assert.Equal(documented, stdout.ToString().Replace(root, "").Replace('\\', '/').TrimEnd('\n'));
    }
}
