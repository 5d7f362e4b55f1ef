using Hodec.Pipeline;
using Hodec.Sweeps;

namespace Hodec.Core.Tests.Sweeps;

/// <summary>Sweep files: the grid and list forms, their expansion into named runs, the index, and located errors.</summary>
public sealed class SweepFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public SweepFileTests()
    {
        _temp.Write("r.yml", "version: 1\n");
        _temp.Write("other.yml", "version: 1\n");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Grid_ExpandsFirstAxisOutermost_SeedsInnermost_WithSeedSiblingNames()
    {
        var sweep = SweepLoader.Parse("""
            version: 1
            name: s
            recipe: r.yml
            seeds: [42, 1]
            grid:
              budget:
                set: compression.target.macs_reduction
                values: [0.3, 0.5]
              method:
                values:
                  a: {}
                  b: { recipe: other.yml, set: { stages.train.epochs: 2, compression.exclude: [conv1] } }
            """, _temp.File("sweep.yml"));

        var runs = SweepPlan.Expand(sweep, _temp.File("out"));

        Assert.Equal(8, runs.Count);
        Assert.Equal(["budget-0.3_method-a-s42", "budget-0.3_method-a-s1", "budget-0.3_method-b-s42", "budget-0.3_method-b-s1",
            "budget-0.5_method-a-s42", "budget-0.5_method-a-s1", "budget-0.5_method-b-s42", "budget-0.5_method-b-s1"], runs.Select(r => r.Name));
        Assert.Equal(Enumerable.Range(0, 8), runs.Select(r => r.Index));
        var b = runs[6];
        Assert.Equal(_temp.File("other.yml"), b.Recipe);
        Assert.Equal(["compression.target.macs_reduction=0.5", "stages.train.epochs=2", "compression.exclude=[conv1]"], b.Set.AsEnumerable());
        Assert.Equal(42, b.Seed);
        Assert.Equal(SeedRuns.Directory(Path.Combine(_temp.File("out"), "budget-0.5_method-b"), 42), b.Directory);
        Assert.Equal("budget=0.5, method=b", b.Point);
        Assert.Equal(_temp.File("r.yml"), runs[0].Recipe);
    }

    [Fact]
    public void RunsList_AndNoSeeds_OneRunPerEntry_NoSeedSuffix()
    {
        var sweep = SweepLoader.Parse("""
            version: 1
            name: s
            recipe: r.yml
            runs:
              - { name: short, set: { stages.train.epochs: 1 } }
              - { name: long, set: { stages.train.epochs: 3 } }
            executor:
              kind: slurm
              slurm: { partition: gpu, time: "01:00:00", cpus: 2, mem: 4G, setup: "module load dotnet", options: ["--qos=low"] }
            """, _temp.File("sweep.yml"));

        var runs = SweepPlan.Expand(sweep, _temp.File("out"));

        Assert.Equal(["short", "long"], runs.Select(r => r.Name));
        Assert.All(runs, r => Assert.Null(r.Seed));
        Assert.Equal(ExecutorKind.Slurm, sweep.Executor.Kind);
        Assert.Equal(new SlurmSettings("gpu", "01:00:00", 2, "4G", "module load dotnet", null, null, ["--qos=low"]).ToString(), sweep.Executor.Slurm.ToString());
        Assert.Equal(["--qos=low"], sweep.Executor.Slurm.Options.AsEnumerable());
    }

    [Fact]
    public void RunsList_ARunWithItsOwnSeeds_HasThoseSeeds_TheOthersTheSweeps()
    {
        var sweep = SweepLoader.Parse("""
            version: 1
            name: s
            recipe: r.yml
            seeds: [42, 1]
            runs:
              - { name: dense, seeds: [42, 1, 2] }
              - { name: pruned }
            """, _temp.File("sweep.yml"));

        var runs = SweepPlan.Expand(sweep, _temp.File("out"));

        Assert.Equal(["dense-s42", "dense-s1", "dense-s2", "pruned-s42", "pruned-s1"], runs.Select(r => r.Name));
        Assert.Equal([42, 1, 2, 42, 1], runs.Select(r => r.Seed));
    }

    [Fact]
    public void RunsList_SeedsListedTwice_IsAnError_AtTheKey()
    {
        var e = Assert.Throws<SweepFileException>(() => SweepLoader.Parse(
            "version: 1\nname: s\nrecipe: r.yml\nruns:\n  - { name: a, seeds: [1, 1] }\n", _temp.File("sweep.yml")));

        var d = Assert.Single(e.Diagnostics);
        Assert.Equal((5, "runs.0.seeds"), (d.Line, d.Key));
    }

    [Fact]
    public void Index_RoundTrips()
    {
        var sweep = SweepLoader.Parse("version: 1\nname: s\nrecipe: r.yml\nseeds: [3]\ngrid: { e: { set: stages.train.epochs, values: [1, 2] } }\n", _temp.File("sweep.yml"));
        var runs = SweepPlan.Expand(sweep, _temp.File("out"));

        SweepPlan.WriteIndex(sweep, _temp.File("out"), runs);
        var read = SweepPlan.ReadIndex(_temp.File("out"));

        Assert.True(SweepPlan.IsSweepDirectory(_temp.File("out")));
        Assert.Equal(runs.Select(r => (r.Index, r.Name, r.Directory, r.Recipe, string.Join(';', r.Set), r.Seed, string.Join(';', r.Axes))),
            read.Select(r => (r.Index, r.Name, r.Directory, r.Recipe, string.Join(';', r.Set), r.Seed, string.Join(';', r.Axes))));
    }

    [Fact]
    public void Errors_AreLocatedByFileLineAndKey_AllAtOnce()
    {
        var file = _temp.File("sweep.yml");
        var e = Assert.Throws<SweepFileException>(() => SweepLoader.Parse("""
            version: 1
            name: s
            recipe: missing.yml
            gird: {}
            seeds: [1, 1]
            runs:
              - { name: "a b" }
            executor: { kind: pbs }
            """, file));

        Assert.Contains(e.Diagnostics, d => d.Line == 3 && d.Key == "recipe" && d.Message.Contains("recipe file not found", StringComparison.Ordinal));
        Assert.Contains(e.Diagnostics, d => d.Line == 4 && d.Key == "gird" && d.Message.Contains("did you mean 'grid'", StringComparison.Ordinal));
        Assert.Contains(e.Diagnostics, d => d.Line == 5 && d.Key == "seeds" && d.Message.Contains("twice", StringComparison.Ordinal));
        Assert.Contains(e.Diagnostics, d => d.Line == 7 && d.Key == "runs.0.name");
        Assert.Contains(e.Diagnostics, d => d.Line == 8 && d.Key == "executor.kind" && d.Message.Contains("local, slurm, kubernetes", StringComparison.Ordinal));
        Assert.All(e.Diagnostics, d => Assert.Equal(file, d.File));
        Assert.StartsWith("The sweep file has 5 errors", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{file}:4:1: error: unknown key 'gird'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotAMapping_SaysWhatASweepFileHolds()
    {
        var e = Assert.Throws<SweepFileException>(() => SweepLoader.Parse("- a\n- b\n", _temp.File("sweep.yml")));

        var d = Assert.Single(e.Diagnostics);
        Assert.Equal("a sweep file must be a YAML mapping with 'version', 'name', 'recipe' and 'grid' or 'runs'", d.Message);
    }

    [Fact]
    public void ListOfValuesWithoutSet_IsAnError_AtTheAxis()
    {
        var e = Assert.Throws<SweepFileException>(() => SweepLoader.Parse("version: 1\nname: s\nrecipe: r.yml\ngrid:\n  e:\n    values: [1, 2]\n", _temp.File("sweep.yml")));

        var d = Assert.Single(e.Diagnostics);
        Assert.Equal((6, "grid.e.values"), (d.Line, d.Key));
        Assert.Contains("'grid.e.set' must name the recipe key", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunState_ReadsPendingStartedAndHeld()
    {
        var dir = _temp.File("run");
        Assert.Equal(RunPhase.Pending, RunState.Of(dir).Phase);
        _temp.Write("run/recipe.yml", "x");
        Assert.Equal(RunPhase.Stopped, RunState.Of(dir).Phase);
        using (RunDirectoryClaim.Take(dir, RunStart.Resume))
        {
            Assert.True(RunDirectoryClaim.IsHeld(dir));
        }
        Assert.False(RunDirectoryClaim.IsHeld(dir));
        Assert.Equal(RunPhase.Stopped, RunState.Of(dir).Phase);
    }
}

/// <summary>The shipped sweep of the README's headline loads and expands into its 20 runs.</summary>
public sealed class ShippedSweepTests
{
    [Fact]
    public void HeadlineSweep_FourMethodsTimesFiveSeeds()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Hodec.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("repository root not found");
        }
        var sweep = SweepLoader.Load(Path.Combine(root.FullName, "sweeps", "headline.yml"));

        var runs = SweepPlan.Expand(sweep, Path.Combine(root.FullName, "runs", "headline"));

        Assert.Equal(20, runs.Count);
        Assert.Equal("method-dense-s42", runs[0].Name);
        Assert.Equal("method-tt-classical-s4", runs[^1].Name);
        Assert.Equal(Path.Combine(root.FullName, "recipes", "bench", "headline", "4-tt-classical.yml"), runs[^1].Recipe);
        Assert.Equal(root.FullName, sweep.Executor.Kubernetes.Project);
    }
}
