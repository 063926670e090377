// The `r4` process exit codes. A guest that powers off exits with its own status (low 8
// bits, as the host OS keeps them); everything the host decides has a code of its own.
namespace R4.Cli;

public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The command line is wrong (unknown verb or option, bad value).</summary>
    public const int Usage = 64;
    /// <summary>The input is wrong: assembly errors, a malformed image, a bad cost file.</summary>
    public const int BadInput = 65;
    /// <summary>An input file cannot be read.</summary>
    public const int CannotOpen = 66;
    /// <summary>`r4 migrate --receive`: no guest arrived (the source refused, dropped the
    /// connection, or its guest stopped before the hand-over).</summary>
    public const int NoGuestReceived = 69;
    /// <summary>An output file cannot be written.</summary>
    public const int CannotWrite = 73;
    /// <summary>The guest's console output was closed under it (`r4 run ... | head`): the run stopped.</summary>
    public const int OutputClosed = 74;
    /// <summary>With --host-exit-codes: the guest powered off with a status of 64 or more (the
    /// status is on stderr and in --stats-json), so that 64..125 are only ever the host's.</summary>
    public const int GuestStatusAbove63 = 122;
    /// <summary>The guest waits in hlt with interrupts on and nothing left that could wake it.</summary>
    public const int Deadlock = 123;
    /// <summary>The guest ran past --max-instructions.</summary>
    public const int InstructionLimit = 124;
    /// <summary>The machine shut down: a fault while delivering a double fault (triple fault).</summary>
    public const int Shutdown = 125;
}

/// <summary>An error the user can act on: printed as one line "r4: message", no stack trace.</summary>
public sealed class UserError(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
