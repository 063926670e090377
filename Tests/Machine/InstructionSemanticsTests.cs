// Per-instruction semantics, driven by the instruction table: every row has at least one
// case here (EveryRowOfTheTableHasACase checks it), with exact results, the r0 rule, the
// division rules, alignment and all-or-nothing faults.
using System.Reflection;
using R4.Isa;
using R4.Machine;

namespace R4.Tests.Machine;

public class InstructionSemanticsTests
{
    private const uint IntMin = 0x80000000;

    /// <summary>op rd=r1, rs=r2 (a), rt=r3 (b) → expected r1.</summary>
    public static readonly TheoryData<Opcode, uint, uint, uint> RegisterAlu = new()
    {
        { Opcode.Add, 1, 2, 3 }, { Opcode.Add, 0xFFFFFFFF, 1, 0 },
        { Opcode.Sub, 5, 7, 0xFFFFFFFE }, { Opcode.Sub, 0, IntMin, IntMin },
        { Opcode.And, 0xF0F0F0F0, 0xFF00FF00, 0xF000F000 },
        { Opcode.Or, 0xF0F0F0F0, 0x0F000000, 0xFFF0F0F0 },
        { Opcode.Xor, 0xFFFF0000, 0xF0F0F0F0, 0x0F0FF0F0 },
        { Opcode.Shl, 1, 31, IntMin }, { Opcode.Shl, 1, 33, 2 }, { Opcode.Shl, 0x80000001, 32, 0x80000001 },
        { Opcode.Shr, IntMin, 31, 1 }, { Opcode.Shr, IntMin, 32, IntMin }, { Opcode.Shr, 0xF0000000, 4, 0x0F000000 },
        { Opcode.Sar, IntMin, 31, 0xFFFFFFFF }, { Opcode.Sar, 0xF0000000, 4, 0xFF000000 }, { Opcode.Sar, 0x70000000, 36, 0x07000000 },
        { Opcode.Mul, 0xFFFFFFFF, 0xFFFFFFFF, 1 }, { Opcode.Mul, 70000, 70000, unchecked((uint)(70000L * 70000L)) },
        { Opcode.Mulh, unchecked((uint)-2), 3, 0xFFFFFFFF }, { Opcode.Mulh, IntMin, IntMin, 0x40000000 }, { Opcode.Mulh, 0x10000, 0x10000, 1 },
        { Opcode.Mulhu, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFE }, { Opcode.Mulhu, unchecked((uint)-2), 3, 2 },
        { Opcode.Div, 7, 2, 3 }, { Opcode.Div, unchecked((uint)-7), 2, unchecked((uint)-3) }, { Opcode.Div, 7, unchecked((uint)-2), unchecked((uint)-3) },
        { Opcode.Div, IntMin, 0xFFFFFFFF, IntMin }, { Opcode.Div, 5, 0xFFFFFFFF, unchecked((uint)-5) },
        { Opcode.Divu, 0xFFFFFFFE, 2, 0x7FFFFFFF }, { Opcode.Divu, 7, 0xFFFFFFFF, 0 },
        { Opcode.Rem, unchecked((uint)-7), 2, 0xFFFFFFFF }, { Opcode.Rem, 7, unchecked((uint)-2), 1 }, { Opcode.Rem, IntMin, 0xFFFFFFFF, 0 },
        { Opcode.Remu, 0xFFFFFFFF, 10, 5 }, { Opcode.Remu, 3, 0xFFFFFFFF, 3 },
        { Opcode.Slt, 0xFFFFFFFF, 0, 1 }, { Opcode.Slt, 0, 0xFFFFFFFF, 0 }, { Opcode.Slt, 4, 4, 0 },
        { Opcode.Sltu, 0xFFFFFFFF, 0, 0 }, { Opcode.Sltu, 0, 0xFFFFFFFF, 1 },
    };

    [Theory]
    [MemberData(nameof(RegisterAlu))]
    public void RegisterAluComputesExactResults(Opcode opcode, uint a, uint b, uint expected)
    {
        var p = new ProgramBuilder().Li(2, a).Li(3, b).Emit(opcode, 1, 2, 3).PowerOff();
        var (m, result) = MachineHarness.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(expected, m.Reg(1));
        Assert.Equal(a, m.Reg(2));
        Assert.Equal(b, m.Reg(3));
    }

    /// <summary>op rd=r1, rs=r2 (a), imm → expected r1.</summary>
    public static readonly TheoryData<Opcode, uint, int, uint> ImmediateAlu = new()
    {
        { Opcode.Addi, 5, -1, 4 }, { Opcode.Addi, 0xFFFFFFFF, 1, 0 }, { Opcode.Addi, 0, -32768, 0xFFFF8000 },
        { Opcode.Andi, 0xFFFFFFFF, 0x8000, 0x8000 }, { Opcode.Andi, 0x12345678, 0xFFFF, 0x5678 },
        { Opcode.Ori, 0xF0000000, 0x8001, 0xF0008001 },
        { Opcode.Xori, 0xFFFF0000, 0xFFFF, 0xFFFFFFFF }, { Opcode.Xori, 0xFFFFFFFF, 0x8000, 0xFFFF7FFF },
        { Opcode.Slti, unchecked((uint)-5), -4, 1 }, { Opcode.Slti, 5, -4, 0 },
        { Opcode.Sltiu, 5, -1, 1 }, { Opcode.Sltiu, 0xFFFFFFFF, -1, 0 }, { Opcode.Sltiu, 0x8000, 0x7FFF, 0 },
        { Opcode.Shli, 1, 31, IntMin }, { Opcode.Shli, 0x12345678, 0, 0x12345678 },
        { Opcode.Shri, IntMin, 31, 1 }, { Opcode.Shri, 0xFFFFFFFF, 16, 0xFFFF },
        { Opcode.Sari, IntMin, 31, 0xFFFFFFFF }, { Opcode.Sari, 0x7FFFFFFF, 30, 1 },
    };

    [Theory]
    [MemberData(nameof(ImmediateAlu))]
    public void ImmediateAluExtendsAsTheFormSays(Opcode opcode, uint a, int imm, uint expected)
    {
        var p = new ProgramBuilder().Li(2, a).Emit(opcode, 1, 2, imm: imm).PowerOff();
        var (m, result) = MachineHarness.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(expected, m.Reg(1));
    }

    [Fact]
    public void LuiShiftsItsImmediateIntoTheHighHalf()
    {
        var p = new ProgramBuilder().Li(1, 0xFFFFFFFF).Emit(Opcode.Lui, 1, imm: 0xABCD).PowerOff();
        var (m, _) = MachineHarness.Run(p);
        Assert.Equal(0xABCD0000u, m.Reg(1));
    }

    [Fact]
    public void WritesToR0AreDiscarded()
    {
        var p = new ProgramBuilder().Li(2, 7).Emit(Opcode.Add, 0, 2, 2).Emit(Opcode.Addi, 0, 2, imm: 1)
            .Emit(Opcode.Lui, 0, imm: 5).Emit(Opcode.Add, 1, 0, 0).Emit(Opcode.Rdtick, 0).Emit(Opcode.Or, 3, 0, 0).PowerOff();
        var (m, _) = MachineHarness.Run(p);
        Assert.Equal(0u, m.Reg(0));
        Assert.Equal(0u, m.Reg(1));
        Assert.Equal(0u, m.Reg(3));
    }

    [Theory]
    [InlineData(Opcode.Div)]
    [InlineData(Opcode.Divu)]
    [InlineData(Opcode.Rem)]
    [InlineData(Opcode.Remu)]
    public void DivisionByZeroRaisesDivideErrorAndChangesNothing(Opcode opcode)
    {
        var p = new ProgramBuilder().Li(1, 0x1111).Li(2, 9).Label("div").Emit(opcode, 1, 2, 0).PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        TrapCatcher.AssertTrap(m, result, Vectors.DivideError, p.AddressOf("div"));
        Assert.Equal(0x1111u, m.Reg(1));
    }

    // ---- loads and stores -------------------------------------------------------------------

    private const uint Data = 0x4000;

    /// <summary>op rd=r1, [r2 = Data + 4 + baseOffset, offset] with the word 0x8899AABB at Data + 4.</summary>
    public static readonly TheoryData<Opcode, int, uint> Loads = new()
    {
        { Opcode.Ldw, 4, 0x8899AABB }, { Opcode.Ldw, 8, 0x11223344 },
        { Opcode.Ldh, 6, 0xFFFF8899 }, { Opcode.Ldh, 8, 0x3344 },
        { Opcode.Ldhu, 6, 0x8899 }, { Opcode.Ldhu, 4, 0xAABB },
        { Opcode.Ldb, 7, 0xFFFFFF88 }, { Opcode.Ldb, 8, 0x44 },
        { Opcode.Ldbu, 7, 0x88 }, { Opcode.Ldbu, 4, 0xBB },
    };

    [Theory]
    [MemberData(nameof(Loads))]
    public void LoadsReadLittleEndianAndExtend(Opcode opcode, int offset, uint expected)
    {
        foreach (int baseBias in new[] { 0, 0x100 })   // positive and negative displacement
        {
            var p = new ProgramBuilder().Li(2, Data + (uint)baseBias).Emit(opcode, 1, 2, imm: offset - baseBias).PowerOff();
            var m = MachineHarness.Load(p);
            m.Poke(Data + 4, 0x8899AABB);
            m.Poke(Data + 8, 0x11223344);
            MachineHarness.AssertPoweredOff(m.Run(100));
            Assert.Equal(expected, m.Reg(1));
        }
    }

    /// <summary>op [r2 = Data, offset] = r1 (0xCAFEBABE) over 0x11111111 words → the two words after.</summary>
    public static readonly TheoryData<Opcode, int, uint, uint> Stores = new()
    {
        { Opcode.Stw, 0, 0xCAFEBABE, 0x11111111 }, { Opcode.Stw, 4, 0x11111111, 0xCAFEBABE },
        { Opcode.Sth, 0, 0x1111BABE, 0x11111111 }, { Opcode.Sth, 2, 0xBABE1111, 0x11111111 },
        { Opcode.Stb, 3, 0xBE111111, 0x11111111 }, { Opcode.Stb, 5, 0x11111111, 0x1111BE11 },
    };

    [Theory]
    [MemberData(nameof(Stores))]
    public void StoresWriteOnlyTheirBytes(Opcode opcode, int offset, uint word0, uint word1)
    {
        var p = new ProgramBuilder().Li(2, Data).Li(1, 0xCAFEBABE).Emit(opcode, rs: 2, rt: 1, imm: offset).PowerOff();
        var m = MachineHarness.Load(p);
        m.Poke(Data, 0x11111111);
        m.Poke(Data + 4, 0x11111111);
        MachineHarness.AssertPoweredOff(m.Run(100));
        Assert.Equal(word0, m.Word(Data));
        Assert.Equal(word1, m.Word(Data + 4));
    }

    [Theory]
    [InlineData(Opcode.Ldw, 1)] [InlineData(Opcode.Ldw, 2)] [InlineData(Opcode.Ldh, 1)] [InlineData(Opcode.Ldhu, 3)]
    [InlineData(Opcode.Stw, 3)] [InlineData(Opcode.Sth, 1)]
    public void MisalignedAccessRaisesAlignmentCheckWithTheAddressInFault(Opcode opcode, int offset)
    {
        bool store = InstructionTable.Get(opcode).Form == OperandForm.RtMemory;
        var p = new ProgramBuilder().Li(2, Data).Li(1, 0x5555).Label("access");
        p = store ? p.Emit(opcode, rs: 2, rt: 1, imm: offset) : p.Emit(opcode, 1, 2, imm: offset);
        p.PowerOff();
        var (m, result) = TrapCatcher.Run(p, setup: m => m.Poke(Data, 0x77777777));
        TrapCatcher.AssertTrap(m, result, Vectors.Alignment, p.AddressOf("access"));
        Assert.Equal(Data + (uint)offset, m.Cr(ControlRegister.Fault));
        Assert.Equal(0x5555u, m.Reg(1));
        Assert.Equal(0x77777777u, m.Word(Data));
    }

    [Fact]
    public void AccessOutsideRamRaisesMachineCheck()
    {
        var p = new ProgramBuilder().Li(2, MachineHarness.SmallMemoryBytes).Li(1, 3).Label("access").Emit(Opcode.Ldw, 1, 2, imm: 0).PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        TrapCatcher.AssertTrap(m, result, Vectors.MachineCheck, p.AddressOf("access"));
        Assert.Equal(3u, m.Reg(1));
        Assert.Equal(0u, m.Cr(ControlRegister.Fault));
    }

    // ---- stack ----------------------------------------------------------------------------------

    [Fact]
    public void PushAndPopMoveSpAndData()
    {
        var p = new ProgramBuilder().Li(14, 0x6000).Li(1, 0xAAAA).Li(2, 0xBBBB)
            .Emit(Opcode.Push, rs: 1).Emit(Opcode.Push, rs: 2).Emit(Opcode.Pop, 3).Emit(Opcode.Pop, 4)
            .Emit(Opcode.Push, rs: 14).Emit(Opcode.Pop, 5)   // push sp stores the old sp
            .Emit(Opcode.Push, rs: 1).Emit(Opcode.Pop, 14)   // pop sp leaves the loaded word
            .PowerOff();
        var (m, result) = MachineHarness.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(0xBBBBu, m.Reg(3));
        Assert.Equal(0xAAAAu, m.Reg(4));
        Assert.Equal(0x6000u, m.Reg(5));
        Assert.Equal(0xAAAAu, m.Reg(14));
        Assert.Equal(0xAAAAu, m.Word(0x5FFC));
        Assert.Equal(0xBBBBu, m.Word(0x5FF8));
    }

    [Theory]
    [InlineData(Opcode.Push, 0x6002u, Vectors.Alignment)]
    [InlineData(Opcode.Pop, 0x6001u, Vectors.Alignment)]
    [InlineData(Opcode.Push, 0u, Vectors.MachineCheck)]                                // sp - 4 wraps outside RAM
    [InlineData(Opcode.Pop, MachineHarness.SmallMemoryBytes, Vectors.MachineCheck)]
    public void FaultingPushOrPopChangesNeitherSpNorRegisters(Opcode opcode, uint sp, int vector)
    {
        // Runs at ring 3 so the trap frame goes to ksp0 and its saved sp shows sp untouched.
        var p = new ProgramBuilder().EnterRing(3, "user", stack: sp).Label("user").Li(1, 0x1234).Label("op");
        p = opcode == Opcode.Push ? p.Emit(Opcode.Push, rs: 1) : p.Emit(Opcode.Pop, 1);
        p.PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        TrapCatcher.AssertTrap(m, result, vector, p.AddressOf("op"));
        Assert.Equal(sp, m.Reg(8));
        Assert.Equal(0x1234u, m.Reg(1));
        if (vector == Vectors.Alignment)
            Assert.Equal(opcode == Opcode.Push ? sp - 4 : sp, m.Cr(ControlRegister.Fault));
    }

    // ---- branches and jumps ---------------------------------------------------------------------

    public static readonly TheoryData<Opcode, uint, uint, bool> Branches = new()
    {
        { Opcode.Beq, 5, 5, true }, { Opcode.Beq, 5, 6, false },
        { Opcode.Bne, 5, 6, true }, { Opcode.Bne, 5, 5, false },
        { Opcode.Blt, 0xFFFFFFFF, 0, true }, { Opcode.Blt, 0, 0xFFFFFFFF, false }, { Opcode.Blt, 3, 3, false },
        { Opcode.Bge, 0, 0xFFFFFFFF, true }, { Opcode.Bge, 3, 3, true }, { Opcode.Bge, 0xFFFFFFFF, 0, false },
        { Opcode.Bltu, 0, 0xFFFFFFFF, true }, { Opcode.Bltu, 0xFFFFFFFF, 0, false },
        { Opcode.Bgeu, 0xFFFFFFFF, 0, true }, { Opcode.Bgeu, 3, 3, true }, { Opcode.Bgeu, 0, 1, false },
    };

    [Theory]
    [MemberData(nameof(Branches))]
    public void BranchesCompareAsTheirNameSays(Opcode opcode, uint a, uint b, bool taken)
    {
        // Forward and backward targets: the branch sits between two landing pads.
        var p = new ProgramBuilder().Li(2, a).Li(3, b).Jump(Opcode.Jmp, "branch")
            .Label("back").Emit(Opcode.Addi, 1, 0, imm: 2).PowerOff()
            .Label("branch").Branch(opcode, 2, 3, "forward")
            .Emit(Opcode.Addi, 1, 0, imm: 1).Branch(opcode, 2, 3, "back").PowerOff()
            .Label("forward").Emit(Opcode.Addi, 4, 0, imm: 9).Branch(opcode, 2, 3, "back").PowerOff();
        var (m, result) = MachineHarness.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(taken ? 2u : 1u, m.Reg(1));
        Assert.Equal(taken ? 9u : 0u, m.Reg(4));
    }

    [Fact]
    public void JumpsAndCallsSetPcAndLr()
    {
        var p = new ProgramBuilder()
            .Jump(Opcode.Call, "f").Label("afterCall")
            .La(2, "g").Emit(Opcode.Callr, rs: 2).Label("afterCallr")
            .La(3, "end").Emit(Opcode.Jr, rs: 3)
            .Emit(Opcode.Addi, 9, 0, imm: 1)   // skipped
            .Label("f").Emit(Opcode.Add, 5, 15, 0).Emit(Opcode.Jr, rs: 15)
            .Label("g").Emit(Opcode.Add, 6, 15, 0).Emit(Opcode.Jr, rs: 15)
            .Label("end").La(15, "h").Emit(Opcode.Callr, rs: 15).Label("afterSelf")   // callr lr: target read first
            .Label("h").Emit(Opcode.Add, 7, 15, 0).Jump(Opcode.Jmp, "out")
            .Emit(Opcode.Addi, 9, 0, imm: 2)
            .Label("out").PowerOff();
        var (m, result) = MachineHarness.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(p.AddressOf("afterCall"), m.Reg(5));
        Assert.Equal(p.AddressOf("afterCallr"), m.Reg(6));
        Assert.Equal(p.AddressOf("afterSelf"), m.Reg(7));
        Assert.Equal(0u, m.Reg(9));
    }

    [Fact]
    public void JumpToAMisalignedAddressRaisesAlignmentAtTheFetch()
    {
        var p = new ProgramBuilder().Li(2, 0x2002).Emit(Opcode.Jr, rs: 2).PowerOff();
        var (m, result) = TrapCatcher.Run(p);
        TrapCatcher.AssertTrap(m, result, Vectors.Alignment, 0x2002);
        Assert.Equal(0x2002u, m.Cr(ControlRegister.Fault));
    }

    // ---- system instructions at any ring ------------------------------------------------------

    [Fact]
    public void NopChangesOnlyPcAndTime()
    {
        var p = new ProgramBuilder().Emit(Opcode.Nop).Emit(Opcode.Nop).PowerOff();
        var (m, result) = MachineHarness.Run(p);
        MachineHarness.AssertPoweredOff(result);
        Assert.Equal(3ul, m.Statistics.Instructions);
        for (int r = 0; r < 16; r++) Assert.Equal(0u, m.Reg(r));
    }

    [Fact]
    public void RdtickReadsInstructionsRetiredBeforeIt()
    {
        var p = new ProgramBuilder().Emit(Opcode.Nop).Emit(Opcode.Nop).Emit(Opcode.Rdtick, 1).Emit(Opcode.Rdtick, 2).PowerOff();
        var (m, _) = MachineHarness.Run(p);
        Assert.Equal(2u, m.Reg(1));
        Assert.Equal(3u, m.Reg(2));
    }

    [Fact]
    public void UndefinedWordsRaiseUd()
    {
        foreach (uint word in new uint[] { 0, 0xFF000000, 0x01000001, (uint)Opcode.Mfcr << 24 | 1 << 20 | 10, 0x13000000 })
        {
            var p = new ProgramBuilder().Emit(Opcode.Nop).Label("bad").Word(word).PowerOff();
            var (m, result) = TrapCatcher.Run(p);
            TrapCatcher.AssertTrap(m, result, Vectors.UndefinedInstruction, p.AddressOf("bad"));
        }
    }

    // ---- coverage --------------------------------------------------------------------------------

    /// <summary>Instructions whose semantics are tested by named tests elsewhere.</summary>
    private static readonly (Opcode Opcode, Type Class, string Test)[] CoveredByNamedTests =
    [
        (Opcode.Lui, typeof(InstructionSemanticsTests), nameof(LuiShiftsItsImmediateIntoTheHighHalf)),
        (Opcode.Push, typeof(InstructionSemanticsTests), nameof(PushAndPopMoveSpAndData)),
        (Opcode.Pop, typeof(InstructionSemanticsTests), nameof(PushAndPopMoveSpAndData)),
        (Opcode.Jmp, typeof(InstructionSemanticsTests), nameof(JumpsAndCallsSetPcAndLr)),
        (Opcode.Call, typeof(InstructionSemanticsTests), nameof(JumpsAndCallsSetPcAndLr)),
        (Opcode.Jr, typeof(InstructionSemanticsTests), nameof(JumpsAndCallsSetPcAndLr)),
        (Opcode.Callr, typeof(InstructionSemanticsTests), nameof(JumpsAndCallsSetPcAndLr)),
        (Opcode.Nop, typeof(InstructionSemanticsTests), nameof(NopChangesOnlyPcAndTime)),
        (Opcode.Rdtick, typeof(InstructionSemanticsTests), nameof(RdtickReadsInstructionsRetiredBeforeIt)),
        (Opcode.Int, typeof(TrapTests), nameof(TrapTests.IntFromRing3SwitchesToKsp0AndPushesTheExactFrame)),
        (Opcode.Brk, typeof(TrapTests), nameof(TrapTests.BrkRaisesBreakpointWithTheNextPcSaved)),
        (Opcode.Iret, typeof(IretTests), nameof(IretTests.IretReturnsToTheFramesPcStatusAndSp)),
        (Opcode.Hlt, typeof(HaltTests), nameof(HaltTests.HltWithInterruptsDisabledPowersOffWithStatusZero)),
        (Opcode.Cli, typeof(SystemInstructionTests), nameof(SystemInstructionTests.CliAndStiSetIe)),
        (Opcode.Sti, typeof(SystemInstructionTests), nameof(SystemInstructionTests.CliAndStiSetIe)),
        (Opcode.Tlbflush, typeof(PagingTests), nameof(PagingTests.PteEditTakesEffectOnlyAfterInvalidation)),
        (Opcode.Invlpg, typeof(PagingTests), nameof(PagingTests.PteEditTakesEffectOnlyAfterInvalidation)),
        (Opcode.Mfcr, typeof(SystemInstructionTests), nameof(SystemInstructionTests.ControlRegistersRoundTripThroughMtcrAndMfcr)),
        (Opcode.Mtcr, typeof(SystemInstructionTests), nameof(SystemInstructionTests.ControlRegistersRoundTripThroughMtcrAndMfcr)),
        (Opcode.In, typeof(SystemInstructionTests), nameof(SystemInstructionTests.InAndOutReachTheDeviceBus)),
        (Opcode.Out, typeof(SystemInstructionTests), nameof(SystemInstructionTests.InAndOutReachTheDeviceBus)),
    ];

    [Fact]
    public void EveryRowOfTheTableHasACase()
    {
        var covered = new HashSet<Opcode>();
        foreach (var data in new IEnumerable<object[]>[] { RegisterAlu, ImmediateAlu, Loads, Stores, Branches })
            foreach (var row in data) covered.Add((Opcode)row[0]);
        foreach (var (opcode, type, test) in CoveredByNamedTests)
        {
            Assert.NotNull(type.GetMethod(test, BindingFlags.Public | BindingFlags.Instance));
            covered.Add(opcode);
        }
        var missing = InstructionTable.All.Where(i => !covered.Contains(i.Opcode)).Select(i => i.Mnemonic).ToList();
        Assert.True(missing.Count == 0, "no semantics case for: " + string.Join(", ", missing));
    }
}
