// The shared guest library (Guests/lib) on its own: the kernel-side formatter and string
// helpers in ring 0 with paging off, and the user-side printing (ulib.inc) in ring 3 under
// the teaching kernel. Each program is assembled from text placed beside the files it
// includes, and its console output must match exactly.
using R4.Assembler;
using R4.Machine;

namespace R4.Tests.Guests;

public sealed class GuestLibraryTests
{
    private static GuestRun RunSource(string source, string besideFolder)
    {
        var assembly = R4Assembler.AssembleText(source, RepositoryPaths.Combine([.. besideFolder.Split('/'), "library-test.asm"]));
        Assert.True(assembly.Succeeded, string.Join("\n", assembly.Errors.Select(e => e.Format())));
        var run = GuestRunner.Run(assembly.Image!, budgetInstructions: 5_000_000);
        Assert.Equal(StopReason.PowerOff, run.Result.Reason);
        return run;
    }

    private const string RingZeroPrologue = """
        .include "ports.inc"
        .org 0x1000
        .entry start
        start:
            li sp, 0x8000
        """;

    private const string RingZeroEpilogue = """
            out PORT_POWER, zero
        .include "kprintf.inc"
        .include "string.inc"
        """;

    [Fact]
    public void Kprintf_formats_every_conversion()
    {
        var run = RunSource(RingZeroPrologue + "\n" + """
                la r1, format
                la r2, word
                li r3, -42
                li r4, 0xFFFFFFFF
                li r5, 0xDEADBEEF
                li r6, 'Z'
                call kprintf
                li r1, 0x80000000
                call kput_int
                li r1, '/'
                call kputc
                li r1, 0
                call kput_uint
                li r1, '/'
                call kputc
                li r1, 0x00C0FFEE
                call kput_hex
                la r1, unknown
                call kprintf
            """ + "\n" + RingZeroEpilogue + "\n" + """
            format:  .asciz "s=%s d=%d u=%u x=%x c=%c 100%%\n"
            unknown: .asciz "\n%q%"
            word:    .asciz "ok"
            """, "Guests/lib");

        Assert.Equal("s=ok d=-42 u=4294967295 x=deadbeef c=Z 100%\n-2147483648/0/00c0ffee\nq", run.Text);
    }

    [Fact]
    public void String_helpers_copy_fill_and_measure()
    {
        var run = RunSource(RingZeroPrologue + "\n" + """
                la r1, buffer               ; word-aligned copy of 12 bytes
                la r2, text
                li r3, 12
                call memcpy
                la r1, buffer + 12          ; then an unaligned one: 5 bytes from text + 1
                la r2, text + 1
                li r3, 5
                call memcpy
                la r1, buffer + 17
                li r2, '*'
                li r3, 3
                call memset
                la r1, buffer
                call kputs
                li r1, '|'
                call kputc
                la r1, buffer
                call strlen
                call kput_uint
                li r1, '|'
                call kputc
                la r1, words                ; memzero_words: the middle two of four words
                addi r1, r1, 4
                li r2, 8
                call memzero_words
                la r2, words
                ldw r1, [r2 + 0]
                call kput_hex
                la r2, words
                ldw r1, [r2 + 4]
                call kput_hex
                la r2, words
                ldw r1, [r2 + 12]
                call kput_hex
            """ + "\n" + RingZeroEpilogue + "\n" + """
            text:   .asciz "abcdefghijkl"
            .align 4
            words:  .word 0x11111111, 0x22222222, 0x33333333, 0x44444444
            buffer: .space 32
            """, "Guests/lib");

        Assert.Equal("abcdefghijklbcdef***|20|111111110000000044444444", run.Text);
    }

    [Fact]
    public void User_printing_goes_through_write_and_formats_numbers()
    {
        var run = RunSource(GuestRunner.TeachKernelWith("printer") + """
            ulib_end:
            .org USER_IMAGE_BASE
            printer:
                print greeting
                li r1, 0
                call print_uint
                call print_nl
                li r1, 0xFFFFFFFF
                call print_uint
                call print_nl
                li r1, -7
                call print_int
                li r1, 'x'
                call print_char
                li r1, 0x0123ABCD
                call print_hex
                call print_nl
                la r1, line
                la r2, label
                call sput_str
                li r2, 1234567
                call sput_uint
                li r2, ' '
                stb r2, [r1]
                addi r1, r1, 1
                li r2, 0xFEDCBA98
                call sput_hex
                li r2, '\n'
                stb r2, [r1]
                addi r2, r1, 1
                la r1, line
                sub r2, r2, r1
                call print_buf              ; r1 = its result, the bytes written
                call print_uint
                call print_nl
                la r1, line                 ; print_line adds the newline itself
                la r2, label
                call sput_str
                la r2, line
                call print_line
                call print_uint
                call print_nl
                sys_exit 0
            greeting: .asciz "ring 3 says:\n"
            label:    .asciz "built "
            .align 4
            line:     .space 64
            printer_end:
            """, "Guests/kernels/teach");

        Assert.Contains("ring 3 says:\n0\n4294967295\n-7x0123abcd\nbuilt 1234567 fedcba98\n23\nbuilt \n7\n", run.Text);
        Assert.Contains("[kernel] pid 1 exited (status 0)\n", run.Text);
    }
}
