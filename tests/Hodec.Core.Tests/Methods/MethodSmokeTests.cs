using Hodec.Reports;
using Hodec.Tests.Pipeline;

namespace Hodec.Tests.Methods;

/// <summary>
/// A smoke run, not a benchmark: every decomposition method runs a short recipe end to end on the bundled subset
/// (train, ADAL, project, retrain, evaluate, export to ONNX checked against TorchSharp), and <c>compare</c> tables them.
/// </summary>
public sealed class MethodSmokeTests
{
    private static string Recipe(string format) => TinyRecipes.Header($"smoke-{format}", seed: 7) + $$"""
        compression:
          format: {{format}}
          exclude: ["conv1"]
          target: { macs_reduction: 0.5 }
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

        Assert.Contains("| smoke-l1-filter | L1 filter pruning | structured pruning | train 1, project, retrain 1 |", table, StringComparison.Ordinal);
        Assert.Contains("| smoke-fpgm | FPGM | structured pruning | train 1, project, retrain 1 |", table, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryMethod_RunsEndToEnd_AndCompareTablesThem()
    {
        var reports = new List<HodecReport>();
        foreach (var format in new[] { "hodec", "low-rank", "tucker2" })
        {
            using var run = new TinyRun(Recipe(format));
            var outcome = run.Run("out");
            var report = outcome.Report;

            Assert.Null(report.Incomplete);
            Assert.True(report.Reduction!.Macs >= 0.5, $"{format}: MACs fell by {report.Reduction.Macs}");
            Assert.Equal(["train", "adal", "project", "retrain", "evaluate", "export"], report.Stages.Select(s => s.Kind));
            Assert.True(report.Stages.Single(s => s.Kind == "adal").Epochs[^1].ApproxError!.Values.All(e => e > 0 && e < 1), format);
            var onnx = report.Export!.Files.Single(f => f.Format == "onnx");
            Assert.True(onnx.MaxAbsDiff < 1e-3, $"{format}: ONNX differs from TorchSharp by {onnx.MaxAbsDiff}");
            reports.Add(report);
        }

        string table = RunComparison.Render(reports);

        Assert.Contains("| smoke-hodec | HODEC | tensor train | train 1, adal 1, project, retrain 1 |", table, StringComparison.Ordinal);
        Assert.Contains("| smoke-low-rank | low-rank (SVD) + ADAL | low-rank matrix | train 1, adal 1, project, retrain 1 |", table, StringComparison.Ordinal);
        Assert.Contains("| smoke-tucker2 | Tucker-2 + ADAL | Tucker | train 1, adal 1, project, retrain 1 |", table, StringComparison.Ordinal);
    }
}
