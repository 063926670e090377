// How a run of the machine ends.
namespace R4.Machine;

/// <summary>Why a run stopped. <see cref="OutputClosed"/> is the host's, not the guest's: the
/// console's output stream failed (a pipe whose reader went away), so the run cannot go on
/// usefully.</summary>
public enum StopReason { PowerOff, InstructionLimit, Shutdown, Deadlock, OutputClosed }

/// <summary>How a run ended: the reason, the guest's power-off status, the pc at the stop and
/// a one-line diagnostic (shutdown cause, ...) or null.</summary>
public sealed record RunResult(StopReason Reason, uint ExitStatus, uint Pc, string? Diagnostic);
