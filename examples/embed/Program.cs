// R4 embedded in a C# program: assemble a source string, run it deprivileged under the ring3
// layout of the monitor, and read the run's statistics. Built and run by
// Tests/Packaging/EmbedExampleTests.cs; docs/packages.md shows the same lines.
using R4.Assembler;
using R4.Machine;
using R4.Monitor;

var assembled = R4Assembler.AssembleText("""
        li   r1, 1000
loop:   addi r1, r1, -1
        bnez r1, loop
        out  0xF0, r1           ; power off with status 0
""");
using var guest = GuestMachine.Create(new MachineOptions(), Layouts.Ring3);
guest.Load(assembled.Image!);
var result = guest.Run();
Console.WriteLine($"{result.Reason} {result.ExitStatus}: {guest.Statistics.Instructions} instructions, " +
                  $"{guest.Statistics.Cycles} cycles, {guest.Exits!.TotalExits} monitor exits");
