// A guest whose console output is closed under it (`r4 run flood.asm | head -c 100`) stops
// within moments with one line and exit 74 (issue 16, point 4), on both engines.
using System.IO.Pipes;
using System.Text;

namespace R4.Tests.Cli;

public sealed class ClosedPipeTests : IDisposable
{
    private readonly CliHarness cli = new();

    public void Dispose() => cli.Dispose();

    private const string Flood = """
        .org 0x1000
        loop:
            li r1, 'x'
            out 0x00, r1
            jmp loop
        """;

    [Theory]
    [InlineData("jit")]
    [InlineData("interp")]
    public void AGuestPrintingForeverStopsWhenThePipesReaderCloses(string engine)
    {
        string guest = cli.Write("flood.asm", Flood);
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        var reader = new AnonymousPipeClientStream(PipeDirection.In, pipe.ClientSafePipeHandle);
        var readFirst = Task.Run(() =>
        {
            var first = new byte[100];
            int got = 0;
            while (got < first.Length) got += reader.Read(first, got, first.Length - got);
            reader.Dispose();   // like `head -c 100`
            return Encoding.ASCII.GetString(first);
        });
        var stdout = new StringWriter();
        var stderr = new StringWriter { NewLine = "\n" };
        // A bounded budget so that a regression fails with 124 instead of hanging the test run.
        int exit = R4.Cli.Program.Run(["run", guest, "--engine", engine, "--max-instructions", "2000000000"], stdout, stderr, pipe, new MemoryStream());
        Assert.Equal(new string('x', 100), readFirst.Result);
        Assert.Equal(74, exit);
        string message = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("r4: console output closed (broken pipe): the guest was stopped at pc 0x0000", message);
    }
}
