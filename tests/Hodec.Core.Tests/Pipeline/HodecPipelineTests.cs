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

    [Fact]
    public void Run_TinyRecipe_ReportMatchesSnapshots_AndRunDirectoryIsComplete()
    {
        var outcome = tiny.Run("run");

        Snapshot.Match(Stable(outcome.Report), SnapshotNameExtension.Create("report_json"));
        Snapshot.Match(ReportMarkdown.Render(outcome.Report.WithoutRun(), ["approx_error.svg", "accuracy.svg"]), SnapshotNameExtension.Create("report_md"));

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
    public void Resume_AfterCancellationInTheMiddleOfRetrain_GivesTheUninterruptedReport()
    {
        var expected = Stable(tiny.Run("whole").Report);

        using var cts = new CancellationTokenSource();
        var cancelInRetrain = new Progress(p =>
        {
            if (p.Stage == "retrain" && p.Step.Epoch == 1 && p.Step.Batch == 2)
            {
                cts.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => tiny.Run("cut", progress: cancelInRetrain, ct: cts.Token));

        // The stages before retrain are saved and reported; retrain left its own mid-epoch checkpoint.
        var partial = ReportJson.Deserialize(File.ReadAllText(Path.Combine(tiny.Dir("cut"), "report.json")));
        Assert.Equal(["train", "adal", "project"], partial.Stages.Select(s => s.Kind));
        Assert.Equal(new IncompleteRun(3, 5), partial.Incomplete);
        Assert.Contains("> **Incomplete run:** 3 of 5 stages finished.", File.ReadAllText(Path.Combine(tiny.Dir("cut"), "report.md")));
        Assert.True(File.Exists(Path.Combine(tiny.Dir("cut"), "checkpoints/stage4.trainer.ckpt")));

        var resumed = tiny.Run("cut", resume: true);

        Assert.Equal(expected, Stable(resumed.Report));
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
    public void Run_EvaluateWithLatency_TimesDenseAndCompressed_AtEachBatchSize()
    {
        var outcome = tiny.Run("latency", overrides: ["stages.evaluate.latency={ batch_sizes: [1, 4], runs: 3, warmup: 1 }"]);

        var latency = Assert.IsType<LatencyReport>(outcome.Report.Latency);
        Assert.Equal([1, 4], latency.Points.Select(p => p.BatchSize));
        Assert.All(latency.Points, p => Assert.True(p.DenseMs > 0 && p.CompressedMs > 0, $"{p}"));
        Assert.Equal(1, latency.Threads);
        // Latency is the only volatile figure outside 'run': without it the report is the snapshot's.
        Assert.Equal(Stable(tiny.Run("plain").Report), Stable(outcome.Report));
    }

    [Fact]
    public void Resume_WithADifferentOverride_IsRefused()
    {
        var dir = tiny.Dir("other");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "recipe.yml"), "version: 1\n");

        var e = Assert.Throws<HodecException>(() => tiny.Run("other", resume: true));

        Assert.StartsWith("--resume: the recipe (after --set and --seed) differs from the one this run started with", e.Message);
    }

    private sealed class Progress(Action<PipelineProgress> report) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value) => report(value);
    }
}
