using Hodec.Pipeline;
using Hodec.Reports;

namespace Hodec.Tests.Pipeline;

/// <summary>Deltas only against an equal-budget dense reference run; seed runs as sibling directories.</summary>
[Trait("Category", "Integration")]
public sealed class ReferenceAndSeedsTests : IDisposable
{
    // Dense, 4 epochs: the tiny compressed recipe's budget (train 1, adal 1, retrain 2).
    private static readonly string Dense = TinyRecipes.Header("tiny-dense", seed: 7) + """
        stages:
          - kind: train
            epochs: 4
          - kind: evaluate
        """;

    private readonly TinyRun tiny = new();

    public void Dispose() => tiny.Dispose();

    private string RunDense(string name, int epochs = 4)
    {
        var recipe = tiny.Dir($"{name}.yml");
        File.WriteAllText(recipe, Dense.Replace("epochs: 4", $"epochs: {epochs}", StringComparison.Ordinal));
        HodecPipeline.Run(new PipelineOptions(recipe, tiny.Dir(name)));
        return tiny.Dir(name);
    }

    [Fact]
    public void Reference_OfEqualBudget_GivesTheDelta_AndTheSummarySaysWhatIsCompared()
    {
        var dense = RunDense("dense");
        var denseReport = ReportJson.Deserialize(File.ReadAllText(Path.Combine(dense, "report.json")));

        var report = tiny.Run("hodec", overrides: [$"reference.run={dense}"]).Report;

        Assert.Equal(new ReferenceReport(dense, "tiny-dense", denseReport.Final.Top1, 4), report.Reference);
        Assert.Equal(report.Final.Top1 - denseReport.Final.Top1, report.DeltaTop1);
        Assert.StartsWith($"dense reference, 4 epochs: test top-1 {denseReport.Final.Top1:F2}%; HODEC after 4 epochs: {report.Final.Top1:F2}% (", HodecPipeline.Summary(report));
    }

    [Fact]
    public void Reference_NamingASeedGroup_IsTheRunOfThisSeed()
    {
        var dense = RunDense("dense-s7");
        RunDense("dense-s8", epochs: 3);
        var denseReport = ReportJson.Deserialize(File.ReadAllText(Path.Combine(dense, "report.json")));

        var report = tiny.Run("hodec", overrides: [$"reference.run={tiny.Dir("dense")}"]).Report;

        Assert.Equal(new ReferenceReport(dense, "tiny-dense", denseReport.Final.Top1, 4), report.Reference);
    }

    [Fact]
    public void Reference_OfAnotherBudget_IsRefusedAtTheKey_BeforeTraining()
    {
        var dense = RunDense("dense3", epochs: 3);

        var e = Assert.Throws<HodecException>(() => tiny.Run("hodec", overrides: [$"reference.run={dense}"]));

        Assert.Equal($"The reference run '{dense}' trained 3 epochs and this recipe trains 4: a delta compares equal training budgets.", e.Message);
        Assert.False(File.Exists(Path.Combine(tiny.Dir("hodec"), "recipe.yml")));
    }

    [Fact]
    public void Reference_CompressedOrMissing_IsRefused()
    {
        tiny.Run("compressed");

        var compressed = Assert.Throws<HodecException>(() => tiny.Run("other", overrides: [$"reference.run={tiny.Dir("compressed")}"]));
        var missing = Assert.Throws<HodecException>(() => tiny.Run("other", overrides: [$"reference.run={tiny.Dir("nowhere")}"]));

        Assert.Equal($"The reference run '{tiny.Dir("compressed")}' is a compressed run (HODEC); a reference is the dense model trained for the same budget.", compressed.Message);
        Assert.Equal($"The reference run '{tiny.Dir("nowhere")}' has no report.json: run the dense reference recipe into it first.", missing.Message);
    }

    [Theory]
    [InlineData("/r/quick-s42", "/r/quick")]
    [InlineData("/r/quick-s-3", "/r/quick")]
    [InlineData("/r/quick-s42/", "/r/quick")]
    [InlineData("/r/quick", "/r/quick")]
    [InlineData("/r/quick-sx", "/r/quick-sx")]
    public void SeedRuns_Group_StripsTheSeedSuffix(string dir, string group) => Assert.Equal(group, SeedRuns.Group(dir));

    [Fact]
    public void SeedRuns_Expand_ABaseStandsForItsSeedSiblings_InSeedOrder()
    {
        foreach (var d in new[] { "q-s42", "q-s1", "q-s7", "qq-s3", "q-sx" })
        {
            Directory.CreateDirectory(tiny.Dir(d));
        }

        Assert.Equal([tiny.Dir("q-s1"), tiny.Dir("q-s7"), tiny.Dir("q-s42")], SeedRuns.Expand(tiny.Dir("q")));
        Assert.Equal([tiny.Dir("none")], SeedRuns.Expand(tiny.Dir("none")));
        Assert.Equal(tiny.Dir("q-s42"), SeedRuns.Directory(tiny.Dir("q"), 42));
    }

    [Fact]
    public void Run_RecipeWithSeeds_WithoutOneChosen_IsRefused()
    {
        var e = Assert.Throws<HodecException>(() => tiny.Run("seeds", overrides: ["seeds=[1, 2]"]));

        Assert.StartsWith("The recipe lists the seeds [1, 2]; a pipeline runs one of them at a time", e.Message);
    }
}
