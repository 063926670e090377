// Which rings a page's ring field admits: the MMU's permission rule as DATA, so that a machine can
// check pages the way R4 specifies (spec §6: a ring may touch a page whose ring field is at least
// its own) or the way x86-64 does (user/supervisor only: rings 0-2 are all "supervisor", a page is
// either supervisor-only or open to ring 3). The TLB's permission mask, the #PF error code, the
// monitor's guest walk and its shadow views all read the rule from here; nothing else asks which
// rule is in force (knob --page-protection, docs/monitor.md "Page protection and the monitor's window").
namespace R4.Machine;

/// <summary>A page-protection rule: for each page ring (the PTE's bits 4:3) the set of CPU rings
/// allowed to access the page, packed 4 bits per page ring (bit r of nibble p = ring r may touch a
/// page of ring p).</summary>
public sealed record PageProtection(string Name, ushort RingsByPageRing, string Summary)
{
    /// <summary>Spec §6: CPL ≤ the page's ring. Page ring 0 admits ring 0 only, 1 admits 0-1,
    /// 2 admits 0-2, 3 admits every ring (nibbles 1, 3, 7, F).</summary>
    public static readonly PageProtection Rings = new("rings", 0xF731,
        "a ring may touch a page whose ring field is at least its own (spec §6; x86-32 segment limits gave the monitor the same fence)");

    /// <summary>x86-64's paging: rings 0-2 are all supervisor and may touch every page; ring 3 only
    /// pages of ring 3 (nibbles 7, 7, 7, F).</summary>
    public static readonly PageProtection UserSupervisor = new("user-supervisor", 0xF777,
        "pages are supervisor (ring 0-2 fields, open to rings 0-2 alike) or user (ring 3 field, open to all), as x86-64 paging checks them");

    public static IReadOnlyList<PageProtection> Known { get; } = [Rings, UserSupervisor];

    /// <summary>The names given to --page-protection, for messages.</summary>
    public static string Names => string.Join("|", Known.Select(p => p.Name));

    public static bool TryParse(string name, out PageProtection protection)
    {
        protection = Known.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return protection is not null;
    }

    /// <summary>The rings (bit r = ring r) allowed to access a page of ring <paramref name="pageRing"/>.</summary>
    public uint RingsAllowed(int pageRing) => (uint)(RingsByPageRing >> (4 * pageRing)) & 0xF;

    /// <summary>True when code in <paramref name="ring"/> may access a page of ring <paramref name="pageRing"/>.</summary>
    public bool Allows(int ring, int pageRing) => (RingsAllowed(pageRing) >> ring & 1) != 0;

    public override string ToString() => Name;
}
