// One test per error message: the exact formatted diagnostic (file:line:col, message, the
// source line and a caret under the column). Plus: every error of a file is reported, at
// most one per statement, and a failed assembly has no image.
using R4.Assembler;

namespace R4.Tests.AssemblerTests;

public class ErrorTests
{
    public static IEnumerable<object[]> Messages =>
    [
        ["UnterminatedCharacter", " ldb r1, 'x", "e.asm:1:10: error: missing closing quote of the character literal\n ldb r1, 'x\n         ^"],
        ["CharacterLiteralLength", " .byte 'ab'", "e.asm:1:8: error: a character literal holds exactly one character\n .byte 'ab'\n       ^"],
        ["UnexpectedCharacter", " nop @", "e.asm:1:6: error: unexpected character '@'\n nop @\n     ^"],
        ["BackslashAtEnd", " .ascii \"abc\\", "e.asm:1:13: error: a backslash must be followed by an escape character\n .ascii \"abc\\\n            ^"],
        ["UnknownEscape", " .ascii \"a\\qb\"", "e.asm:1:11: error: unknown escape '\\q' (known: \\n \\t \\r \\0 \\\\ \\' \\\")\n .ascii \"a\\qb\"\n          ^"],
        ["UnterminatedString", " .ascii \"abc", "e.asm:1:9: error: missing closing quote of the string\n .ascii \"abc\n        ^"],
        ["MalformedNumber", " .word 12ab", "e.asm:1:8: error: malformed number '12ab'\n .word 12ab\n       ^"],
        ["NumberTooLarge", " .word 99999999999999999999", "e.asm:1:8: error: number '99999999999999999999' is too large\n .word 99999999999999999999\n       ^"],
        ["DefinedNeedsName", " .word defined(3)", "e.asm:1:16: error: defined() takes a symbol name, found '3'\n .word defined(3)\n               ^"],
        ["JunkAfterExpression", " .word 1 2", "e.asm:1:10: error: unexpected '2' after the expression\n .word 1 2\n         ^"],
        ["ExpectedExpression", " .word *", "e.asm:1:8: error: expected an expression, found '*'\n .word *\n       ^"],
        ["MissingParenthesis", " .word (1 + 2", "e.asm:1:14: error: missing ')' for the '(' at column 8, found end of line\n .word (1 + 2\n             ^"],
        ["DivisionByZero", " .word 1 / 0", "e.asm:1:10: error: division by zero\n .word 1 / 0\n         ^"],
        ["ShiftCountInExpression", " .word 1 << 64", "e.asm:1:10: error: shift count 64 is out of range (0..63)\n .word 1 << 64\n         ^"],
        ["NotAStatement", " 5 nop", "e.asm:1:2: error: expected an instruction, directive or label, found '5'\n 5 nop\n ^"],
        ["MissingOperandBeforeComma", " add r1, , r2", "e.asm:1:10: error: missing operand before ','\n add r1, , r2\n         ^"],
        ["MissingOperandAfterComma", " add r1, r2,", "e.asm:1:13: error: missing operand after ','\n add r1, r2,\n            ^"],
        ["NestedMacroDefinition", ".macro m\n.macro n\n.endm", "e.asm:2:1: error: '.macro' inside the definition of macro 'm' (is its '.endm' missing?)\n.macro n\n^"],
        ["ElseWithoutIf", " .else", "e.asm:1:2: error: '.else' without '.if'\n .else\n ^"],
        ["SecondElse", ".if 1\n.else\n.else\n.endif", "e.asm:3:1: error: second '.else' for the '.if' at line 1\n.else\n^"],
        ["EndifWithoutIf", " .endif", "e.asm:1:2: error: '.endif' without '.if'\n .endif\n ^"],
        ["EndmWithoutMacro", " .endm", "e.asm:1:2: error: '.endm' without '.macro'\n .endm\n ^"],
        ["JunkAfterEndif", ".if 1\n.endif junk", "e.asm:2:8: error: unexpected 'junk' after '.endif'\n.endif junk\n       ^"],
        ["LabelOnEndif", ".if 1\nx: .endif", "e.asm:2:1: error: a label cannot be on a '.endif' line; put it on a line of its own\nx: .endif\n^"],
        ["IfWithoutEndif", "nop\n .if 1\nnop", "e.asm:2:2: error: '.if' without '.endif'\n .if 1\n ^"],
        ["MacroWithoutEndm", ".macro m\nnop", "e.asm:1:1: error: '.macro' without '.endm'\n.macro m\n^"],
        ["MacroWithoutName", ".macro\n.endm", "e.asm:1:7: error: '.macro' needs a name, found end of line\n.macro\n      ^"],
        ["MacroNamedLikeAnInstruction", ".macro add\n.endm", "e.asm:1:8: error: macro name 'add' is already an instruction\n.macro add\n       ^"],
        ["MacroDefinedTwice", ".macro m\n.endm\n.macro m\n.endm", "e.asm:3:8: error: macro 'm' is already defined at e.asm:1\n.macro m\n       ^"],
        ["MacroParametersNeedCommas", ".macro m a b\n.endm", "e.asm:1:12: error: expected ',' between macro parameters, found 'b'\n.macro m a b\n           ^"],
        ["MacroParameterName", ".macro m 1\n.endm", "e.asm:1:10: error: expected a parameter name, found '1'\n.macro m 1\n         ^"],
        ["MacroParameterTwice", ".macro m a, a\n.endm", "e.asm:1:13: error: parameter 'a' appears twice\n.macro m a, a\n            ^"],
        ["MacroArgumentCount", ".macro m a, b\n.endm\n m 1", "e.asm:3:2: error: macro 'm' expects 2 arguments (a, b), got 1\n m 1\n ^"],
        ["MacroRecursion", ".macro m\n m\n.endm\n m", "e.asm:2:2: error: macro expansions nested more than 64 deep (does 'm' expand itself?) (in macro 'm' expanded at e.asm:4)\n m\n ^"],
        ["UnknownMacroParameter", ".macro m a\n add \\b, r0, r0\n.endm\n m r1", "e.asm:2:6: error: unknown macro parameter '\\b' (parameters of 'm': a) (in macro 'm' expanded at e.asm:4)\n add \\b, r0, r0\n     ^"],
        ["ErrorInsideMacroExpansion", ".macro load r, v\n addi \\r, r0, \\v\n.endm\n load r1, 1\n load r2, 40000", "e.asm:2:15: error: immediate 40000 does not fit in signed 16 bits (-32768..32767) (in macro 'load' expanded at e.asm:5)\n addi r2, r0, 40000\n              ^"],
        ["MissingInclude", " .include \"nope.inc\"", "e.asm:1:11: error: cannot read include 'nope.inc': no such file\n .include \"nope.inc\"\n          ^"],
        ["OperandCount", " add r1, r2", "e.asm:1:12: error: 'add' expects 3 operands (rd, rs, rt), got 2\n add r1, r2\n           ^"],
        ["UnknownControlRegister", " mfcr r1, bogus", "e.asm:1:11: error: unknown control register 'bogus' (expected one of status, ivt, ptbr, ksp0, ksp1, ksp2, fault, rmap, scratch0, scratch1)\n mfcr r1, bogus\n          ^"],
        ["ValueDoesNotFit32Bits", " li r1, 0x100000000", "e.asm:1:9: error: value 4294967296 does not fit in 32 bits (-2147483648..4294967295)\n li r1, 0x100000000\n        ^"],
        ["RegisterWhereExpressionExpected", " li r1, r2", "e.asm:1:9: error: expected an expression, found register 'r2'\n li r1, r2\n        ^"],
        ["JunkAfterRegister", " push r1 r2", "e.asm:1:10: error: unexpected 'r2' after register 'r1'\n push r1 r2\n         ^"],
        ["ExpectedRegister", " push 5", "e.asm:1:7: error: expected a register (r0..r15, zero, fp, sp, lr) for rs, found '5'\n push 5\n      ^"],
        ["ExpectedMemoryOperand", " ldw r1, r2", "e.asm:1:10: error: expected a memory operand [rs], [rs + offset] or [rs - offset], found 'r2'\n ldw r1, r2\n         ^"],
        ["ExpectedBaseRegister", " ldw r1, [5]", "e.asm:1:11: error: expected a base register after '[', found '5'\n ldw r1, [5]\n          ^"],
        ["MissingBracket", " ldw r1, [r2 + 4", "e.asm:1:17: error: missing ']' at the end of a memory operand [rs], [rs + offset] or [rs - offset]\n ldw r1, [r2 + 4\n                ^"],
        ["ExpectedSignInMemoryOperand", " ldw r1, [r2 4]", "e.asm:1:14: error: expected '+', '-' or ']' after the base register, found '4'\n ldw r1, [r2 4]\n             ^"],
        ["Signed16", " addi r1, r0, 70000", "e.asm:1:15: error: immediate 70000 does not fit in signed 16 bits (-32768..32767)\n addi r1, r0, 70000\n              ^"],
        ["Unsigned16", " andi r1, r1, -1", "e.asm:1:15: error: immediate -1 does not fit in unsigned 16 bits (0..65535)\n andi r1, r1, -1\n              ^"],
        ["ShiftCount", " shli r1, r1, 32", "e.asm:1:15: error: shift count 32 is out of range (0..31)\n shli r1, r1, 32\n              ^"],
        ["MemoryOffset", " ldw r1, [r2 + 40000]", "e.asm:1:16: error: offset 40000 does not fit in signed 16 bits (-32768..32767)\n ldw r1, [r2 + 40000]\n               ^"],
        ["Vector", " int 64", "e.asm:1:6: error: interrupt vector 64 is out of range (0..63)\n int 64\n     ^"],
        ["Port", " out 0x10000, r1", "e.asm:1:6: error: port 65536 is out of range (0..65535)\n out 0x10000, r1\n     ^"],
        ["ControlRegisterNumber", " mfcr r1, 10", "e.asm:1:11: error: control register 10 does not exist (0..9)\n mfcr r1, 10\n          ^"],
        ["TargetNotAnAddress", " jmp 0x100000000", "e.asm:1:6: error: jump target 4294967296 is not a 32-bit address\n jmp 0x100000000\n     ^"],
        ["BranchTargetMisaligned", " beq r0, r0, 0x1002", "e.asm:1:14: error: branch target 0x00001002 is not 4-byte aligned\n beq r0, r0, 0x1002\n             ^"],
        ["BranchOutOfRange", " .org 0x40000\n beq r0, r0, 0x12345678", "e.asm:2:14: error: branch target 0x12345678 is out of range (offset 76289437 words, allowed -32768..32767)\n beq r0, r0, 0x12345678\n             ^"],
        ["JumpOutOfRange", " jmp 0x4000000", "e.asm:1:6: error: jump target 0x04000000 is out of range (offset 16777215 words, allowed -8388608..8388607)\n jmp 0x4000000\n     ^"],
        ["UnknownInstructionWithSuggestion", " addd r1, r2, r3", "e.asm:1:2: error: unknown instruction 'addd' (did you mean 'add'?)\n addd r1, r2, r3\n ^"],
        ["UnknownInstructionTransposed", " mvo r1, r2", "e.asm:1:2: error: unknown instruction 'mvo' (did you mean 'mov'?)\n mvo r1, r2\n ^"],
        ["UnknownInstructionNoSuggestion", " frobnicate r1", "e.asm:1:2: error: unknown instruction 'frobnicate'\n frobnicate r1\n ^"],
        ["InvalidSymbolName", "a.b: nop", "e.asm:1:1: error: 'a.b' is not a valid symbol name (letters, digits and '_'; a local label is '.name')\na.b: nop\n^"],
        ["RegisterAsLabel", "sp: nop", "e.asm:1:1: error: 'sp' is a register name and cannot name a symbol\nsp: nop\n^"],
        ["LocalLabelWithoutGlobal", ".x: nop", "e.asm:1:1: error: local label '.x' has no global label before it\n.x: nop\n^"],
        ["LocalReferenceWithoutGlobal", " .word .x", "e.asm:1:8: error: local label '.x' used before any global label\n .word .x\n       ^"],
        ["RegisterInExpression", " .word 1 + r3", "e.asm:1:12: error: register 'r3' cannot be used in an expression\n .word 1 + r3\n           ^"],
        ["LayoutNeedsEarlierValue", " .org later\nlater:", "e.asm:1:7: error: 'later' is defined after this line, but '.org' needs a value known here\n .org later\n      ^"],
        ["UndefinedSymbol", " beq r1, r2, nowhere", "e.asm:1:14: error: undefined symbol 'nowhere'\n beq r1, r2, nowhere\n             ^"],
        ["UndefinedSymbolSuggestsTheCase", "main: nop\n jmp Main", "e.asm:2:6: error: undefined symbol 'Main' (did you mean 'main'?)\n jmp Main\n     ^"],
        ["UndefinedLocalSuggestsTheLocal", "main: nop\n.loop: jmp .lop", "e.asm:2:12: error: undefined symbol '.lop' (did you mean '.loop'?)\n.loop: jmp .lop\n           ^"],
        ["MisalignedInstruction", " .byte 1\n nop", "e.asm:2:2: error: instruction at 0x00000001 is not 4-byte aligned (put '.align 4' before it)\n nop\n ^"],
        ["SymbolDefinedTwice", "x: nop\nx: nop", "e.asm:2:1: error: symbol 'x' is already defined at e.asm:1\nx: nop\n^"],
        ["AddressSpaceEnd", " .org 0xFFFFFFFC\n .word 1, 2", "e.asm:2:2: error: 8 bytes at 0xfffffffc would pass the end of the 32-bit address space (the last address is 0xffffffff)\n .word 1, 2\n ^"],
        ["OverlappingRegions", " .org 0x10\n .word 1, 2\n .org 0x14\n .word 3", "e.asm:3:2: error: bytes at 0x00000014..0x00000017 overlap bytes at 0x00000010..0x00000017 from e.asm:1\n .org 0x14\n ^"],
        ["EntryMisaligned", " .entry 0x102\n nop", "e.asm:1:9: error: entry point 0x00000102 is not 4-byte aligned (the first fetch would raise #AC)\n .entry 0x102\n        ^"],
        ["EntryOutsideTheProgram", " .org 0x100\n nop\n .entry 0x40\n .org 0x200\n .word 1, 2", "e.asm:3:2: error: entry point 0x00000040 is outside every loaded region (0x00000100..0x00000103, 0x00000200..0x00000207)\n .entry 0x40\n ^"],
        ["IncludeEmptyName", " .include \"\"", "e.asm:1:11: error: '.include' needs a file name, found an empty string\n .include \"\"\n          ^"],
        ["IncludeTwoNames", " .include \"a.inc\" \"b.inc\"", "e.asm:1:19: error: '.include' takes one file name; unexpected a string after it\n .include \"a.inc\" \"b.inc\"\n                  ^"],
        ["EntryTwice", " .entry a\n .entry b\na: b:", "e.asm:2:2: error: '.entry' is given twice (first at e.asm:1)\n .entry b\n ^"],
        ["WordRange", " .word 0x100000000", "e.asm:1:8: error: value 4294967296 does not fit in 32 bits (-2147483648..4294967295)\n .word 0x100000000\n       ^"],
        ["HalfRange", " .half 65536", "e.asm:1:8: error: value 65536 does not fit in 16 bits (-32768..65535)\n .half 65536\n       ^"],
        ["ByteRange", " .byte -129", "e.asm:1:8: error: value -129 does not fit in 8 bits (-128..255)\n .byte -129\n       ^"],
        ["AsciiNeedsString", " .ascii 5", "e.asm:1:9: error: '.ascii' expects a string in double quotes, found '5'\n .ascii 5\n        ^"],
        ["AscizNeedsOperand", " .asciz", "e.asm:1:8: error: '.asciz' expects a string in double quotes\n .asciz\n       ^"],
        ["SpaceOperands", " .space", "e.asm:1:2: error: '.space' expects a size and an optional fill byte, got 0 operands\n .space\n ^"],
        ["SpaceSize", " .space -1", "e.asm:1:9: error: '.space' size -1 is negative\n .space -1\n        ^"],
        ["SpaceBeyondAddressSpace", " .org 0xFFFFFFF0\n .space 17", "e.asm:2:2: error: 17 bytes at 0xfffffff0 would pass the end of the 32-bit address space (the last address is 0xffffffff)\n .space 17\n ^"],
        ["AlignPowerOfTwo", " .align 3", "e.asm:1:9: error: alignment 3 is not a power of two between 1 and 65536\n .align 3\n        ^"],
        ["EquNeedsName", " .equ 5, 3", "e.asm:1:7: error: '.equ' expects a symbol name first, found '5'\n .equ 5, 3\n      ^"],
        ["DirectiveOperandCount", " .equ X", "e.asm:1:2: error: '.equ' expects 2 operands, got 1\n .equ X\n ^"],
        ["IncludeNeedsString", " .include nope", "e.asm:1:11: error: '.include' expects a file name in double quotes, found 'nope'\n .include nope\n          ^"],
        ["UnknownDirective", " .wrod 1", "e.asm:1:2: error: unknown directive '.wrod' (did you mean '.word'?)\n .wrod 1\n ^"],
        ["AssignmentNeedsValue", "X =", "e.asm:1:4: error: 'X =' needs a value\nX =\n   ^"],
        ["AssignmentTakesOneValue", "X = 1, 2", "e.asm:1:8: error: 'X =' takes one value, got 2\nX = 1, 2\n       ^"],
        ["LocalConstant", " .equ .x, 1", "e.asm:1:7: error: '.x': constants cannot be local; drop the leading '.'\n .equ .x, 1\n      ^"],
        ["AddressOutOfRange", " .org -1", "e.asm:1:7: error: address -1 is outside 0..0xFFFFFFFF\n .org -1\n      ^"],
        ["FillRange", " .space 1, 256", "e.asm:1:12: error: value 256 does not fit in 8 bits (-128..255)\n .space 1, 256\n           ^"],
        ["DataNeedsValue", " .word", "e.asm:1:7: error: '.word' expects at least one value\n .word\n      ^"],
        ["PseudoOperandCount", " li r1, r2, r3", "e.asm:1:13: error: 'li' expects 2 operands (rd, imm32), got 3\n li r1, r2, r3\n            ^"],
        ["NoOperandsExpected", " ret r1", "e.asm:1:6: error: 'ret' expects no operands, got 1\n ret r1\n     ^"],
        ["LabelOnMacro", "x: .macro m\n.endm", "e.asm:1:1: error: a label cannot be on a '.macro' line; put it on a line of its own\nx: .macro m\n^"],
        ["CaretFollowsTabs", "\tli\tr1,\tr2", "e.asm:1:9: error: expected an expression, found register 'r2'\n\tli\tr1,\tr2\n\t  \t   \t^"],    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void ReportsTheExactDiagnostic(string name, string source, string expected)
    {
        _ = name;
        Assert.Equal(expected, Asm.Error(source, "e.asm"));
    }

    [Fact]
    public void ProgramTooLarge()
    {
        var result = R4Assembler.AssembleText(" .space 1000\n .byte 1", "e.asm", new AssemblyOptions { MaximumProgramBytes = 1000 });
        Assert.Equal("e.asm:2:2: error: the program would exceed 1000 bytes of output (is a .space size mistyped?)\n .byte 1\n ^", Assert.Single(result.Errors).Format());
        Assert.Equal(256L << 20, new AssemblyOptions().MaximumProgramBytes);
    }

    [Fact]
    public void IncludeCycleNamesTheChain()
    {
        using var dir = new TempDirectory();
        dir.Write("main.asm", ".include \"a.inc\"");
        dir.Write("a.inc", "nop\n.include \"b.inc\"");
        dir.Write("b.inc", ".include \"a.inc\"");
        var result = R4Assembler.AssembleFile(dir.PathOf("main.asm"));
        var error = Assert.Single(result.Errors);
        Assert.Equal($"{dir.PathOf("b.inc")}:1:10: error: include cycle: a.inc -> b.inc -> a.inc\n.include \"a.inc\"\n         ^", error.Format());
    }

    [Fact]
    public void ErrorsInIncludedFilesNameThatFile()
    {
        using var dir = new TempDirectory();
        dir.Write("main.asm", "nop\n.include \"sub/x.inc\"\nfoo");
        dir.Write("sub/x.inc", "\n  bar r1");
        var result = R4Assembler.AssembleFile(dir.PathOf("main.asm"));
        Assert.Equal(new[]
        {
            $"{dir.PathOf("sub/x.inc")}:2:3: error: unknown instruction 'bar' (did you mean 'sar'?)\n  bar r1\n  ^",
            $"{dir.PathOf("main.asm")}:3:1: error: unknown instruction 'foo'\nfoo\n^",
        }, result.Errors.Select(e => e.Format()));
    }

    [Fact]
    public void UnreadableMainFile()
    {
        using var dir = new TempDirectory();
        string path = dir.PathOf("missing.asm");
        var result = R4Assembler.AssembleFile(path);
        Assert.False(result.Succeeded);
        Assert.Null(result.Image);
        Assert.Equal($"{path}: error: cannot read '{path}': no such file", Assert.Single(result.Errors).Format());
    }

    [Fact]
    public void LabelCollidingWithADefine()
    {
        var errors = Asm.Errors("N: nop", defines: new Dictionary<string, long> { ["N"] = 3 });
        Assert.Equal("t.asm:1:1: error: symbol 'N' is already defined by -D N=3\nN: nop\n^", Assert.Single(errors));
    }

    [Fact]
    public void EveryErrorOfTheFileIsReportedOncePerStatementInOrder()
    {
        var errors = Asm.Errors("""
            start:  addd r1, r2, r3
                    addi r1, r0, 70000
                    nop
                    beq r1, r2, nowhere
            x:      .word y, z          ; two undefined symbols: one error for the statement
                    jmp start
            start:  .wrod 1
                    .if 1
            """);
        Assert.Equal(new[]
        {
            "t.asm:1:9: error: unknown instruction 'addd' (did you mean 'add'?)",
            "t.asm:2:22: error: immediate 70000 does not fit in signed 16 bits (-32768..32767)",
            "t.asm:4:21: error: undefined symbol 'nowhere'",
            "t.asm:5:15: error: undefined symbol 'y'",
            "t.asm:7:1: error: symbol 'start' is already defined at t.asm:1",
            "t.asm:8:9: error: '.if' without '.endif'",
        }, errors.Select(e => e.Split('\n')[0]));
    }

    [Fact]
    public void FailedAssemblyHasNoImageAndCannotBeWritten()
    {
        var result = R4Assembler.AssembleText("nop\nbogus", "t.asm");
        Assert.False(result.Succeeded);
        Assert.Null(result.Image);
        Assert.Throws<InvalidOperationException>(() => result.ToFlatBinary(out _));
        Assert.Throws<InvalidOperationException>(() => result.ToElf());
        Assert.Contains("bogus", result.Listing);
    }

    [Fact]
    public void ErrorsAfterAFailedIfAreNotMultiplied()
    {
        // The .if fails; its .else/.endif still pair with it, and its body is skipped.
        var errors = Asm.Errors(".if nowhere\n bogus1\n.else\n bogus2\n.endif\nnop");
        Assert.Equal("t.asm:1:5: error: undefined symbol 'nowhere'", Assert.Single(errors).Split('\n')[0]);
    }

    [Fact]
    public void AMacroWithoutANameStillCollectsItsBodyAndSaysSoAtANestedMacro()
    {
        var errors = Asm.Errors(".macro\n.macro m\n.endm\n", "e.asm");
        Assert.Equal(
        [
            "e.asm:1:7: error: '.macro' needs a name, found end of line\n.macro\n      ^",
            "e.asm:2:1: error: '.macro' inside the definition of the unnamed macro above (is its '.endm' missing?)\n.macro m\n^",
        ], errors);
    }
}
