using Hodec.Reports;
using Hodec.Tests.Pipeline;

namespace Hodec.Tests.Methods;

/// <summary>
/// A smoke run, not a benchmark: every compression method runs a short recipe end to end on the bundled subset
/// (train, ADAL, project, retrain, evaluate with latency in both runtimes, export to ONNX checked against TorchSharp),
/// and <c>compare</c> tables them.
/// </summary>
public sealed class MethodSmokeTests
{
    /// <summary>
    /// Per method: its format, its budget (the <c>compression</c> lines after <c>format</c>), the least fraction of MACs
    /// it must cut (negative: it may add MACs), and the start of its row in <c>compare</c>'s table.
    /// </summary>
    private static readonly (string Format, string Budget, double MinMacsDown, string Row)[] Methods =
    [
        ("hodec", "target: { macs_reduction: 0.5 }", 0.5, "| smoke-hodec | tensor train | HODEC | "),
        ("low-rank", "target: { macs_reduction: 0.5 }", 0.5, "| smoke-low-rank | low-rank matrix | low-rank (SVD) + ADAL | "),
        ("tucker2", "target: { macs_reduction: 0.5 }", 0.5, "| smoke-tucker2 | Tucker | Tucker-2 + ADAL | "),
        // Classical TT-conv adds MACs at any useful parameter cut, so it is budgeted by parameters.
        ("tt-classical", "target: { params_reduction: 0.5 }", double.NegativeInfinity, "| smoke-tt-classical | tensor train | classical TT | "),
        // TT-FC replaces the classifier alone; on the tiny model's 16 -> 10 layer its contractions cost about what it did.
        ("tt-fc", "ranks: 2", double.NegativeInfinity, "| smoke-tt-fc | tensor train | TT-FC | "),
    ];

    private static string Recipe(string format, string budget) => TinyRecipes.Header($"smoke-{format}", seed: 7) + $$"""
        compression:
          format: {{format}}
          exclude: ["conv1"]
          {{budget}}
        stages:
          - kind: train
            epochs: 1
          - kind: adal
            epochs: 1
            optimizer: { lr: 0.05 }
          - kind: project
          - kind: retrain
            epochs: 1
          - kind: evaluate
            latency: { runs: 1, warmup: 0 }
          - kind: export
            formats: [onnx]
        """;

    // Filter pruning has no ADAL: train, prune, fine-tune.
    private static string PruningRecipe(string format) => TinyRecipes.Header($"smoke-{format}", seed: 7) + $$"""
        compression:
          format: {{format}}
          target: { macs_reduction: 0.5 }
        stages:
          - kind: train
            epochs: 1
          - kind: project
          - kind: retrain
            epochs: 1
          - kind: evaluate
          - kind: export
            formats: [onnx, safetensors]
        """;

    [Fact]
    public void EveryPruningMethod_RunsEndToEnd_ResumesAndLoads_AndCompareTablesThem()
    {
        var reports = new List<HodecReport>();
        foreach (var format in new[] { "l1-filter", "fpgm" })
        {
            using var run = new TinyRun(PruningRecipe(format));
            var report = run.Run("out").Report;

            Assert.Null(report.Incomplete);
            Assert.True(report.Reduction!.Macs >= 0.5, $"{format}: MACs fell by {report.Reduction.Macs}");
            Assert.Equal(["train", "project", "retrain", "evaluate", "export"], report.Stages.Select(s => s.Kind));
            Assert.Equal(9, report.Layers.Count);
            Assert.All(report.Layers, l => Assert.True(l.Ranks[0] < l.Factorization!.Out[0], $"{l.Name} keeps {l.Ranks[0]}"));
            var onnx = report.Export!.Files.Single(f => f.Format == "onnx");
            Assert.True(onnx.MaxAbsDiff < 1e-3, $"{format}: ONNX differs from TorchSharp by {onnx.MaxAbsDiff}");

            // A finished run resumes from its pruned checkpoint, and the exported weights load without a recipe.
            var resumed = run.Run("out", resume: true).Report;
            Assert.Equal(report.Final.Top1, resumed.Final.Top1);
            using var loaded = Hodec.Export.HodecModelLoader.Load(Path.Combine(run.Dir("out"), report.Export.Files.Single(f => f.Format == "safetensors").File));
            Assert.Equal(report.Final.Params, loaded.parameters().Sum(p => p.numel()));
            reports.Add(report);
        }

        string table = RunComparison.Render(reports);

        Assert.Contains("| smoke-l1-filter | structured pruning | L1 filter pruning | ", table, StringComparison.Ordinal);
        Assert.Contains("| smoke-fpgm | structured pruning | FPGM | ", table, StringComparison.Ordinal);
        Assert.Contains("| smoke-fpgm | train 1, project, retrain 1 | ", table, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryMethod_RunsEndToEnd_AndCompareTablesThem()
    {
        var reports = new List<HodecReport>();
        foreach (var (format, budget, minMacsDown, _) in Methods)
        {
            using var run = new TinyRun(Recipe(format, budget));
            var outcome = run.Run("out");
            var report = outcome.Report;

            Assert.Null(report.Incomplete);
            Assert.True(report.Reduction!.Macs >= minMacsDown, $"{format}: MACs fell by {report.Reduction.Macs}");
            Assert.True(report.Reduction.Params > 0, $"{format}: parameters fell by {report.Reduction.Params}");
            Assert.Equal(["train", "adal", "project", "retrain", "evaluate", "export"], report.Stages.Select(s => s.Kind));
            Assert.True(report.Stages.Single(s => s.Kind == "adal").Epochs[^1].ApproxError!.Values.All(e => e > 0 && e < 1), format);
            var onnx = report.Export!.Files.Single(f => f.Format == "onnx");
            Assert.True(onnx.MaxAbsDiff < 1e-3, $"{format}: ONNX differs from TorchSharp by {onnx.MaxAbsDiff}");
            Assert.Equal(
                [(LatencyPoint.TorchSharp, 1), (LatencyPoint.TorchSharp, 32), (LatencyPoint.OnnxRuntime, 1), (LatencyPoint.OnnxRuntime, 32)],
                report.Latency!.Points.Select(p => (p.Runtime, p.BatchSize)));
            Assert.All(report.Latency.Points, p => Assert.True(p.DenseMs > 0 && p.CompressedMs > 0, $"{format}: {p}"));
            reports.Add(report);
        }

        string table = RunComparison.Render(reports);

        foreach (var (format, _, _, row) in Methods)
        {
            // Every row shows a latency ratio at both batch sizes in both runtimes: four figures, none missing.
            var line = Assert.Single(table.Split('\n'), l => l.StartsWith(row, StringComparison.Ordinal));
            var cells = line.Split('|');
            Assert.All(cells[^3..^1], c => Assert.Matches(@"^ \d+\.\d\d / \d+\.\d\d $", c));
            Assert.Contains($"| smoke-{format} | train 1, adal 1, project, retrain 1 |", table, StringComparison.Ordinal);
        }
    }
}
