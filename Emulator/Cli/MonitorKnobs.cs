// The experiment knobs shared by `r4 run`, `r4 compare` and `r4 host` (docs/monitor.md "Knobs"): each
// option changes a field of the monitored layouts' data (Layout records), never the code.
//   --shadow-cache N          address spaces whose shadow tables are kept (1 = none)
//   --shadow-sync MODE        invlpg | write-protect: how shadows follow page-table edits
//   --ptbr-targets on|off     the VT-x-style ptbr-target list for cached spaces
//   --direct-syscalls on|off  system calls through direct gates, in hardware (ring012/ring013)
using R4.Monitor;

namespace R4.Cli;

public sealed record MonitorKnobs(int? ShadowCacheSpaces, string? ShadowSync, string? PtbrTargets, string? DirectSystemCalls = null)
{
    /// <summary>The layout with the knobs given applied (native is returned as it is); a bad
    /// value or an impossible combination is a usage error naming the option.</summary>
    public Layout Apply(Layout layout)
    {
        if (ShadowCacheSpaces is { } spaces && (spaces < 1 || spaces > MonitorMemoryMap.MaximumAddressSpaces))
            throw new UserError($"--shadow-cache {spaces}: give 1 to {MonitorMemoryMap.MaximumAddressSpaces} address spaces", ExitCodes.Usage);
        var sync = ShadowSync?.ToLowerInvariant() switch
        {
            null => (ShadowSync?)null,
            "invlpg" => R4.Monitor.ShadowSync.Invlpg,
            "write-protect" => R4.Monitor.ShadowSync.WriteProtect,
            _ => throw new UserError($"--shadow-sync {ShadowSync}: give invlpg or write-protect", ExitCodes.Usage),
        };
        bool? targets = PtbrTargets?.ToLowerInvariant() switch
        {
            null => null,
            "on" => true,
            "off" => false,
            _ => throw new UserError($"--ptbr-targets {PtbrTargets}: give on or off", ExitCodes.Usage),
        };
        bool? direct = DirectSystemCalls?.ToLowerInvariant() switch
        {
            null => null,
            "on" => true,
            "off" => false,
            _ => throw new UserError($"--direct-syscalls {DirectSystemCalls}: give on or off", ExitCodes.Usage),
        };
        if (!layout.Monitored) return layout;
        // A direct gate enters the guest kernel's real ring in hardware: only where a real ring
        // separates guest kernel from guest user (not ring3, whose transitions switch views).
        if (direct == true && (layout.TransitionsSwitchViews || layout.HardwareAssisted))
            throw new UserError($"--direct-syscalls on with layout {layout.Name}: it has no real ring for the guest kernel below its user code's (give ring012, ring013 or bt)", ExitCodes.Usage);
        // Without write protection a shadow is only as good as the guest's TLB: it cannot be
        // kept across ptbr writes, nor handed to the CPU as a ptbr target.
        sync ??= layout.ShadowSync;
        var result = layout with
        {
            ShadowCacheSpaces = ShadowCacheSpaces ?? (sync == R4.Monitor.ShadowSync.Invlpg ? 1 : layout.ShadowCacheSpaces),
            ShadowSync = sync.Value,
            PtbrTargets = targets ?? (sync == R4.Monitor.ShadowSync.Invlpg ? false : layout.PtbrTargets),
            DirectSystemCalls = direct ?? layout.DirectSystemCalls,
        };
        if (result.ShadowSync == R4.Monitor.ShadowSync.Invlpg && result.ShadowCacheSpaces > 1)
            throw new UserError($"--shadow-cache {result.ShadowCacheSpaces} with --shadow-sync invlpg: a cached shadow must be write-protected (the guest may edit an inactive space's tables); give --shadow-cache 1 or --shadow-sync write-protect", ExitCodes.Usage);
        if (result.ShadowSync == R4.Monitor.ShadowSync.Invlpg && targets == true)
            throw new UserError("--ptbr-targets on with --shadow-sync invlpg: the target list needs write-protected cached shadows", ExitCodes.Usage);
        return result;
    }
}
