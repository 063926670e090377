// The experiment knobs shared by `r4 run`, `r4 compare` and `r4 host` (docs/monitor.md "Knobs"): each
// option changes a field of the monitored layouts' data (Layout records), never the code.
//   --shadow-cache N          address spaces whose shadow tables are kept (1 = none)
//   --shadow-sync MODE        invlpg | write-protect: how shadows follow page-table edits
//   --ptbr-targets on|off     the VT-x-style ptbr-target list for cached spaces
//   --direct-syscalls on|off  system calls through direct gates, in hardware (ring012/ring013)
//   --page-protection RULE    rings | user-supervisor: how the MMU checks a page's ring field (every
//                             layout, native included); ring012, ring013 and bt are then refused
//                             unless --allow-unsafe-protection, since the guest kernel could reach
//                             the monitor's window
using R4.Machine;
using R4.Monitor;

namespace R4.Cli;

public sealed record MonitorKnobs(int? ShadowCacheSpaces, string? ShadowSync, string? PtbrTargets, string? DirectSystemCalls = null,
    string? PageProtection = null, bool AllowUnsafeProtection = false)
{
    /// <summary>--help of --page-protection and --allow-unsafe-protection (run, compare, host).</summary>
    public const string PageProtectionHelp = "Knob: rings (a ring may touch pages whose ring field is at least its own; spec §6, the default) or user-supervisor (rings 0-2 alike, as x86-64 paging; every layout, native included). ring012, ring013 and bt are refused with it unless --allow-unsafe-protection: their guest kernel could reach the monitor's memory. See docs/monitor.md.";
    public const string AllowUnsafeProtectionHelp = "Run ring012, ring013 or bt under --page-protection user-supervisor although their guest kernel can then read and overwrite the monitor's memory (to watch Guests/hostile/monitor-window.asm escape).";

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
        var protection = R4.Machine.PageProtection.Rings;
        if (PageProtection is not null && !R4.Machine.PageProtection.TryParse(PageProtection, out protection))
            throw new UserError($"--page-protection {PageProtection}: give {R4.Machine.PageProtection.Names}", ExitCodes.Usage);
        if (!layout.Monitored) return layout with { PageProtection = protection };
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
            PageProtection = protection,
        };
        // x86-64's lesson (docs/monitor.md "Page protection and the monitor's window"): without
        // segment limits, page protection alone cannot fence a deprivileged kernel off the monitor
        if (result.MonitorReachableFromGuestKernel && !AllowUnsafeProtection)
            throw new UserError($"--page-protection {protection.Name} with layout {layout.Name}: the guest kernel runs in real ring {layout.RealRingOfVirtual[0]}, " +
                "which user/supervisor protection lets touch every supervisor page, the monitor's own (its shadow page tables) included — " +
                "why Xen on x86-64 runs guest kernels in ring 3; give ring3 or hw, or --allow-unsafe-protection to run it anyway", ExitCodes.Usage);
        if (result.ShadowSync == R4.Monitor.ShadowSync.Invlpg && result.ShadowCacheSpaces > 1)
            throw new UserError($"--shadow-cache {result.ShadowCacheSpaces} with --shadow-sync invlpg: a cached shadow must be write-protected (the guest may edit an inactive space's tables); give --shadow-cache 1 or --shadow-sync write-protect", ExitCodes.Usage);
        if (result.ShadowSync == R4.Monitor.ShadowSync.Invlpg && targets == true)
            throw new UserError("--ptbr-targets on with --shadow-sync invlpg: the target list needs write-protected cached shadows", ExitCodes.Usage);
        return result;
    }
}
