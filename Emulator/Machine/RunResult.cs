// How a run of the machine ends.
namespace R4.Machine;

public enum StopReason { PowerOff, InstructionLimit, Shutdown, Deadlock }

/// <summary>How a run ended: the reason, the guest's power-off status, the pc at the stop and
/// a one-line diagnostic (shutdown cause, ...) or null.</summary>
public sealed record RunResult(StopReason Reason, uint ExitStatus, uint Pc, string? Diagnostic);
