using Hodec.Tool.Cli;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Cli;

/// <summary><c>hodec run --seeds</c> and a recipe's <c>seeds</c>: one sibling run directory per seed, and their aggregate.</summary>
[Collection(SerialEngineCollection.Name)]
public sealed class SeedsCliTests : IDisposable
{
    private static readonly string Tiny = TinyRecipes.Header(train: 128, test: 64) + """
        stages:
          - kind: train
            epochs: 1
        """;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Run_Seeds_OneDirectoryPerSeed_AndTheirMeanAndStd()
    {
        string recipe = _temp.Write("tiny.yml", Tiny);
        string run = Path.Combine(_temp.Path, "runs", "tiny");

        CliResult result = await CliRunner.RunAsync("run", recipe, "--out", run, "--seeds", "3,1", "--quiet");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (int seed in new[] { 3, 1 })
        {
            Assert.True(File.Exists(Path.Combine($"{run}-s{seed}", "report.json")), result.ToString());
            Assert.Contains($"seed: {seed}\n", File.ReadAllText(Path.Combine($"{run}-s{seed}", "recipe.yml")));
        }
        Assert.StartsWith("Done: 2 seeds\n  seed 3: dense after 1 epochs: test top-1 ", result.Out);
        Assert.Contains("\n  seed 1: dense after 1 epochs: test top-1 ", result.Out);
        Assert.Contains("Reference: tiny (2 seeds), test top-1 ", result.Out);
        Assert.Contains(" ± ", result.Out);
        Assert.Contains("  tiny-s3\n  tiny-s1\n", result.Out);

        // compare takes the base name for its seed siblings.
        CliResult compare = await CliRunner.RunAsync("compare", run);
        Assert.Equal(0, compare.ExitCode);
        Assert.Contains("| tiny (2 seeds) | - | dense | - | ", compare.Out);
        Assert.Contains("| tiny (2 seeds) | train 1 | - | - | ", compare.Out);
    }

    [Fact]
    public async Task Run_RecipeSeeds_AreTheDefault_AndSeedOrSeedsOnTheCommandLineWin()
    {
        string recipe = _temp.Write("tiny.yml", Tiny + "\nseeds: [5, 6]\n");
        string run = Path.Combine(_temp.Path, "r");

        CliResult both = await CliRunner.RunAsync("run", recipe, "--out", run, "--seeds", "1", "--seed", "2", "--quiet");
        CliResult listed = await CliRunner.RunAsync("run", recipe, "--out", run, "--quiet");
        CliResult one = await CliRunner.RunAsync("run", recipe, "--out", Path.Combine(_temp.Path, "one"), "--seed", "9", "--quiet");

        Assert.Equal(ExitCodes.InvalidInput, both.ExitCode);
        Assert.Contains("Pass either --seed (one run) or --seeds (one run per seed), not both.", both.Error);
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.True(Directory.Exists($"{run}-s5") && Directory.Exists($"{run}-s6"));
        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Contains("seed: 9\n", File.ReadAllText(Path.Combine(_temp.Path, "one", "recipe.yml")));
        Assert.DoesNotContain("seeds:", File.ReadAllText(Path.Combine(_temp.Path, "one", "recipe.yml")));
    }

    [Theory]
    [InlineData("1,x")]
    [InlineData("1,1")]
    public async Task Run_BadSeeds_Exit2(string seeds)
    {
        string recipe = _temp.Write("tiny.yml", Tiny);

        CliResult result = await CliRunner.RunAsync("run", recipe, "--out", Path.Combine(_temp.Path, "x"), "--seeds", seeds);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("--seeds", result.Error);
    }
}
