// The hosted guest's disk: a raw image that is a plain file of the host's file system, created
// on request with a size (`r4 run --hosted --disk FILE --disk-create SIZE`) as a sparse file —
// the host allocates blocks only where the guest writes — so a 1 GiB disk costs what is used.
namespace R4.Hosted;

public static class HostDisk
{
    /// <summary>Creates <paramref name="path"/> as a sparse raw image of <paramref name="sizeBytes"/>
    /// (a multiple of 512); refuses to replace an existing file (a guest's disk is precious).</summary>
    public static void Create(string path, long sizeBytes)
    {
        if (sizeBytes <= 0 || sizeBytes % 512 != 0)
            throw new ArgumentOutOfRangeException(nameof(sizeBytes), $"disk size {sizeBytes}: give a positive multiple of 512 bytes");
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.SetLength(sizeBytes);   // a hole: no block is written
    }
}
