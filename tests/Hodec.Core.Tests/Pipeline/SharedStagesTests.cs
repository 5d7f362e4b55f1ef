using Hodec.Pipeline;
using Hodec.Recipes;
using Hodec.Reports;

namespace Hodec.Tests.Pipeline;

/// <summary><c>start_from</c>: the first stages taken from a run that declared them identically.</summary>
[Trait("Category", "Integration")]
[Collection(nameof(SharedStagesTests))] // sets SharedStages.PollInterval
public sealed class SharedStagesTests : IDisposable
{
    private readonly TinyRun tiny = new();

    public void Dispose() => tiny.Dispose();

    // The tiny recipe under another name, taking its first 'stages' stages from 'run'.
    private string Recipe(string file, string run, int stages, string? recipe = null)
    {
        var path = tiny.Dir(file);
        File.WriteAllText(path, (recipe ?? TinyRun.Recipe).Replace("name: tiny", "name: shared", StringComparison.Ordinal)
            + $"\nstart_from: {{ run: {run}, stages: {stages} }}\n");
        return path;
    }

    private static PipelineOutcome Run(string recipe, string dir, CancellationToken ct = default) =>
        HodecPipeline.Run(new PipelineOptions(recipe, dir), cancellationToken: ct);

    [Fact]
    public void StartFrom_TakesTheStages_FromTheSeedSibling_AndEndsAsTheRunThatTrainedThem()
    {
        var whole = tiny.Run("src-s7").Report;

        var outcome = Run(Recipe("shared.yml", tiny.Dir("src"), 2), tiny.Dir("shared"));
        var report = outcome.Report;

        // Stages 1-2 (train, adal) are the source's, marked; 3-5 ran here.
        Assert.Equal([tiny.Dir("src-s7"), tiny.Dir("src-s7"), null, null, null], report.Stages.Select(s => s.SharedFrom));
        Assert.Equal(whole.Stages.Take(2).Select(s => s.Epochs.Select(e => (e.Loss, e.Top1))), report.Stages.Take(2).Select(s => s.Epochs.Select(e => (e.Loss, e.Top1))));
        // The budget counts the shared epochs; the model is the one the source trained (same per-stage seeds).
        Assert.Equal(4, report.Final.Epochs);
        Assert.Equal(whole.Final.Top1, report.Final.Top1);
        Assert.Equal(File.ReadAllBytes(Path.Combine(tiny.Dir("src-s7"), "checkpoints", "model-after-stage5.dat")),
            File.ReadAllBytes(Path.Combine(tiny.Dir("shared"), "checkpoints", "model-after-stage5.dat")));
        Assert.Contains($"taken from run `{tiny.Dir("src-s7")}` (start_from)", File.ReadAllText(Path.Combine(tiny.Dir("shared"), "report.md")));
    }

    [Fact]
    public void StartFrom_ARunThatDeclaresTheStagesOtherwise_IsRefused_BeforeAnythingIsWritten()
    {
        tiny.Run("src");
        var other = TinyRun.Recipe.Replace("  - kind: train\n    epochs: 1", "  - kind: train\n    epochs: 2", StringComparison.Ordinal);
        Assert.NotEqual(TinyRun.Recipe, other);

        var recipe = Recipe("other.yml", tiny.Dir("src"), 1, other);
        var lines = File.ReadAllLines(recipe);
        var line = Array.FindIndex(lines, l => l.StartsWith("start_from:", StringComparison.Ordinal));

        var e = Assert.Throws<HodecException>(() => Run(recipe, tiny.Dir("other")));

        Assert.Equal($"start_from: '{tiny.Dir("src")}' does not declare this recipe's first stage the same way (stages.0.epochs (stage 1, train) is 2 here and 1 there), so its checkpoint is not what they would train here.", e.Message);
        Assert.Equal($"{recipe}:{line + 1}:{lines[line].IndexOf("run: ", StringComparison.Ordinal) + 6}", e.Location);
        Assert.False(File.Exists(Path.Combine(tiny.Dir("other"), "recipe.yml")));
    }

    [Fact]
    public void StartFrom_ARunWithoutTheStages_OrNoRunAtAll_IsRefused()
    {
        tiny.Run("src");
        Directory.CreateDirectory(tiny.Dir("fresh"));
        File.Copy(Path.Combine(tiny.Dir("src"), "recipe.yml"), Path.Combine(tiny.Dir("fresh"), "recipe.yml"));
        File.Delete(Path.Combine(tiny.Dir("src"), "checkpoints", "pipeline-after-stage1.json"));

        var unfinished = Assert.Throws<HodecException>(() => Run(Recipe("a.yml", tiny.Dir("fresh"), 1), tiny.Dir("a")));
        var old = Assert.Throws<HodecException>(() => Run(Recipe("b.yml", tiny.Dir("src"), 1), tiny.Dir("b")));
        var none = Assert.Throws<HodecException>(() => Run(Recipe("c.yml", tiny.Dir("nowhere"), 1), tiny.Dir("c")));

        Assert.Equal($"start_from: '{tiny.Dir("fresh")}' has finished 0 of the stage this recipe takes from it; resume it first.", unfinished.Message);
        Assert.Equal($"start_from: '{tiny.Dir("src")}' ran before Hodec kept the state after each stage, so its state after stage 1 is not there; run those stages again.", old.Message);
        Assert.Equal($"start_from: there is no run in '{tiny.Dir("nowhere")}' (nor in its seed sibling '{tiny.Dir("nowhere-s7")}'): run the recipe that trains those stages into it first.", none.Message);
    }

    [Fact]
    public void StartFrom_AllTheStages_IsARecipeError_AtTheKey()
    {
        var e = Assert.Throws<RecipeException>(() => Run(Recipe("all.yml", tiny.Dir("src"), 5), tiny.Dir("all")));

        var d = Assert.Single(e.Diagnostics);
        Assert.Equal("start_from.stages", d.Key);
        Assert.Contains("takes 5 stages from another run, but this recipe has 5; leave at least one stage to run here", d.Message);
    }

    [Fact]
    public async Task StartFrom_ALiveSource_IsWaitedFor_UntilItHasTheStages()
    {
        tiny.Run("src");
        var state = Path.Combine(tiny.Dir("src"), "checkpoints", "pipeline-after-stage1.json");
        var kept = File.ReadAllText(state);
        File.Delete(state);
        var before = SharedStages.PollInterval;
        SharedStages.PollInterval = TimeSpan.FromMilliseconds(50);
        try
        {
            Task<PipelineOutcome> waiting;
            using (RunDirectoryClaim.Take(tiny.Dir("src"), RunStart.Resume))
            {
                var recipe = Recipe("w.yml", tiny.Dir("src"), 1);
                waiting = Task.Run(() => Run(recipe, tiny.Dir("w")));
                await Task.Delay(1000);
                Assert.False(waiting.IsCompleted);
                File.WriteAllText(state, kept); // the live run finishes stage 1
            }
            var report = (await waiting).Report;

            Assert.Equal(tiny.Dir("src"), report.Stages[0].SharedFrom);
            Assert.Null(report.Stages[1].SharedFrom);
        }
        finally
        {
            SharedStages.PollInterval = before;
        }
    }
}
