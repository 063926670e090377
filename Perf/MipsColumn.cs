// A summary column that turns "nanoseconds per guest instruction" (the benchmarks declare
// OperationsPerInvoke = instructions) into guest MIPS.
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace R4.Perf;

public sealed class MipsColumn : IColumn
{
    public string Id => nameof(MipsColumn);
    public string ColumnName => "MIPS";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Millions of guest instructions per second (1000 / ns per instruction)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        double? nanosecondsPerInstruction = report?.ResultStatistics?.Mean;
        return nanosecondsPerInstruction is > 0 ? (1000.0 / nanosecondsPerInstruction.Value).ToString("F0") : "-";
    }

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
