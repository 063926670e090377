// The layouts as data: each record's fields agree with each other and with spec §9.1 —
// the real ring map's forward half runs every hosted virtual ring in its real ring and
// forwards unhosted rings to 0, its reverse half gives back the virtual ring, shadow PTE rings
// keep user pages out of kernel-only reach, and shadow gate DPLs let hardware decide exactly
// the cases it can.
using R4.Isa;
using R4.Monitor;

namespace R4.Tests.Monitor;

public class LayoutTests
{
    public static IEnumerable<object[]> MonitoredNames => Layouts.MonitoredLayouts.Select(l => new object[] { l.Name });

    [Fact]
    public void TheFourLayoutsOfTheSpecParseByName()
    {
        Assert.Equal(["native", "ring012", "ring013", "ring3"], Layouts.All.Select(l => l.Name));
        Assert.True(Layouts.TryParse("RING012", out var layout));
        Assert.Same(Layouts.Ring012, layout);
        Assert.False(Layouts.TryParse("ring2", out _));
        Assert.Equal("native|ring012|ring013|ring3|bt|hw", Layouts.Names);
        Assert.True(Layouts.TryParse("BT", out var bt));
        Assert.Same(Layouts.Bt, bt);
    }

    /// <summary>The techniques of spec §11.6 and §11.7 as data: bt is ring013 with real ring 1
    /// translated (so its kernel iret never needs to trap); hw runs the guest in its own rings, in
    /// guest mode, with no ring compression and no control-register exits by default.</summary>
    [Fact]
    public void BinaryTranslationAndHardwareAssistAreData()
    {
        Assert.Equal(Layouts.Ring013.RealRmap, Layouts.Bt.RealRmap);
        Assert.Equal([1], Layouts.Bt.TranslatedRealRings);
        Assert.Equal(0b10, Layouts.Bt.TranslatedRingMask);
        Assert.True(Layouts.Ring013.KernelIretMustTrap);
        Assert.False(Layouts.Bt.KernelIretMustTrap);
        Assert.False(Layouts.Bt.HardwareAssisted);
        Assert.True(Layouts.Hw.HardwareAssisted);
        Assert.False(Layouts.Hw.KernelIretMustTrap);
        Assert.Equal(0, Layouts.Hw.TranslatedRingMask);
        Assert.Empty(Layouts.Hw.ExitingControlRegisters);
        for (int ring = 0; ring < 4; ring++) Assert.True(Layouts.Hw.HostsVirtualRing(ring));
    }

    [Theory]
    [InlineData("native", 0, 3, 0xE4E4u, false, false)]
    [InlineData("ring012", 1, 2, 0xF081u, true, false)]
    [InlineData("ring013", 1, 3, 0xE0C1u, true, false)]
    [InlineData("ring3", 3, 3, 0xE4E4u, false, true)]
    [InlineData("bt", 1, 3, 0xE0C1u, true, false)]
    [InlineData("hw", 0, 3, 0xE4E4u, false, false)]
    public void RealRingsRingMapAndTransitionsMatchTheSpecTable(string name, int kernelRing, int userRing, uint rmap, bool direct, bool views)
    {
        Assert.True(Layouts.TryParse(name, out var layout));
        Assert.Equal(kernelRing, layout.RealRingOfVirtual[0]);
        Assert.Equal(userRing, layout.RealRingOfVirtual[3]);
        Assert.Equal(rmap, layout.RealRmap);
        Assert.Equal(direct, layout.DirectSystemCalls);
        Assert.Equal(views, layout.TransitionsSwitchViews);
        Assert.Equal(views ? 4 : 1, layout.ViewCount);
    }

    [Theory]
    [MemberData(nameof(MonitoredNames))]
    public void RingMapForwardsHostedRingsToTheirRealRingAndReversesThem(string name)
    {
        Layouts.TryParse(name, out var layout);
        if (layout.TransitionsSwitchViews) return;   // no hardware ring transitions: rmap unused
        for (int virtualRing = 0; virtualRing < 4; virtualRing++)
        {
            int forward = RingMap.Forward(layout.RealRmap, virtualRing);
            if (layout.HostsVirtualRing(virtualRing))
            {
                Assert.Equal(layout.RealRingOfVirtual[virtualRing], forward);
                Assert.Equal(virtualRing, layout.VirtualRingOfReal(forward));
            }
            else
            {
                // an iret into an unhosted ring is forwarded to ring 0, which no iret at ring > 0 may enter
                Assert.Equal(0, forward);
                Assert.True(layout.RealRingOfVirtual[0] > 0);
            }
        }
    }

    [Theory]
    [MemberData(nameof(MonitoredNames))]
    public void TheMonitorAloneOwnsRealRingZero(string name)
    {
        Layouts.TryParse(name, out var layout);
        Assert.All(layout.RealRingOfVirtual, real => Assert.NotEqual(0, real));
        Assert.All(layout.ShadowPteRing, real => Assert.NotEqual(0, real));
    }

    [Theory]
    [MemberData(nameof(MonitoredNames))]
    public void ShadowPteRingsSeparateGuestKernelFromGuestUserOrViewsDo(string name)
    {
        Layouts.TryParse(name, out var layout);
        int kernel = layout.RealRingOfVirtual[0], user = layout.RealRingOfVirtual[3];
        // a guest user page: reachable by the real kernel and user rings
        Assert.True(kernel <= layout.ShadowPteRing[3] && user <= layout.ShadowPteRing[3]);
        // a guest kernel page: reachable by the real kernel ring; the user ring is kept out
        // either by the ring field or by the user view not showing the page
        Assert.True(kernel <= layout.ShadowPteRing[0]);
        bool userBlockedByRing = user > layout.ShadowPteRing[0];
        bool userBlockedByView = !layout.ViewShowsPage(layout.ViewOf(3), 0);
        Assert.True(userBlockedByRing || userBlockedByView);
        Assert.True(layout.ViewShowsPage(layout.ViewOf(0), 0));
        Assert.True(layout.ViewShowsPage(layout.ViewOf(3), 3));
    }

    [Theory]
    [InlineData("ring012", 3, 3)]
    [InlineData("ring012", 0, 1)]
    [InlineData("ring012", 2, 1)]
    [InlineData("ring013", 3, 3)]
    [InlineData("ring013", 0, 2)]   // real ring 2 hosts nobody: a DPL 2 gate admits exactly the guest kernel
    [InlineData("ring3", 3, 3)]
    [InlineData("ring3", 0, 2)]     // real ring 3 hosts kernel and user: hardware #GPs, the monitor decides
    [InlineData("native", 1, 1)]
    public void ShadowGateDplLetsHardwareDecideOnlyWhatItCan(string name, int guestDpl, int realDpl)
    {
        Layouts.TryParse(name, out var layout);
        Assert.Equal(realDpl, layout.ShadowGateDpl(guestDpl));
        // whatever the value, every hosted ring that hardware admits is one the guest gate admits
        for (int virtualRing = 0; virtualRing < 4; virtualRing++)
            if (layout.HostsVirtualRing(virtualRing) && layout.RealRingOfVirtual[virtualRing] <= realDpl)
                Assert.True(virtualRing <= guestDpl);
    }

    [Fact]
    public void PackPutsForwardLowAndReverseHigh()
    {
        Assert.Equal(RingMap.Identity, Layouts.Pack([0, 1, 2, 3], [0, 1, 2, 3]));
        uint rmap = Layouts.Pack([1, 0, 0, 2], [0, 0, 3, 3]);
        Assert.Equal(1, RingMap.Forward(rmap, 0));
        Assert.Equal(2, RingMap.Forward(rmap, 3));
        Assert.Equal(0, RingMap.Reverse(rmap, 1));
        Assert.Equal(3, RingMap.Reverse(rmap, 2));
    }
}
