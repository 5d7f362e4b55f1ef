using Hodec.Reports;

namespace Hodec.Tests.Reports;

public class RunComparisonTests
{
    private const string Model = "ResNet-20 / Fashion-MNIST";
    private static readonly DenseCosts DenseCost = new(200_000, 40_000_000);
    private static readonly ModelMetrics Dense = new(93.65, 99.8, 200_000, 40_000_000, "test", 12);
    private static readonly ModelMetrics Before = new(89.0, 99.0, 200_000, 40_000_000, "validation", 8);

    private static List<EpochReport> Epochs(int count) => [.. Enumerable.Range(1, count).Select(e => new EpochReport(e, 1.0 / e, 80 + e, 0.1))];

    // A dense run times the same model twice: its latency ratio is noise and must not be shown.
    private static HodecReport DenseRun() => HodecReport.Create("bench-1-dense", Model, "dense", Dense, null, DenseCost, null, [],
        [new("train", Epochs(12)), new("evaluate", [])], latency: new LatencyReport([new(1, 2.0, 1.92), new(32, 20.0, 20.1)], 2));

    private static HodecReport HodecRun()
    {
        var adal = new StageReport("adal",
        [
            .. Epochs(7),
            // Only the last epoch counts: mean of 0.0058 and 0.01.
            new EpochReport(8, 0.3, 89.64, 0.001, new Dictionary<string, double> { ["layer1.0.conv1"] = 0.0058, ["layer2.0.conv1"] = 0.01 }),
        ]);
        return HodecReport.Create("bench-2-hodec-adal", Model, "HODEC", new(91.63, 99.5, 69_400, 14_680_000, "test", 12), Before, DenseCost, null, [],
            [adal, new("project", [], new(89.64, 89.65)), new("retrain", Epochs(4)), new("evaluate", []), new("export", [])],
            latency: new LatencyReport(
                [
                    new(1, 2.0, 2.54), new(8, 5.0, 50.0), new(32, 20.0, 15.4),
                    new(1, 1.0, 1.1, LatencyPoint.OnnxRuntime), new(32, 10.0, 7.0, LatencyPoint.OnnxRuntime),
                ], 2));
    }

    private static HodecReport AblationRun() => HodecReport.Create("bench-3-hodec-no-adal", Model, "HODEC (no ADAL)",
        new(91.21, 99.4, 69_400, 14_680_000, "test", 12), Before, DenseCost, null, [],
        [new("train", Epochs(8)), new("project", [], new(88.1, 40.25)), new("retrain", Epochs(4)), new("evaluate", [])]);

    // Classical TT at these ranks costs 2.301x the dense MACs: "FLOPs down" must show the growth.
    private static HodecReport ClassicalRun() => HodecReport.Create("bench-4-tt-classical", Model, "classical TT",
        new(93.77, 99.7, 100_000, 92_040_000, "test", 12), Before, DenseCost, null, [],
        [new("train", Epochs(8)), new("project", [], new(90.5, 85.02)), new("retrain", Epochs(4))],
        latency: new LatencyReport([new(32, 20.0, 37.0)], 2));

    [Fact]
    public void Render_FourRuns_IsTheTable1Layout_ThenTheDetails()
    {
        var md = RunComparison.Render([DenseRun(), HodecRun(), AblationRun(), ClassicalRun()]);

        Assert.Equal(
            "Model: ResNet-20 / Fashion-MNIST. Reference: bench-1-dense, test top-1 93.65 after 12 epochs.\n"
            + "\n"
            + "| run | family | method | reference top-1 | top-1 | delta | FLOPs down | params down | latency b1 / b32, TorchSharp | latency b1 / b32, ONNX Runtime |\n"
            + "|---|---|---|---|---|---|---|---|---|---|\n"
            + "| bench-1-dense | - | dense | - | 93.65 | - | - | - | - | - |\n"
            + "| bench-2-hodec-adal | tensor train | HODEC | 93.65 | 91.63 | -2.02 | 63.3% | 65.3% | 1.27 / 0.77 | 1.10 / 0.70 |\n"
            + "| bench-3-hodec-no-adal | tensor train | HODEC (no ADAL) | 93.65 | 91.21 | -2.44 | 63.3% | 65.3% | - | - |\n"
            + "| bench-4-tt-classical | tensor train | classical TT | 93.65 | 93.77 | +0.12 | (increases 130.1%) | 50.0% | - / 1.85 | - |\n"
            + "\n"
            + "Latency ratio: compressed / dense median time per batch at batch 1 / 32; above 1 means slower. Timed at 2 threads.\n"
            + "\n"
            + RunComparison.DetailsNote + "\n"
            + "\n"
            + "| run | stages | top-1 before -> after projection | approximation error at projection |\n"
            + "|---|---|---|---|\n"
            + "| bench-1-dense | train 12 | - | - |\n"
            + "| bench-2-hodec-adal | adal 8, project, retrain 4 | 89.64 -> 89.65 | 0.0079 |\n"
            + "| bench-3-hodec-no-adal | train 8, project, retrain 4 | 88.10 -> 40.25 | - |\n"
            + "| bench-4-tt-classical | train 8, project, retrain 4 | 90.50 -> 85.02 | - |\n",
            md);
    }

    [Fact]
    public void Render_ReportWithoutRuntimeKeys_ReadsAsTorchSharp()
    {
        // A schema-2 report written before latency points named their runtime.
        var json = ReportJson.Serialize(HodecRun()).Replace("\"runtime\": \"torchsharp\",", "", StringComparison.Ordinal);
        Assert.DoesNotContain("\"torchsharp\"", json, StringComparison.Ordinal);

        var read = ReportJson.Deserialize(json);

        Assert.Equal(HodecRun().Latency!.Points, read.Latency!.Points);
        Assert.Contains("| 1.27 / 0.77 | 1.10 / 0.70 |", RunComparison.Render([DenseRun(), read]), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_LatencyAtSeveralThreadCounts_NamesEach()
    {
        var oneThread = HodecRun() with { Name = "one-thread", Latency = HodecRun().Latency! with { Threads = 1 } };

        var md = RunComparison.Render([DenseRun(), oneThread, ClassicalRun()]);

        Assert.Contains(RunComparison.LatencyNote + " Timed at 1 and 2 threads.\n", md, StringComparison.Ordinal);
        Assert.Contains(RunComparison.LatencyNote + " Timed at 1 thread.\n", RunComparison.Render([DenseRun(), oneThread]), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_CompressedReference_DeltasAgainstItsCompressedTop1_NoLatencyNoFootnote()
    {
        var md = RunComparison.Render([AblationRun(), DenseRun()]);

        Assert.StartsWith("Model: ResNet-20 / Fashion-MNIST. Reference: bench-3-hodec-no-adal, test top-1 91.21 after 12 epochs.\n", md, StringComparison.Ordinal);
        Assert.Contains("| bench-3-hodec-no-adal | tensor train | HODEC (no ADAL) | - | 91.21 | - | 63.3% | 65.3% | - | - |\n", md, StringComparison.Ordinal);
        Assert.Contains("| bench-1-dense | - | dense | 91.21 | 93.65 | +2.44 | - | - | - | - |\n", md, StringComparison.Ordinal);
        Assert.EndsWith("| bench-1-dense | train 12 | - | - |\n", md, StringComparison.Ordinal);
        Assert.DoesNotContain("Latency ratio:", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_IncompleteRun_IsMarkedInItsRow()
    {
        var cut = HodecRun() with { Incomplete = new IncompleteRun(2, 4) };
        cut = cut with { Final = cut.Final with { Top1 = double.NaN, Top5 = double.NaN } };

        var md = RunComparison.Render([DenseRun(), cut]);

        // No final top-1 yet: no delta and no "NaN" anywhere, while its planned cuts are already shown.
        Assert.DoesNotContain("NaN", md, StringComparison.Ordinal);
        Assert.Contains("| tensor train | HODEC | 93.65 | - | - | 63.3% | 65.3% |", md, StringComparison.Ordinal);
        Assert.Contains("| bench-2-hodec-adal (**incomplete**, 2 of 4 stages) | tensor train | HODEC |", md, StringComparison.Ordinal);
        Assert.Contains("| bench-2-hodec-adal (**incomplete**, 2 of 4 stages) | adal 8, project, retrain 4 |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_DifferentModels_HeaderListsEachWithItsRuns()
    {
        var lenet = DenseRun() with { Name = "lenet-dense", Model = "LeNet-5 / MNIST" };

        var md = RunComparison.Render([DenseRun(), lenet, HodecRun()]);

        Assert.StartsWith(
            "Models differ: ResNet-20 / Fashion-MNIST (bench-1-dense, bench-2-hodec-adal); LeNet-5 / MNIST (lenet-dense). Reference: bench-1-dense, test top-1 93.65 after 12 epochs.\n\n",
            md, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SeedGroups_ShowMeanAndSampleStd_WithPerSeedValues()
    {
        // Top-1 91.0, 92.0, 93.0: mean 92, sample std 1. The reference's 93.0 and 94.0: mean 93.5, std 0.7071.
        HodecReport Seed(double top1) => HodecRun() with { Final = HodecRun().Final with { Top1 = top1 } };
        HodecReport DenseSeed(double top1) => DenseRun() with { Final = DenseRun().Final with { Top1 = top1 } };

        var md = RunComparison.Render([new RunGroup("dense (2 seeds)", [DenseSeed(93.0), DenseSeed(94.0)]), new RunGroup("hodec (3 seeds)", [Seed(91.0), Seed(92.0), Seed(93.0)])]);

        Assert.StartsWith("Model: ResNet-20 / Fashion-MNIST. Reference: dense (2 seeds), test top-1 93.50 ± 0.71 (93.00, 94.00) after 12 epochs.\n", md, StringComparison.Ordinal);
        // Delta of the means, -1.5; its ± is sqrt(1^2 + 0.7071^2) = 1.2247. Latency is the same at every seed: std 0.
        Assert.Contains("| hodec (3 seeds) | tensor train | HODEC | 93.50 ± 0.71 | 92.00 ± 1.00 | -1.50 ± 1.22 | 63.3% | 65.3% | 1.27 ± 0.00 / 0.77 ± 0.00 | 1.10 ± 0.00 / 0.70 ± 0.00 |\n", md, StringComparison.Ordinal);
        // The details give the per-seed values.
        Assert.Contains("| run | stages | top-1 before -> after projection | approximation error at projection | top-1 per seed |\n|---|---|---|---|---|\n", md, StringComparison.Ordinal);
        Assert.Contains("| dense (2 seeds) | train 12 | - | - | 93.00, 94.00 |\n", md, StringComparison.Ordinal);
        Assert.Contains("| hodec (3 seeds) | adal 8, project, retrain 4 | 89.64 ± 0.00 (89.64, 89.64, 89.64) -> 89.65 ± 0.00 (89.65, 89.65, 89.65) | 0.0079 ± 0 (0.0079, 0.0079, 0.0079) | 91.00, 92.00, 93.00 |\n", md, StringComparison.Ordinal);
        Assert.EndsWith(RunComparison.SeedNote + "\n", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_UnequalBudgets_TheDeltaSaysSo()
    {
        var longer = HodecRun() with { Final = HodecRun().Final with { Epochs = 25 } };

        var md = RunComparison.Render([DenseRun(), longer]);

        Assert.Contains("| -2.02 (unequal budgets: 25 vs 12 epochs) |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("unequal", RunComparison.Render([DenseRun(), HodecRun()]), StringComparison.Ordinal);
    }

    [Fact]
    public void MeanStd_IsTheSampleStandardDeviation() =>
        Assert.Equal((2.0, Math.Sqrt(2.0 / 2)), RunComparison.MeanStd([1.0, 2.0, 3.0]));

    [Fact]
    public void Render_NoRuns_Throws() =>
        Assert.Throws<ArgumentException>(() => RunComparison.Render(Array.Empty<HodecReport>()));
}
