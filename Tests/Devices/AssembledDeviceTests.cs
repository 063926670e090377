// Guests see the devices through Guests/lib/ports.inc: its constants must be the machine's, and
// an assembled, interrupt-driven guest must drive the disk and the console as documented.
using System.Text;
using R4.Assembler;
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Devices;

public sealed class AssembledDeviceTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("r4-devices-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private R4.Isa.Image.ProgramImage Assemble(string source)
    {
        string path = Path.Combine(folder, "guest.asm");
        string ports = RepositoryPaths.Combine("Guests", "lib", "ports.inc").Replace("\\", "/");
        File.WriteAllText(path, $".include \"{ports}\"\n" + source);
        var result = R4Assembler.AssembleFile(path);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors.Select(e => e.Format())));
        return result.Image!;
    }

    [Fact]
    public void PortsIncHasTheMachinesPortsAndBits()
    {
        var image = Assemble("""
            .org 0x1000
            .word PORT_CONSOLE_DATA, PORT_CONSOLE_STATUS, PORT_TIMER_PERIOD, PORT_TIMER_COUNT
            .word PORT_DISK_SECTOR, PORT_DISK_ADDRESS, PORT_DISK_COUNT, PORT_DISK_COMMAND, PORT_DISK_STATUS
            .word PORT_POWER, PORT_DEBUG, DISK_READ, DISK_WRITE, DISK_BUSY, DISK_FAILED, SECTOR_BYTES, CONSOLE_NO_INPUT
            """);
        byte[] data = image.Segments.Single().Data;
        uint[] words = [.. Enumerable.Range(0, data.Length / 4).Select(i => BitConverter.ToUInt32(data, 4 * i))];
        uint[] machine =
        [
            Ports.ConsoleData, Ports.ConsoleStatus, Ports.TimerPeriod, Ports.TimerCount,
            Ports.DiskSector, Ports.DiskAddress, Ports.DiskCount, Ports.DiskCommand, Ports.DiskStatus,
            Ports.Power, Ports.Debug, Ports.DiskCommandRead, Ports.DiskCommandWrite, Ports.DiskStatusBusy,
            Ports.DiskStatusError, (uint)Ports.SectorSize, 0xFFFF_FFFF,
        ];
        Assert.Equal(machine, words);
    }

    [Fact]
    public void AnInterruptDrivenGuestReadsTheDiskAndEchoesConsoleInput()
    {
        string disk = Path.Combine(folder, "disk.img");
        File.WriteAllBytes(disk, [.. new byte[512], .. "disk says hi\n\0"u8]);
        var image = Assemble("""
            .entry start
            .org 0x1000
            start:
                li sp, 0x20000
                la r1, ivt
                mtcr ivt, r1
                li r1, 0x10000
                out PORT_DISK_ADDRESS, r1
                li r1, 1
                out PORT_DISK_SECTOR, r1
                out PORT_DISK_COUNT, r1
                li r1, DISK_READ
                out PORT_DISK_COMMAND, r1
                sti
            idle:
                hlt                       ; disk IRQ, then console IRQs, then power-off
                jmp idle

            disk_irq:
                li r1, 0x10000
            .print:
                ldbu r2, [r1]
                beqz r2, .done
                out PORT_CONSOLE_DATA, r2
                addi r1, r1, 1
                jmp .print
            .done:
                li r1, 1
                out PORT_CONSOLE_STATUS, r1   ; now take input by interrupt
                iret

            console_irq:
                in r2, PORT_CONSOLE_DATA
                li r3, '.'
                beq r2, r3, .quit
                out PORT_CONSOLE_DATA, r2
                iret
            .quit:
                in r4, PORT_DISK_STATUS
                addi r4, r4, 40
                out PORT_POWER, r4

            .org 0x2000
            ivt:
                .space 17 * 8
                .word console_irq, 0x30       ; present, interrupt gate, ring 0
                .word disk_irq, 0x30
            """);
        var output = new MemoryStream();
        using var machine = new R4Machine(new MachineOptions
        {
            MemoryBytes = 1 << 20,
            DiskImagePath = disk,
            ConsoleInput = new MemoryStream("typed.ignored"u8.ToArray()),
            ConsoleOutput = output,
        });
        machine.Load(image);
        var result = machine.Run(1_000_000);
        Assert.Equal(StopReason.PowerOff, result.Reason);
        Assert.Equal(40u, result.ExitStatus);
        Assert.Equal("disk says hi\ntyped", Encoding.ASCII.GetString(output.ToArray()));
        Assert.Equal(1, machine.Statistics.TrapsByVector[Vectors.Disk]);
        Assert.Equal(6, machine.Statistics.TrapsByVector[Vectors.ConsoleInput]);
    }
}
