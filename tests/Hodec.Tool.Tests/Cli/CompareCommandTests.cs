using Hodec.Pipeline;
using Hodec.Reports;
using Hodec.Tool.Cli;
using Hodec.Tool.Engine;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Cli;

/// <summary><c>hodec compare</c> through the real engine, on run directories the tests write.</summary>
public sealed class CompareCommandTests : IDisposable
{
    private const string Table =
        "Model: LeNet-5 / Fashion-MNIST. Reference: dense, test top-1 90.00 after 2 epochs.\n"
        + "\n"
        + "| run | family | method | reference top-1 | top-1 | delta | FLOPs down | params down | latency b1 / b32, TorchSharp | latency b1 / b32, ONNX Runtime |\n"
        + "|---|---|---|---|---|---|---|---|---|---|\n"
        + "| dense | - | dense | - | 90.00 | - | - | - | - | - |\n"
        + "| tt | tensor train | classical TT | 90.00 | 88.75 | -1.25 | (increases 50.0%) | 75.0% | 1.50 / 0.80 | 1.20 / 0.50 |\n"
        + "\n"
        + "Latency ratio: compressed / dense median time per batch at batch 1 / 32; above 1 means slower. Timed at 1 thread.\n"
        + "\n"
        + "Details: the stages each row ran (evaluate and export left out), its top-1 right before and after projection, and the mean approximation error over layers at the end of its last ADAL stage.\n"
        + "\n"
        + "| run | stages | top-1 before -> after projection | approximation error at projection |\n"
        + "|---|---|---|---|\n"
        + "| dense | train 2 | - | - |\n"
        + "| tt | adal 1, project, retrain 1 | 85.50 -> 80.25 | 0.125 |\n";

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string WriteRun(string name, HodecReport report)
    {
        _temp.Write(Path.Combine(name, ReportWriter.JsonFile), ReportJson.Serialize(report));
        return _temp.File(name);
    }

    private (string Dense, string Tt) WriteTwoRuns()
    {
        var baseline = new ModelMetrics(90.0, 99.0, 40_000, 1_000_000, "test", 2);
        var dense = HodecReport.Create("dense", "LeNet-5 / Fashion-MNIST", "dense", baseline, null, new(40_000, 1_000_000), null, [],
            [new("train", [new(1, 0.9, 80, 0.1), new(2, 0.5, 90, 0.1)]), new("evaluate", [])]);
        var tt = HodecReport.Create("tt", "LeNet-5 / Fashion-MNIST", "classical TT", new(88.75, 98.0, 10_000, 1_500_000, "test", 2),
            new(85.5, 99.0, 40_000, 1_000_000, "validation", 1), new(40_000, 1_000_000), null, [],
            [
                new("adal", [new(1, 0.7, 85.5, 0.1, new Dictionary<string, double> { ["conv2"] = 0.1, ["fc1"] = 0.15 })]),
                new("project", [], new(85.5, 80.25)),
                new("retrain", [new(1, 0.4, 88.75, 0.01)]),
                new("export", []),
            ],
            latency: new LatencyReport(
                [new(1, 2.0, 3.0), new(32, 10.0, 8.0), new(1, 1.0, 1.2, LatencyPoint.OnnxRuntime), new(32, 8.0, 4.0, LatencyPoint.OnnxRuntime)], 1));
        return (WriteRun("dense", dense), WriteRun("tt", tt));
    }

    [Fact]
    public async Task Compare_TwoRuns_PrintsTheTable_AndWritesOutAtomically()
    {
        var (dense, tt) = WriteTwoRuns();
        string output = _temp.File(Path.Combine("docs", "results.md"));

        CliResult result = await CliRunner.RunAsync("compare", dense, tt, "--out", output);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Equal(Table, result.Out);
        Assert.Equal($"Wrote {output}\n", result.Error);
        Assert.Equal(Table, File.ReadAllText(output));
        Assert.Equal([output], Directory.GetFiles(Path.GetDirectoryName(output)!)); // no temporary file left behind
    }

    [Fact]
    public async Task Compare_FirstRunIsTheReference()
    {
        var (dense, tt) = WriteTwoRuns();

        CliResult result = await CliRunner.RunAsync("compare", tt, dense);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.StartsWith("Model: LeNet-5 / Fashion-MNIST. Reference: tt, test top-1 88.75 after 2 epochs.\n", result.Out);
        Assert.Contains("| dense | - | dense | 88.75 | 90.00 | +1.25 | - | - | - | - |\n", result.Out);
        Assert.Equal(string.Empty, result.Error);
    }

    [Fact]
    public async Task Compare_SeedSiblings_AreOneRowEach_WithMeanAndStd()
    {
        var (dense, tt) = WriteTwoRuns();
        var denseReport = ReportJson.Deserialize(File.ReadAllText(Path.Combine(dense, ReportWriter.JsonFile)));
        var ttReport = ReportJson.Deserialize(File.ReadAllText(Path.Combine(tt, ReportWriter.JsonFile)));
        WriteRun("seeds/dense-s42", denseReport);
        WriteRun("seeds/dense-s1", denseReport with { Final = denseReport.Final with { Top1 = 92.0 } });
        WriteRun("seeds/tt-s42", ttReport);
        WriteRun("seeds/tt-s1", ttReport with { Final = ttReport.Final with { Top1 = 89.75 } });

        // The base name stands for its seed siblings; listing the siblings themselves groups them the same way.
        CliResult byBase = await CliRunner.RunAsync("compare", _temp.File("seeds/dense"), _temp.File("seeds/tt"));
        CliResult bySiblings = await CliRunner.RunAsync("compare", _temp.File("seeds/dense-s1"), _temp.File("seeds/dense-s42"), _temp.File("seeds/tt-s1"), _temp.File("seeds/tt-s42"));

        Assert.Equal(ExitCodes.Success, byBase.ExitCode);
        // Seeds in seed order: 1 then 42. Dense 92.00 and 90.00; TT 89.75 and 88.75.
        Assert.StartsWith("Model: LeNet-5 / Fashion-MNIST. Reference: dense (2 seeds), test top-1 91.00 ± 1.41 (92.00, 90.00) after 2 epochs.\n", byBase.Out);
        Assert.Contains("| tt (2 seeds) | tensor train | classical TT | 91.00 ± 1.41 | 89.25 ± 0.71 | -1.75 ± 1.58 | (increases 50.0%) | 75.0% |", byBase.Out);
        Assert.Contains("| tt (2 seeds) | adal 1, project, retrain 1 | 85.50 ± 0.00 (85.50, 85.50) -> 80.25 ± 0.00 (80.25, 80.25) |", byBase.Out);
        Assert.Contains("| 89.75, 88.75 |\n", byBase.Out);
        Assert.Equal(byBase.Out, bySiblings.Out);
    }

    [Fact]
    public async Task Compare_MissingDirectory_Exit2_NamesIt()
    {
        var (dense, _) = WriteTwoRuns();

        CliResult result = await CliRunner.RunAsync("compare", dense, "no/such/run");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Equal($"no/such/run: error: Run directory not found: '{Path.GetFullPath("no/such/run")}'. Pass the --out of a 'hodec run' (default runs/<recipe name>).\n", result.Error);
        Assert.Equal(string.Empty, result.Out);
    }

    [Fact]
    public async Task Compare_DirectoryWithoutReportJson_Exit2_SaysHodecRunWritesIt()
    {
        var (dense, _) = WriteTwoRuns();
        string empty = Directory.CreateDirectory(_temp.File("empty")).FullName;

        CliResult result = await CliRunner.RunAsync("compare", dense, empty);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Equal($"{empty}: error: no report.json in '{empty}'; pass a run directory written by 'hodec run'.\n", result.Error);
        Assert.Equal(string.Empty, result.Out);
    }

    [Theory]
    [InlineData("{ \"name\": \"dense\", \"model\": ")]
    [InlineData("{ \"name\": \"dense\" }")]
    public async Task Compare_CorruptedReportJson_Exit2_NamesTheFile_NoStackTrace(string json)
    {
        var (dense, _) = WriteTwoRuns();
        string broken = _temp.Write(Path.Combine("broken", ReportWriter.JsonFile), json);

        CliResult result = await CliRunner.RunAsync("compare", dense, _temp.File("broken"));

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.StartsWith($"{broken}: error: {broken} is not a valid Hodec report (", result.Error);
        Assert.EndsWith("); re-run the pipeline or restore the file.\n", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public async Task Compare_OutIsADirectory_Exit2_BeforeReadingReports()
    {
        var engine = new ScriptedEngine();

        CliResult result = await CliRunner.RunAsync(engine, "compare", _temp.Path, "--out", _temp.Path);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains($"error: --out '{_temp.Path}' is a directory; pass a file path", result.Error);
        Assert.Empty(engine.Requests);
    }

    [Fact]
    public async Task Compare_PassesEveryDirectoryInOrder_AndPrintsTheEngineTable()
    {
        var engine = new ScriptedEngine();
        string a = Directory.CreateDirectory(_temp.File("a")).FullName;
        string b = Directory.CreateDirectory(_temp.File("b")).FullName;

        CliResult result = await CliRunner.RunAsync(engine, "compare", b, a, b);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        string[] passed = [.. Assert.IsType<CompareRequest>(Assert.Single(engine.Requests)).RunDirectories];
        Assert.Equal([b, a, b], passed);
        Assert.Equal("| scripted | 3 runs |\n", result.Out);
    }

    [Fact]
    public async Task Compare_NoRunDirectory_IsAUsageError()
    {
        CliResult result = await CliRunner.RunAsync(new ScriptedEngine(), "compare");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("Run 'dotnet hodec compare --help' for usage.", result.Error);
    }

    [Fact]
    public async Task CompareHelp_ShowsArgumentsOutOptionAndExamples()
    {
        CliResult result = await CliRunner.RunAsync("compare", "--help");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("<run-dir>...", result.Out);
        Assert.Contains("-o, --out <file>", result.Out);
        Assert.Contains("Examples:\n" + CompareCommand.Examples + "\n", result.Out);
    }

    private string WriteRecipeRun(string directory, double top1, string recipe)
    {
        var report = HodecReport.Create("quickstart", "LeNet-5 / Fashion-MNIST", "dense", new(top1, 99.0, 40_000, 1_000_000, "test", 2), null,
            new(40_000, 1_000_000), null, [], [new("train", [new(1, 0.9, 80, 0.1), new(2, 0.5, top1, 0.1)])]);
        _temp.Write(Path.Combine(directory, RunDirectory.RecipeFile), recipe);
        return WriteRun(directory, report);
    }

    private static string Recipe(string macsReduction, int epochs) =>
        "version: 1\nname: \"quickstart\"\nseed: 42\ncompression:\n  target:\n    macs_reduction: " + macsReduction
        + "\nstages:\n- kind: train\n  epochs: " + epochs.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n  optimizer:\n    name: sgd\n";

    [Fact]
    public async Task Compare_TwoRunsOfOneRecipe_NamesTheOverridesThatDifferInEachRow()
    {
        string a = WriteRecipeRun("qs-a", 90.0, Recipe("0.5", 2));
        string b = WriteRecipeRun("qs-b", 88.0, Recipe("0.4", 2));
        string c = WriteRecipeRun("qs-c", 87.0, Recipe("0.4", 3));

        CliResult result = await CliRunner.RunAsync("compare", a, b, c);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.StartsWith("Model: LeNet-5 / Fashion-MNIST. Reference: quickstart (compression.target.macs_reduction=0.5, stages.0.epochs=2), test top-1 90.00", result.Out);
        Assert.Contains("| quickstart (compression.target.macs_reduction=0.4, stages.0.epochs=2) | - | dense | 90.00 | 88.00 | -2.00 |", result.Out);
        Assert.Contains("| quickstart (compression.target.macs_reduction=0.4, stages.0.epochs=3) | - | dense | 90.00 | 87.00 | -3.00 |", result.Out);
    }

    [Fact]
    public async Task Compare_RunsOfOneRecipe_WithTheSameSettings_AreNamedByDirectory_AndUniqueNamesStayAsTheyAre()
    {
        string a = WriteRecipeRun("first", 90.0, Recipe("0.5", 2));
        string b = WriteRecipeRun("second", 88.0, Recipe("0.5", 2));
        var (dense, _) = WriteTwoRuns();

        CliResult result = await CliRunner.RunAsync("compare", dense, a, b);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("| dense | - | dense | - | 90.00 |", result.Out);
        Assert.Contains("| quickstart (first) | - | dense | 90.00 | 90.00 |", result.Out);
        Assert.Contains("| quickstart (second) | - | dense | 90.00 | 88.00 |", result.Out);
    }

    [Fact]
    public void Distinctions_ManyDifferingKeys_ListsThreeAndCountsTheRest_AndSaysNotSet()
    {
        var labels = RunComparison.Distinctions(
        [
            new RowIdentity("r", "a: 1\nb: 1\nc: 1\nd: 1\ne: 1\n", "/runs/x"),
            new RowIdentity("r", "a: 2\nb: 2\nc: 2\nd: 2\n", "/runs/y"),
            new RowIdentity("other", null, "/runs/z"),
        ]);
        Assert.Equal(["a=1, b=1, c=1, and 2 more", "a=2, b=2, c=2, and 2 more", null], labels);
        Assert.Equal(["x=not set", "x=\"v\" w"], RunComparison.Distinctions([new RowIdentity("r", "y: 1\n", "/a"), new RowIdentity("r", "y: 1\nx: \"v\" w\n", "/b")]));
    }
}
