// The disk (ports 0x20..0x24, IRQ 18): 512-byte sectors of a host image file, moved by DMA.
//
// Registers: 0x20 sector, 0x21 DMA address, 0x22 sector count, 0x23 command (1 read, 2 write;
// reads back the last command written), 0x24 status (bit0 busy, bit1 error; writes ignored).
// Writing 0x20..0x22 only sets the registers; a command latches them.
//
// Timing: a valid command written by an `out` executed with instret = N completes at the
// boundary where instret = N + 1 + CommandLatencyInstructions + count * SectorLatencyInstructions:
// only then is the file read or written and memory transferred (so a guest sees memory change
// all at once, at that boundary), busy clears and IRQ 18 is requested.
// Errors: a request with no disk attached, an unknown command, a count of 0, a sector range
// past the image, a memory range outside RAM, or a write to a read-only image transfers
// nothing and completes at once: status = error (busy clear) and IRQ 18 is requested right
// away, so an interrupt-driven driver never waits forever. A host I/O error at completion
// also sets the error bit (and is reported on the diagnostic stream).
// A command written while busy is ignored: the request in flight is not disturbed and the
// status does not change. A valid command clears the error bit.
// Image size: the image has ceil(length / 512) sectors; the bytes of a partial last sector
// past the end of the file read as 0, and writing that sector extends the file to a whole one.
using R4.Isa;

namespace R4.Machine.Devices;

/// <summary>A disk image could not be opened (the message names the file).</summary>
public sealed class DiskImageException(string message, Exception? inner = null) : IOException(message, inner);

public sealed class DiskDevice : IDisposable
{
    public const ulong CommandLatencyInstructions = 1000;
    public const ulong SectorLatencyInstructions = 100;
    public const int SectorBytes = Ports.SectorSize;
    // DMA moves at most this much through a host buffer at a time.
    private const int ChunkBytes = 64 * 1024;

    private readonly IDmaMemory memory;
    private readonly InterruptRequests interrupts;
    private readonly TextWriter? diagnostics;
    private readonly FileStream? image;
    private readonly string? imagePath;
    private readonly bool imageWritable;
    // A window onto part of an image another owner opened (a Type 1 host's machine disk):
    // the guest's sector 0 is the image's sector windowFirstSector; null = the whole image.
    private readonly ulong windowFirstSector;
    private readonly ulong? windowSectorCount;
    private readonly bool ownsImage = true;

    // The request in flight, latched when the command was accepted.
    private uint requestCommand, requestSector, requestAddress, requestCount;

    public DiskDevice(string? imagePath, IDmaMemory memory, InterruptRequests interrupts, TextWriter? diagnostics)
    {
        this.memory = memory;
        this.interrupts = interrupts;
        this.diagnostics = diagnostics;
        this.imagePath = imagePath;
        if (imagePath is null)
            return;
        try
        {
            image = new FileStream(imagePath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            imageWritable = true;
        }
        catch (UnauthorizedAccessException)
        {
            // A read-only image still serves reads; writes then fail with the error bit.
            image = OpenReadOnly(imagePath);
        }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException)
        {
            throw new DiskImageException($"cannot open disk image '{imagePath}': {e.Message}", e);
        }
    }

    /// <summary>A disk that is sectors [<paramref name="firstSector"/>, + <paramref name="sectorCount"/>)
    /// of <paramref name="image"/>, opened and owned by the caller (spec §11.1: a guest's disk is a
    /// contiguous range of the machine disk; its sector 0 is the first of the range). The range
    /// must lie inside the image's sectors; nothing outside it is ever read or written.</summary>
    public DiskDevice(FileStream image, string imagePath, bool writable, ulong firstSector, ulong sectorCount,
        IDmaMemory memory, InterruptRequests interrupts, TextWriter? diagnostics)
    {
        this.memory = memory;
        this.interrupts = interrupts;
        this.diagnostics = diagnostics;
        this.imagePath = imagePath;
        this.image = image;
        imageWritable = writable;
        windowFirstSector = firstSector;
        windowSectorCount = sectorCount;
        ownsImage = false;
    }

    private static FileStream OpenReadOnly(string path)
    {
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new DiskImageException($"cannot open disk image '{path}': {e.Message}", e);
        }
    }

    public bool Attached => image is not null;
    /// <summary>The image file given at creation (null: no disk).</summary>
    public string? ImagePath => imagePath;
    /// <summary>True once a write request has changed the image file (a snapshot then
    /// captures the image instead of referring to it).</summary>
    public bool ImageWritten { get; private set; }
    public bool Writable => imageWritable;
    public ulong SectorCount => image is null ? 0 : windowSectorCount ?? ((ulong)image.Length + SectorBytes - 1) / SectorBytes;

    public uint SectorRegister { get; private set; }
    public uint AddressRegister { get; private set; }
    public uint CountRegister { get; private set; }
    public uint CommandRegister { get; private set; }
    public bool Busy { get; private set; }
    public bool Error { get; private set; }
    public uint Status => (Busy ? Ports.DiskStatusBusy : 0) | (Error ? Ports.DiskStatusError : 0);

    /// <summary>The instret at which the request in flight completes (ulong.MaxValue: idle).</summary>
    public ulong CompletionInstret { get; private set; } = ulong.MaxValue;

    /// <summary>Retired instructions from the accepting `out` to completion, for <paramref name="sectorCount"/> sectors.</summary>
    public static ulong LatencyInstructions(uint sectorCount) =>
        CommandLatencyInstructions + sectorCount * SectorLatencyInstructions;

    /// <summary>Reset: registers 0, idle, no error; a request in flight is dropped untransferred.</summary>
    public void Reset()
    {
        SectorRegister = AddressRegister = CountRegister = CommandRegister = 0;
        Busy = Error = false;
        CompletionInstret = ulong.MaxValue;
    }

    public uint Read(ushort port) => port switch
    {
        Ports.DiskSector => SectorRegister,
        Ports.DiskAddress => AddressRegister,
        Ports.DiskCount => CountRegister,
        Ports.DiskCommand => CommandRegister,
        _ => Status,
    };

    public void Write(ushort port, uint value, ulong instret)
    {
        switch (port)
        {
            case Ports.DiskSector: SectorRegister = value; break;
            case Ports.DiskAddress: AddressRegister = value; break;
            case Ports.DiskCount: CountRegister = value; break;
            case Ports.DiskCommand: Command(value, instret); break;
            // 0x24 (status) is read-only.
        }
    }

    private void Command(uint command, ulong instret)
    {
        CommandRegister = command;
        if (Busy)
            return;
        if (!IsValidRequest(command))
        {
            Error = true;
            interrupts.Raise(Vectors.Disk);
            return;
        }
        (requestCommand, requestSector, requestAddress, requestCount) = (command, SectorRegister, AddressRegister, CountRegister);
        Busy = true;
        Error = false;
        CompletionInstret = instret + 1 + LatencyInstructions(requestCount);
    }

    private bool IsValidRequest(uint command) => IsValidRequest(command, SectorRegister, AddressRegister, CountRegister);

    private bool IsValidRequest(uint command, uint sector, uint address, uint count)
    {
        if (image is null || count == 0)
            return false;
        if (command != Ports.DiskCommandRead && !(command == Ports.DiskCommandWrite && imageWritable))
            return false;
        if ((ulong)sector + count > SectorCount)
            return false;
        ulong bytes = (ulong)count * SectorBytes;
        return bytes <= uint.MaxValue && memory.Contains(address, (uint)bytes);
    }

    public void Tick(ulong instret)
    {
        if (instret < CompletionInstret)
            return;
        CompletionInstret = ulong.MaxValue;
        Busy = false;
        try
        {
            // A request this disk never accepted (restored from a damaged snapshot: no image, a
            // read-only one, out of range) ends in an error, as a refused command does.
            if (IsValidRequest(requestCommand, requestSector, requestAddress, requestCount)) Transfer();
            else Error = true;
        }
        catch (IOException e)
        {
            Error = true;
            diagnostics?.WriteLine($"r4: disk image '{imagePath}': {e.Message}");
        }
        interrupts.Raise(Vectors.Disk);
    }

    private void Transfer()
    {
        var buffer = new byte[(int)Math.Min((ulong)requestCount * SectorBytes, ChunkBytes)];
        long filePosition = (long)(windowFirstSector + requestSector) * SectorBytes;
        uint address = requestAddress;
        ulong remaining = (ulong)requestCount * SectorBytes;
        while (remaining > 0)
        {
            var chunk = buffer.AsSpan(0, (int)Math.Min(remaining, (ulong)buffer.Length));
            if (requestCommand == Ports.DiskCommandRead)
            {
                ReadImage(filePosition, chunk);
                memory.Write(address, chunk);
            }
            else
            {
                memory.Read(address, chunk);
                image!.Position = filePosition;
                image.Write(chunk);
            }
            filePosition += chunk.Length;
            address += (uint)chunk.Length;
            remaining -= (ulong)chunk.Length;
        }
        if (requestCommand == Ports.DiskCommandWrite)
        {
            ImageWritten = true;
            image!.Flush();
        }
    }

    // Reads the image at position; bytes past the end of the file (a partial last sector) are 0.
    private void ReadImage(long position, Span<byte> destination)
    {
        image!.Position = position;
        int filled = 0;
        while (filled < destination.Length)
        {
            int read = image.Read(destination[filled..]);
            if (read == 0)
                break;
            filled += read;
        }
        destination[filled..].Clear();
    }

    /// <summary>The registers and the request in flight, for a snapshot (R4.Snapshots).</summary>
    public DiskDeviceState CaptureState() => new(SectorRegister, AddressRegister, CountRegister, CommandRegister, Busy, Error,
        CompletionInstret, requestCommand, requestSector, requestAddress, requestCount, ImageWritten);

    /// <summary>Puts back a snapshot's registers and request in flight: it completes at the
    /// same instret as it would have.</summary>
    public void RestoreState(DiskDeviceState state)
    {
        (SectorRegister, AddressRegister, CountRegister, CommandRegister) = (state.Sector, state.Address, state.Count, state.Command);
        (Busy, Error, CompletionInstret) = (state.Busy, state.Error, state.Busy ? state.CompletionInstret : ulong.MaxValue);
        (requestCommand, requestSector, requestAddress, requestCount) = (state.RequestCommand, state.RequestSector, state.RequestAddress, state.RequestCount);
        ImageWritten = state.ImageWritten;
    }

    public void Dispose()
    {
        if (ownsImage) image?.Dispose();
    }
}
