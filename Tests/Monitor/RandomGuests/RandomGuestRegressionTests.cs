// Minimal guests for the divergences the random equivalence tests found, one test each, named
// for the seed that found it and the rule that was broken.
using R4.Monitor;

namespace R4.Tests.Monitor.RandomGuests;

public class RandomGuestRegressionTests
{
    /// <summary>Seeds 2, 8, 26 (spec §3, §5.3, §9.2): a user `iret` is a #GP at ring 3. Under
    /// ring012 user code runs in real ring 2, where hardware allowed iret: it read its frame
    /// (a #PF past the stack top instead of the #GP) or, with a well-formed frame of the same
    /// ring and IE, returned — a jump the native guest can never make. The CPU now refuses iret
    /// in any ring the ring map presents as ring 3.</summary>
    [Theory]
    [InlineData(3u)]
    [InlineData(7u)]
    public void UserIretIsAProtectionFaultInEveryLayout(uint userStatus)
    {
        var kernel = new TestKernel
        {
            UserStatus = userStatus,
            UserMain = $$"""
                user_main:
                    iret
                    la   r1, after
                    li   r2, {{userStatus}}
                    mov  r3, sp
                    push r3
                    push r2
                    push r1
                    push zero
                    iret
                    li   r1, 9
                    li   r2, 0x0badbad0
                    int  32
                after:
                    li   r1, 1
                    li   r2, 5
                    int  32
                """,
        };
        var runs = MonitorHarness.AssertEquivalent(kernel.Build());
        Assert.Equal(2, runs[0].Console.Split("T 00000005").Length - 1);
        Assert.Contains("0badbad0", runs[0].Console);
        Assert.Equal(5u, runs[0].Result.ExitStatus);
    }
}
