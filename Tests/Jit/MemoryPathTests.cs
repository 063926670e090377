// The JIT's memory fast path (Jit/CodeGenerator.cs, Memory/Tlb.cs): the TLB entry's per-ring
// tags and host addend agree with its canonical fields, frames that gain decoded code lose
// the fast store path, and code and data on one page stay in compiled code. The random
// memory idioms are in RandomProgramTests.MemoryIdiomsBehaveTheSameOnBothEngines.
using System.Runtime.InteropServices;
using R4.Machine;

namespace R4.Tests.Jit;

public unsafe class MemoryPathTests
{
    [Fact]
    public void TheEntryOffsetsGeneratedCodeUsesAreTheStructsOwn()
    {
        Assert.Equal(1 << Tlb.EntryShift, sizeof(TlbEntry));
        Assert.Equal(Tlb.OffsetTag, (int)Marshal.OffsetOf<TlbEntry>(nameof(TlbEntry.Tag)));
        Assert.Equal(Tlb.OffsetFrame, (int)Marshal.OffsetOf<TlbEntry>(nameof(TlbEntry.Frame)));
        Assert.Equal(Tlb.OffsetPerms, (int)Marshal.OffsetOf<TlbEntry>(nameof(TlbEntry.Perms)));
        Assert.Equal(Tlb.OffsetReadTags, (int)Marshal.OffsetOf<TlbEntry>(nameof(TlbEntry.ReadTags)));
        Assert.Equal(Tlb.OffsetWriteTags, (int)Marshal.OffsetOf<TlbEntry>(nameof(TlbEntry.WriteTags)));
        Assert.Equal(Tlb.OffsetAddend, (int)Marshal.OffsetOf<TlbEntry>(nameof(TlbEntry.Addend)));
    }

    /// <summary>Each (kind, ring) tag is the page exactly when the canonical permission bit allows
    /// the access; write tags are invalid while the frame holds code; the addend reaches the frame.</summary>
    [Theory]
    [InlineData(0x1Fu, false)]   // present, writable, executable, ring 3
    [InlineData(0x0Bu, false)]   // present, read-only, ring 1
    [InlineData(0x17u, true)]    // present, writable, ring 2, code in the frame
    [InlineData(0x03u, false)]   // present, writable, ring 0
    public void FastTagsAgreeWithThePermissionBits(uint pteLowBits, bool frameHasCode)
    {
        byte* ram = (byte*)0x10000000;
        foreach (bool inside in new[] { true, false })
        {
            uint page = 0x00403000, frame = 0x7000, pte = frame | pteLowBits;
            uint perms = Tlb.PermissionsOf(pte, inside, PageProtection.Rings);
            var e = Tlb.Make(page, frame, pte, perms, ram, frameHasCode);
            for (int ring = 0; ring < 4; ring++)
            {
                bool read = (perms & Tlb.PermissionBit(AccessKind.Read, ring)) != 0;
                bool write = (perms & Tlb.PermissionBit(AccessKind.Write, ring)) != 0 && !frameHasCode;
                Assert.Equal(read ? page : Tlb.InvalidTag, e.ReadTags[ring]);
                Assert.Equal(write ? page : Tlb.InvalidTag, e.WriteTags[ring]);
            }
            Assert.Equal((ulong)(ram + frame + 0x123), page + 0x123 + e.Addend);
        }
        var invalid = Tlb.Invalid;
        for (int ring = 0; ring < 4; ring++)
        {
            Assert.Equal(Tlb.InvalidTag, invalid.ReadTags[ring]);
            Assert.Equal(Tlb.InvalidTag, invalid.WriteTags[ring]);
        }
    }

    /// <summary>A store fills the TLB entry of a data page; once that frame becomes code (pc runs
    /// there), the entry's write tags are invalid, so a JIT store must check the decoded word.</summary>
    [Fact]
    public void AFrameThatGainsCodeLosesTheFastStorePath()
    {
        var image = ThroughputProgramTests.Assemble("""
            .entry _start
            _start:
                la   r1, later
                stw  zero, [r1 + 64]   ; fills the entry of later's page while it has no code
                jmp  later
                .align 4096
            later:
                hlt
            """);
        var (m, _) = Differential.Create(ExecutionEngine.Interpreter, 64 << 10);
        using (m)
        {
            m.Load(image);
            m.Run(3);   // la (lui, ori), stw
            TlbEntry* e = m.Cpu.Mmu.Entries + (0x1000u >> 12);
            Assert.Equal(0x1000u, e->WriteTags[0]);
            m.Run(10);
            Assert.Equal(0x1000u, e->Tag);
            Assert.Equal(Tlb.InvalidTag, e->WriteTags[0]);
            Assert.Equal(0x1000u, e->ReadTags[0]);
        }
    }

    /// <summary>A hot loop that keeps a counter and a buffer in the data words of its own code
    /// page: the stores go the checked way (the frame has code) but stay in compiled code, and
    /// since they never touch a decoded word no compiled code is lost.</summary>
    [Fact]
    public void CodeAndDataOnOnePageStayCompiled()
    {
        var image = ThroughputProgramTests.Assemble("""
            .entry _start
            _start:
                li   r1, 3000
                la   r2, counter
            loop:
                ldw  r3, [r2]
                addi r3, r3, 1
                stw  r3, [r2]
                ldw  r7, [r2]          ; the same address after the checked store
                add  r3, r3, r7
                stb  r3, [r2 + 5]
                ldbu r4, [r2 + 5]
                sth  r4, [r2 + 6]
                addi r1, r1, -1
                bne  r1, zero, loop
                hlt
            counter:
                .word 0, 0
            """);
        Differential.RunBoth(64 << 10, m => m.Load(image), [7, 1000, 1_000_000], "code and data on one page");
        var (jit, _) = Differential.Create(ExecutionEngine.Jit, 64 << 10);
        using (jit)
        {
            jit.Load(image);
            jit.Run();
            Assert.True(jit.Cpu.JitRegionsCompiled >= 1);
            Assert.Equal(0u, jit.Cpu.CodeCache.PageGeneration[0]);   // no decoded word was overwritten
        }
    }

    /// <summary>Stores into code words of the running loop, each right after a load at the same
    /// address (the generated code reuses the load's translation and must still see that the
    /// frame holds code), in every size and through a cached and an uncached base: the loop
    /// runs the instruction it just wrote, alternating two immediates.</summary>
    [Theory]
    [InlineData("ldw r3, [r9]", "stw r5, [r9]")]
    [InlineData("ldw r3, [r9]", "sth r5, [r9]")]
    [InlineData("ldbu r3, [r9]", "stb r5, [r9]")]
    [InlineData("stw r3, [r9]", "stw r5, [r9]")]
    [InlineData("ldw r3, [r13 + 4]", "stw r5, [r13 + 4]")]
    public void StoresIntoCodeAfterAnAccessAtTheSameAddressAreSeen(string first, string store)
    {
        var image = ThroughputProgramTests.Assemble($"""
            .entry _start
            _start:
                li   r1, 200
                la   r9, target
                la   r13, target - 4
                la   r8, template
                ldw  r5, [r8]
                ldw  r6, [r8 + 4]
                ldw  r3, [r9]
            loop:
                {first}
                {store}
                xor  r5, r5, r6
                xor  r6, r6, r5
                xor  r5, r5, r6
            target:
                addi r2, r2, 1
                addi r1, r1, -1
                bne  r1, zero, loop
                hlt
            template:
                addi r2, r2, 2
                addi r2, r2, 3
            """);
        Differential.RunBoth(64 << 10, m => m.Load(image), [50, 1_000_000], $"{first}; {store}");
    }
}
