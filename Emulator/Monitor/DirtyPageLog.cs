// Log-dirty mode for live migration (spec §11.3), as Xen does it with shadow paging: while the
// log is on, the monitor fills shadow entries read-only for guest frames not yet written in the
// current round, so the guest's first write to such a frame is a hidden write fault; the
// monitor marks the frame dirty and fills the entry writable. Starting a round drops the whole
// shadow (and the real TLB): every frame is write-protected again, refilled lazily. Writes the
// guest does not make through its page tables (disk DMA, frames the monitor writes for it) are
// seen by no fault: the monitor reports them itself (MarkWritten: frames it pushes for the
// guest, disk DMA), and the migration's last round still compares every touched page with what
// it sent. Under hardware assistance (layout hw) there are no shadow tables to protect: the
// migration compares pages there, as natively (docs/hosted.md).
using R4.Isa;

namespace R4.Monitor;

public sealed class DirtyPageLog(uint guestRamBytes)
{
    private readonly ulong[] _bits = new ulong[(guestRamBytes / PageBits.PageSize + 63) / 64];

    /// <summary>Write faults taken to log a frame (the price of log-dirty mode, in exits).</summary>
    public long LoggingFaults { get; private set; }

    public bool IsDirty(uint frame) => frame / 64 < _bits.Length && (_bits[frame / 64] & (1UL << (int)(frame % 64))) != 0;

    public void MarkDirty(uint frame)
    {
        if (frame / 64 >= _bits.Length) return;
        _bits[frame / 64] |= 1UL << (int)(frame % 64);
        LoggingFaults++;
    }

    /// <summary>A write the monitor made for the guest (a trap frame, disk DMA): logged without a fault.</summary>
    public void MarkWritten(uint frame)
    {
        if (frame / 64 < _bits.Length) _bits[frame / 64] |= 1UL << (int)(frame % 64);
    }

    /// <summary>The frames written since the last call, ascending; the log starts empty again.</summary>
    public List<uint> TakeDirty()
    {
        var frames = new List<uint>();
        for (int word = 0; word < _bits.Length; word++)
        {
            ulong bits = _bits[word];
            while (bits != 0)
            {
                int bit = System.Numerics.BitOperations.TrailingZeroCount(bits);
                frames.Add((uint)(word * 64 + bit));
                bits &= bits - 1;
            }
            _bits[word] = 0;
        }
        return frames;
    }
}
