// Generates docs/isa.md from the instruction table and the architectural constants, so the
// reference can never drift from the code (a test compares the file with this output).
using System.Text;

namespace R4.Isa;

public static class OperandForms
{
    /// <summary>How the operands are written, e.g. "rd, rs, simm16".</summary>
    public static string Syntax(OperandForm form) => form switch
    {
        OperandForm.None => "",
        OperandForm.RdRsRt => "rd, rs, rt",
        OperandForm.RdRsSimm16 => "rd, rs, simm16",
        OperandForm.RdRsUimm16 => "rd, rs, uimm16",
        OperandForm.RdRsShift => "rd, rs, imm5",
        OperandForm.RdImm16 => "rd, imm16",
        OperandForm.RdMemory => "rd, [rs + simm16]",
        OperandForm.RtMemory => "rt, [rs + simm16]",
        OperandForm.Branch => "rs, rt, label",
        OperandForm.Jump => "label",
        OperandForm.Rs => "rs",
        OperandForm.Rd => "rd",
        OperandForm.Vector => "vec",
        OperandForm.RdControl => "rd, crname",
        OperandForm.ControlRs => "crname, rs",
        OperandForm.RdPort => "rd, port",
        OperandForm.PortRs => "port, rs",
        _ => throw new ArgumentOutOfRangeException(nameof(form)),
    };

    /// <summary>The word layout, most significant field first.</summary>
    public static string Layout(OperandForm form) => form switch
    {
        OperandForm.None => "op:8 · 0:24",
        OperandForm.RdRsRt => "op:8 · rd:4 · rs:4 · rt:4 · 0:12",
        OperandForm.RdRsSimm16 or OperandForm.RdRsUimm16 or OperandForm.RdMemory => "op:8 · rd:4 · rs:4 · imm16",
        OperandForm.RdRsShift => "op:8 · rd:4 · rs:4 · imm16 (0..31)",
        OperandForm.RdImm16 => "op:8 · rd:4 · 0:4 · imm16",
        OperandForm.RtMemory => "op:8 · rt:4 · rs:4 · imm16",
        OperandForm.Branch => "op:8 · rs:4 · rt:4 · simm16 (words)",
        OperandForm.Jump => "op:8 · simm24 (words)",
        OperandForm.Rs => "op:8 · 0:4 · rs:4 · 0:16",
        OperandForm.Rd => "op:8 · rd:4 · 0:20",
        OperandForm.Vector => "op:8 · 0:8 · imm16 (0..63)",
        OperandForm.RdControl => "op:8 · rd:4 · 0:4 · cr:16",
        OperandForm.ControlRs => "op:8 · 0:4 · rs:4 · cr:16",
        OperandForm.RdPort => "op:8 · rd:4 · 0:4 · port:16",
        OperandForm.PortRs => "op:8 · 0:4 · rs:4 · port:16",
        _ => throw new ArgumentOutOfRangeException(nameof(form)),
    };
}

public static class IsaReference
{
    /// <summary>The whole text of docs/isa.md.</summary>
    public static string GenerateMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("# R4 instruction set reference");
        md.AppendLine();
        md.AppendLine("<!-- Generated from Emulator/Isa (InstructionTable.cs, Architecture.cs) by IsaReference.GenerateMarkdown().");
        md.AppendLine("     Do not edit: regenerate with `dotnet run --project Emulator/Cli -c Release -- isa-doc -o docs/isa.md`. A test fails when this file is stale. -->");
        md.AppendLine();
        md.AppendLine("Every instruction is one 32-bit little-endian word, 4-byte aligned. Bits 31:24 hold the");
        md.AppendLine("opcode; the operand fields follow the instruction's form. Decoding is strict: a word whose");
        md.AppendLine("opcode is not in the table, whose unused bits are not zero, or whose immediate is outside");
        md.AppendLine("its form's range is not an instruction and raises #UD. Opcode 0x00 is never an instruction,");
        md.AppendLine("so executing zeroed memory traps at once.");
        md.AppendLine();
        md.AppendLine("## Operand forms");
        md.AppendLine();
        md.AppendLine("| form | syntax | layout (high bits first) |");
        md.AppendLine("|---|---|---|");
        foreach (var form in Enum.GetValues<OperandForm>())
            md.AppendLine($"| {form} | {(form == OperandForm.None ? "(none)" : $"`{OperandForms.Syntax(form)}`")} | `{OperandForms.Layout(form)}` |");
        md.AppendLine();
        md.AppendLine("## Instructions");
        md.AppendLine();
        md.AppendLine("Rings: `any` = every ring; `≤2` = ring 0..2 (ring 3 raises #GP); `0` = ring 0 only (rings 1..3 raise #GP, saved pc = the instruction).");
        md.AppendLine();
        md.AppendLine("| opcode | syntax | form | ring | cost class | effect |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var info in InstructionTable.All)
        {
            string syntax = (info.Mnemonic + " " + OperandForms.Syntax(info.Form)).TrimEnd();
            string ring = info.Privilege switch { Privilege.AnyRing => "any", Privilege.Ring2OrBelow => "≤2", _ => "0" };
            md.AppendLine($"| 0x{info.Code:X2} | `{syntax}` | {info.Form} | {ring} | {info.CostClass} | {info.Summary.Replace("|", "\\|")} |");
        }
        md.AppendLine();
        md.AppendLine("## Registers");
        md.AppendLine();
        md.AppendLine("`r0`..`r15`, 32 bits; `r0` reads 0 and ignores writes. Aliases: `zero` = r0, `fp` = r13, `sp` = r14, `lr` = r15.");
        md.AppendLine();
        md.AppendLine("## Control registers (`mfcr` / `mtcr`, ring 0)");
        md.AppendLine();
        md.AppendLine("| number | name | meaning |");
        md.AppendLine("|---|---|---|");
        for (int i = 0; i < ControlRegisters.Count; i++)
        {
            var cr = (ControlRegister)i;
            md.AppendLine($"| {i} | `{ControlRegisters.Name(cr)}` | {ControlRegisters.Describe(cr)} |");
        }
        md.AppendLine();
        md.AppendLine("## Trap vectors");
        md.AppendLine();
        md.AppendLine("| vector | name | meaning |");
        md.AppendLine("|---|---|---|");
        foreach (int v in new[] { Vectors.DivideError, Vectors.Breakpoint, Vectors.UndefinedInstruction, Vectors.GeneralProtection,
                     Vectors.PageFault, Vectors.Alignment, Vectors.DoubleFault, Vectors.MachineCheck, Vectors.Timer,
                     Vectors.ConsoleInput, Vectors.Disk, Vectors.SystemCall })
            md.AppendLine($"| {v} | {Vectors.Name(v)} | {Vectors.Describe(v)} |");
        md.AppendLine("| 33..63 | int n | software interrupts |");
        md.AppendLine();
        md.AppendLine("Gate flags: bits 1:0 target ring, bits 3:2 DPL, bit 4 present, bit 5 interrupt gate.");
        md.AppendLine("Page table entry: bits 31:12 frame, bit 0 present, bit 1 writable, bit 2 executable, bits 4:3 ring.");
        md.AppendLine("#PF error code: bit 0 page present, bit 1 write, bit 2 fetch, bit 3 ring violation.");
        md.AppendLine();
        md.AppendLine("## I/O ports");
        md.AppendLine();
        md.AppendLine("| port | device |");
        md.AppendLine("|---|---|");
        foreach (var (port, name) in new (int, string)[] {
                     (Ports.ConsoleData, "console data"), (Ports.ConsoleStatus, "console status / input IRQ enable"),
                     (Ports.TimerPeriod, "timer period (retired instructions)"), (Ports.TimerCount, "timer count"),
                     (Ports.DiskSector, "disk sector"), (Ports.DiskAddress, "disk DMA physical address"),
                     (Ports.DiskCount, "disk sector count"), (Ports.DiskCommand, "disk command (1 read, 2 write)"),
                     (Ports.DiskStatus, "disk status (bit0 busy, bit1 error)"), (Ports.Power, "power off with status"),
                     (Ports.Debug, "debug: value in hex on the diagnostic stream") })
            md.AppendLine($"| 0x{port:X2} | {name} |");
        md.AppendLine();
        md.AppendLine("## Image format");
        md.AppendLine();
        md.AppendLine($"Images are ELF32 little-endian executables (ET_EXEC) with e_machine = 0x{Image.Elf32.MachineR4:X4} (\"R4\", unassigned");
        md.AppendLine("by the ELF registry): one PT_LOAD per segment, a symbol table and a source line table (`.r4.lines`).");
        md.AppendLine("The layout, the symbol encoding and the reader's checks are in [image-format.md](image-format.md).");
        md.AppendLine();
        md.AppendLine("Machine behaviour where the spec leaves a choice (retirement, `hlt` and time, disk latency,");
        md.AppendLine("cycle costs) is documented in [machine.md](machine.md) and [costs.md](costs.md).");
        return md.ToString();
    }
}
