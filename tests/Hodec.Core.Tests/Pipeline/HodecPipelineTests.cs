using Hodec.Pipeline;
using Hodec.Reports;
using Hodec.Tests.Training;
using Snapshooter;
using Snapshooter.Xunit;

namespace Hodec.Tests.Pipeline;

/// <summary>The whole pipeline on a tiny recipe: report snapshots, the run directory, resume and failures.</summary>
[Trait("Category", "Integration")]
public sealed class HodecPipelineTests : IDisposable
{
    private readonly TinyRun tiny = new();

    public void Dispose() => tiny.Dispose();

    private static string Stable(HodecReport report) => ReportJson.Serialize(report.WithoutRun() with { Latency = null });

    // What does not depend on floating-point kernels: names, plan, costs, stage and epoch structure, the learning-rate
    // schedule. Accuracy, loss and approximation error come out of training and differ between CPUs, so they are
    // blanked here and checked by invariants instead.
    private static HodecReport Structure(HodecReport report) => report.WithoutRun() with
    {
        Latency = null,
        Final = report.Final with { Top1 = 0, Top5 = 0 },
        PreProjection = report.PreProjection is null ? null : report.PreProjection with { Top1 = 0, Top5 = 0 },
        Reference = report.Reference is null ? null : report.Reference with { Top1 = 0 },
        DeltaTop1 = report.DeltaTop1 is null ? null : 0,
        Stages = [.. report.Stages.Select(s => s with
        {
            Epochs = [.. s.Epochs.Select(e => e with
            {
                Loss = 0,
                Top1 = e.Top1 is null ? null : 0,
                ApproxError = e.ApproxError?.ToDictionary(kv => kv.Key, _ => 0.0),
            })],
            Projection = s.Projection is null ? null : s.Projection with { Top1Before = 0, Top1After = 0 },
        })],
    };

    [Fact]
    public void Run_TinyRecipe_ReportStructureMatchesSnapshots_AndRunDirectoryIsComplete()
    {
        var outcome = tiny.Run("run");

        Snapshot.Match(ReportJson.Serialize(Structure(outcome.Report)), SnapshotNameExtension.Create("report_json"));
        Snapshot.Match(ReportMarkdown.Render(Structure(outcome.Report), ["approx_error.svg", "accuracy.svg"]), SnapshotNameExtension.Create("report_md"));

        var dir = tiny.Dir("run");
        foreach (var file in new[] { "recipe.yml", "environment.json", "plan.json", "report.json", "report.md", "approx_error.svg", "accuracy.svg",
            "checkpoints/pipeline.json", "checkpoints/model-after-stage5.dat", "checkpoints/stage4.trainer.ckpt", "checkpoints/stage2.trainer.ckpt.adal",
            "checkpoints/checksums.json" })
        {
            Assert.True(File.Exists(Path.Combine(dir, file)), $"missing {file}");
        }
        Assert.Equal(Stable(outcome.Report), Stable(ReportJson.Deserialize(File.ReadAllText(Path.Combine(dir, "report.json")))));
        Assert.True(outcome.Report.Reduction!.Macs >= 0.5, $"MACs fell by {outcome.Report.Reduction.Macs}");
        Assert.Equal(Path.GetFullPath(tiny.RecipePath), outcome.Report.Run!.Recipe);
        Assert.Contains("\"seed\": 7", File.ReadAllText(Path.Combine(dir, "environment.json")));
    }

    [Fact]
    public void Run_TinyRecipe_LogsNoInternals_AndEachStageEndSaysWhatItHas()
    {
        var sink = new CollectingSink();
        using var log = new Serilog.LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();
        using var exporting = new TinyRun(TinyRun.Recipe + "\n  - kind: export\n    formats: [onnx]\n");

        var outcome = HodecPipeline.Run(new PipelineOptions(exporting.RecipePath, exporting.Dir("run")), log);

        // The ONNX export writes safetensors and TorchSharp files beside it; the report lists each file written.
        var exported = outcome.Report.Export!.Files;
        Assert.Equal(["onnx", "safetensors", "torchsharp"], exported.Select(f => f.Format));
        Assert.All(exported, f => Assert.Equal(new FileInfo(Path.Combine(exporting.Dir("run"), f.File)).Length, f.Bytes));
        Assert.Equal(exported.Select(f => f.File).Order(StringComparer.Ordinal),
            Directory.GetFiles(Path.Combine(exporting.Dir("run"), "export")).Select(f => "export/" + Path.GetFileName(f))
                .Where(f => !f.EndsWith(".hodec.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

        // No "null" for a figure a stage does not have, and no raw double such as 4.76837158203125E-06.
        Assert.DoesNotContain(sink.Messages, m => m.Contains("null", StringComparison.Ordinal) || System.Text.RegularExpressions.Regex.IsMatch(m, "[0-9]{9}"));
        Assert.Contains("Stage 3/6 \"project\" finished in", sink.Messages.Single(m => m.StartsWith("Stage 3/6 \"project\" finished", StringComparison.Ordinal)));
        Assert.DoesNotContain("loss", sink.Messages.Single(m => m.StartsWith("Stage 3/6 \"project\" finished", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Matches(@"^Stage 4/6 ""retrain"" finished in [0-9.]+ s \(2 epochs, final loss [0-9.]+, ""validation"" top-1 [0-9.]+%\)$",
            sink.Messages.Single(m => m.StartsWith("Stage 4/6 \"retrain\" finished", StringComparison.Ordinal)));
        Assert.Matches(@"max \|ORT - TorchSharp\| [0-9.]+e[-+][0-9]+\)$", sink.Messages.Single(m => m.StartsWith("Exported \"onnx\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void Run_TinyRecipe_ReportsStageStarts_EpochEvaluations_AndTheProjection_ForTheLiveDisplay()
    {
        var events = new List<PipelineProgress>();
        var outcome = tiny.Run("events", progress: new Progress(events.Add));

        Assert.Equal(["train", "adal", "project", "retrain", "evaluate"],
            events.Where(e => e.Kind == PipelineProgressKind.StageStarted).Select(e => e.Stage));
        Assert.Equal(5, events.Count(e => e.Kind == PipelineProgressKind.StageFinished));
        Assert.All(events, e => Assert.Equal(5, e.StageCount));
        Assert.All(events, e => Assert.Equal(e.Kind == PipelineProgressKind.Step, e.Step is not null));
        var outline = events.First(e => e.Kind == PipelineProgressKind.StageStarted).Stages!;
        Assert.Equal([1, 1, 0, 2, 0], outline.Select(s => s.Epochs));
        Assert.All(outline.Where(s => s.Epochs > 0), s => Assert.True(s.Batches > 0 && s.EvaluationShare > 0));

        // One evaluation per epoch, after the epoch's last step; only ADAL's has an approximation error.
        var evaluated = events.Where(e => e.Kind == PipelineProgressKind.EpochEvaluated).ToList();
        Assert.Equal([("train", 1), ("adal", 1), ("retrain", 1), ("retrain", 2)], evaluated.Select(e => (e.Stage, e.Evaluation!.Metrics.Epoch)));
        Assert.All(evaluated, e => Assert.Equal("validation", e.Evaluation!.Split));
        Assert.All(evaluated, e => Assert.InRange(e.Evaluation!.Metrics.Top1, 0, 1));
        Assert.True(evaluated.Single(e => e.Stage == "adal").Evaluation!.ApproximationError is > 0 and < 1);
        Assert.All(evaluated.Where(e => e.Stage != "adal"), e => Assert.Null(e.Evaluation!.ApproximationError));
        int lastStep = events.FindLastIndex(e => e.Stage == "train" && e.Kind == PipelineProgressKind.Step);
        Assert.Equal(PipelineProgressKind.EpochEvaluated, events[lastStep + 1].Kind);

        var projected = events.Single(e => e.Kind == PipelineProgressKind.Projected);
        Assert.Equal("project", projected.Stage);
        Assert.Equal(projected.Projection!.Top1Before, outcome.Report.PreProjection!.Top1, 6);
        Assert.InRange(projected.Projection.Top1After, 0, 100);
    }

    [Fact]
    public void Run_TinyRecipe_TrainedNumbersHoldTheirInvariants_AndMatchTheSavedModel()
    {
        var report = tiny.Run("numbers").Report;
        var before = report.PreProjection!;
        var final = report.Final;
        var stages = report.Stages.ToDictionary(s => s.Kind);
        var projection = stages["project"].Projection!;

        // 10% of the 256 training images (25.6, rounded) are held out: per-epoch figures, the projection and the model
        // before it are measured on those 26 validation images, and only the final model on the 256 test images.
        Assert.All(report.Stages.Where(s => s.Epochs.Count > 0), s => Assert.Equal("validation", s.Split));
        Assert.Equal(("validation", "validation", "test"), (projection.Split, before.Split, final.Split));
        double[] onValidation = [before.Top1, before.Top5, projection.Top1Before, projection.Top1After, .. report.Stages.SelectMany(s => s.Epochs).Select(e => e.Top1!.Value)];
        Assert.All(onValidation, a => AssertWholeImages(a, 26));
        Assert.All(new[] { final.Top1, final.Top5 }, a => AssertWholeImages(a, 256));
        Assert.True(before.Top5 >= before.Top1 && final.Top5 >= final.Top1);
        Assert.All(report.Stages.SelectMany(s => s.Epochs), e => Assert.True(double.IsFinite(e.Loss) && e.Loss > 0, $"loss {e.Loss}"));
        Assert.All(stages["adal"].Epochs.Single().ApproxError!.Values, v => Assert.InRange(v, 0, 1));

        // Epochs: the model before projection trained 1 + 1, the final one 1 + 1 + 2.
        Assert.Equal((2, 4), (before.Epochs, final.Epochs));
        // The same model measured twice gives the same number: the end of ADAL is the model before projection.
        Assert.Equal(stages["adal"].Epochs[^1].Top1, projection.Top1Before);
        Assert.Equal(before.Top1, projection.Top1Before);
        // No reference, so no delta: the model before projection is not one.
        Assert.Null(report.Reference);
        Assert.Null(report.DeltaTop1);

        // Recomputed from the run directory alone: the saved final model, counted here image by image.
        var (top1, top5) = CountCorrect(tiny.Dir("numbers"), "checkpoints/model-after-stage5.dat");
        Assert.Equal(final.Top1, top1 * 100.0 / 256, 9);
        Assert.Equal(final.Top5, top5 * 100.0 / 256, 9);
    }

    private static void AssertWholeImages(double percent, int images) =>
        Assert.True(percent is >= 0 and <= 100 && Math.Abs((percent * images / 100) - Math.Round(percent * images / 100)) < 1e-6, $"{percent}% is not k/{images}");

    // Rebuilds the compressed model from the run's recipe.yml and plan.json, loads the saved weights and counts the test
    // images whose label is the highest logit (top-1) or among the five highest (top-5).
    private static (int Top1, int Top5) CountCorrect(string dir, string checkpoint)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var recipe = Hodec.Recipes.RecipeLoader.Load(Path.Combine(dir, "recipe.yml"));
        using var model = RecipeModel.Create(recipe);
        Hodec.Compression.Projector.ApplyStructure(model, Hodec.Compression.CompressionPlanJson.Load(Path.Combine(dir, "plan.json")));
        model.load(Path.Combine(dir, checkpoint), strict: true);
        model.eval();
        using var data = Hodec.Data.DatasetRegistry.Load(recipe.Data.Dataset, new Hodec.Data.DataOptions(TrainSubset: recipe.Data.Subset?.Train, TestSubset: recipe.Data.Subset?.Test));
        var settings = RecipeModel.EvalSettings(recipe);
        using var noGrad = TorchSharp.torch.no_grad();
        // Stored as bytes; the model sees (x / 255 - mean) / std.
        var images = data.Test.Images.to_type(TorchSharp.torch.ScalarType.Float32) / 255f;
        var mean = TorchSharp.torch.tensor(settings.Mean.Select(v => (float)v).ToArray()).reshape(1, -1, 1, 1);
        var std = TorchSharp.torch.tensor(settings.Std.Select(v => (float)v).ToArray()).reshape(1, -1, 1, 1);
        var labels = data.Test.Labels.data<long>().ToArray();
        int batch = settings.EvalBatchSize, top1 = 0, top5 = 0;
        for (int start = 0; start < labels.Length; start += batch)
        {
            int size = Math.Min(batch, labels.Length - start);
            var logits = model.call((images.narrow(0, start, size) - mean) / std).data<float>().ToArray();
            int classes = logits.Length / size;
            for (int i = 0; i < size; i++)
            {
                float own = logits[(i * classes) + labels[start + i]];
                int above = Enumerable.Range(0, classes).Count(c => logits[(i * classes) + c] > own);
                top1 += above == 0 ? 1 : 0;
                top5 += above < 5 ? 1 : 0;
            }
        }
        return (top1, top5);
    }

    [Fact]
    public void Resume_AfterCancellationInTheMiddleOfRetrain_GivesTheUninterruptedReport()
    {
        var expected = Stable(tiny.Run("whole").Report);

        using var cts = new CancellationTokenSource();
        var cancelInRetrain = new Progress(p =>
        {
            if (p.Stage == "retrain" && p.Step is { Epoch: 1, Batch: 2 })
            {
                cts.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => tiny.Run("cut", progress: cancelInRetrain, ct: cts.Token));

        // The stages before retrain are saved and reported; retrain left its own mid-epoch checkpoint.
        var partial = ReportJson.Deserialize(File.ReadAllText(Path.Combine(tiny.Dir("cut"), "report.json")));
        Assert.Equal(["train", "adal", "project"], partial.Stages.Select(s => s.Kind));
        Assert.Equal(new IncompleteRun(3, 5), partial.Incomplete);
        // No test figure before 'evaluate': the interim report knows only validation figures.
        Assert.True(double.IsNaN(partial.Final.Top1));
        Assert.Equal("validation", partial.PreProjection!.Split);
        Assert.DoesNotContain("\"test\"", File.ReadAllText(Path.Combine(tiny.Dir("cut"), "report.json")), StringComparison.Ordinal);
        Assert.Contains("> **Incomplete run:** 3 of 5 stages finished.", File.ReadAllText(Path.Combine(tiny.Dir("cut"), "report.md")));
        Assert.True(File.Exists(Path.Combine(tiny.Dir("cut"), "checkpoints/stage4.trainer.ckpt")));

        var resumed = tiny.Run("cut", resume: true);

        Assert.Equal(expected, Stable(resumed.Report));
        // The interim report already had the compressed model's costs (from the plan), as evaluate then counted them.
        Assert.Equal((resumed.Report.Final.Params, resumed.Report.Final.Macs), (partial.Final.Params, partial.Final.Macs));
        Assert.Equal(resumed.Report.Reduction!.Params, partial.Reduction!.Params, 5); // report.json keeps 6 digits
        Assert.Equal(resumed.Report.Reduction.Macs, partial.Reduction.Macs, 5);
        Assert.Null(ReportJson.Deserialize(File.ReadAllText(Path.Combine(tiny.Dir("cut"), "report.json"))).Incomplete);
        Assert.DoesNotContain("Incomplete run", File.ReadAllText(Path.Combine(tiny.Dir("cut"), "report.md")));

        // environment.json keeps the start's facts and records the resume.
        var environment = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(tiny.Dir("cut"), "environment.json")))!;
        Assert.Equal(7, (int)environment["seed"]!);
        Assert.Equal(1, (int)Assert.Single(environment["resumes"]!.AsArray())!["threads"]!);
    }

    [Fact]
    public void Run_DivergingStage_FailsWithResumeCommand_AndKeepsEarlierOutputs()
    {
        var e = Assert.Throws<StageFailedException>(() => tiny.Run("diverge", overrides: ["stages.retrain.optimizer.lr=1e12"]));

        Assert.IsType<Hodec.Training.DivergenceException>(e.InnerException);
        Assert.StartsWith("Stage 4/5 (retrain) failed: Training diverged: the loss is", e.Message);
        Assert.EndsWith($"After fixing the cause, resume with: hodec run {tiny.RecipePath} --out {tiny.Dir("diverge")} --resume", e.Message);
        var kept = ReportJson.Deserialize(File.ReadAllText(Path.Combine(tiny.Dir("diverge"), "report.json")));
        Assert.Equal(["train", "adal", "project"], kept.Stages.Select(s => s.Kind));
    }

    [Fact]
    public void Run_DivergingBeforeAnyCheckpoint_NamesOnlyFilesThatExist()
    {
        var e = Assert.Throws<StageFailedException>(() => tiny.Run("early", overrides: ["stages.train.optimizer.lr=1e12"]));

        Assert.IsType<Hodec.Training.DivergenceException>(e.InnerException);
        Assert.StartsWith("Stage 1/5 (train) failed: Training diverged: the loss is", e.Message);
        Assert.Contains("No checkpoint of this training was written yet (one is written at the end of each epoch).", e.Message);
        Assert.Contains($"No stage had finished, so {tiny.Dir("early")} holds no stage checkpoint yet.", e.Message);
        Assert.DoesNotContain("kept at", e.Message);
        Assert.False(Directory.Exists(Path.Combine(tiny.Dir("early"), "checkpoints")));
        // Every path the message names exists.
        var root = tiny.Dir(string.Empty).TrimEnd(Path.DirectorySeparatorChar);
        var named = System.Text.RegularExpressions.Regex.Matches(e.Message, System.Text.RegularExpressions.Regex.Escape(root) + @"[^\s']*")
            .Select(m => m.Value.TrimEnd('.')).ToList();
        Assert.NotEmpty(named);
        Assert.All(named, p => Assert.True(File.Exists(p) || Directory.Exists(p), $"the message names '{p}', which does not exist"));
    }

    [Fact]
    public void Run_IntoADirectoryHoldingARun_IsRefused_UntilOverwrite()
    {
        var dir = tiny.Dir("again");
        Directory.CreateDirectory(Path.Combine(dir, "checkpoints"));
        File.WriteAllText(Path.Combine(dir, "recipe.yml"), "version: 1\n");

        var e = Assert.Throws<ExistingRunException>(() => tiny.Run("again"));

        Assert.Equal(dir, e.Directory);
        Assert.Equal(["recipe.yml", "checkpoints"], e.Found);
        Assert.Equal("version: 1\n", File.ReadAllText(Path.Combine(dir, "recipe.yml")));
        Assert.Throws<RunDirectoryInUseException>(() =>
        {
            using var held = RunDirectoryClaim.Take(dir, RunStart.Overwrite);
            HodecPipeline.Run(new PipelineOptions(tiny.RecipePath, dir, Overwrite: true));
        });
    }

    [Fact]
    public void Run_EvaluateWithLatency_TimesDenseAndCompressed_InBothRuntimes_AtEachBatchSize()
    {
        var outcome = tiny.Run("latency", overrides: ["stages.evaluate.latency={ batch_sizes: [1, 4], runs: 3, warmup: 1 }"]);

        var latency = Assert.IsType<LatencyReport>(outcome.Report.Latency);
        // Both runtimes by default, TorchSharp first.
        Assert.Equal(
            [(LatencyPoint.TorchSharp, 1), (LatencyPoint.TorchSharp, 4), (LatencyPoint.OnnxRuntime, 1), (LatencyPoint.OnnxRuntime, 4)],
            latency.Points.Select(p => (p.Runtime, p.BatchSize)));
        Assert.All(latency.Points, p => Assert.True(p.DenseMs > 0 && p.CompressedMs > 0, $"{p}"));
        Assert.Equal(1, latency.Threads);
        // The ONNX files timed in ONNX Runtime were temporary: the run directory holds none, and no report names one.
        Assert.Empty(Directory.GetFiles(outcome.RunDirectory, "*.onnx", SearchOption.AllDirectories));
        Assert.Contains("| ONNX Runtime | 4 |", File.ReadAllText(Path.Combine(outcome.RunDirectory, ReportWriter.MarkdownFile)), StringComparison.Ordinal);
        // Latency is the only volatile figure outside 'run': without it the report is the snapshot's.
        Assert.Equal(Stable(tiny.Run("plain").Report), Stable(outcome.Report));
    }

    [Fact]
    public void Resume_WithADifferentOverride_IsRefused()
    {
        var dir = tiny.Dir("other");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "recipe.yml"), "version: 1\n");

        var e = Assert.Throws<ResumeRefusedException>(() => tiny.Run("other", resume: true));

        Assert.Equal(ResumeRefusal.RecipeDiffers, e.Reason);
        Assert.Equal(Path.Combine(dir, "recipe.yml"), e.SavedRecipe);
        Assert.StartsWith("The recipe differs from the one this run started with", e.Message);
    }

    [Fact]
    public void Resume_OfARunWhoseRecipeLacksKeysAddedSince_ReadsThemAsTheirDefaults()
    {
        tiny.Run("earlier");
        var file = Path.Combine(tiny.Dir("earlier"), "recipe.yml");
        var now = File.ReadAllText(file);
        // As an earlier Hodec wrote it: without keys that have defaults (here the label smoothing of each stage).
        var earlier = string.Join('\n', now.Split('\n').Where(l => !l.Contains("label_smoothing", StringComparison.Ordinal)));
        Assert.NotEqual(now, earlier);
        File.WriteAllText(file, earlier);

        tiny.Run("earlier", resume: true);

        Assert.Equal(now, File.ReadAllText(file));
    }

    [Fact]
    public void Resume_OfAFinishedRun_KeepsItsStartEndAndDuration()
    {
        var first = tiny.Run("done").Report;

        var again = tiny.Run("done", resume: true).Report;

        Assert.NotNull(first.Run);
        Assert.Equal((first.Run.StartedAt, first.Run.FinishedAt), (again.Run!.StartedAt, again.Run.FinishedAt));
        Assert.Equal(first.Run.DurationSeconds!.Value, again.Run.DurationSeconds!.Value, 3); // report.json keeps 6 digits
        Assert.Equal(first.Final, again.Final);
    }

    [Fact]
    public void Resume_WithAChangedValue_SaysWhichKeyChanged()
    {
        var dir = tiny.Dir("changed");
        Directory.CreateDirectory(dir);
        var started = Hodec.Recipes.RecipeYamlWriter.Write(Hodec.Recipes.RecipeLoader.Load(tiny.RecipePath, ["stages.retrain.epochs=3"]));
        File.WriteAllText(Path.Combine(dir, "recipe.yml"), started);

        var e = Assert.Throws<ResumeRefusedException>(() => tiny.Run("changed", resume: true));

        Assert.Equal("stages.3.epochs (stage 4, retrain) is 2 here and 3 there", e.Difference);
        Assert.Contains("recipe.yml): stages.3.epochs (stage 4, retrain) is 2 here and 3 there. ", e.Message);
    }

    private sealed class Progress(Action<PipelineProgress> report) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => report(value);
    }
}
