using Hodec.Pipeline;
using Hodec.Shared;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Cache;

/// <summary>
/// The model cache key: what changes it (the recipe's meaning, a --set, the weights' or the dataset's bytes, the tool
/// version) and what does not (comments, the folder the files are in).
/// </summary>
public sealed class CacheKeyTests : IDisposable
{
    private static readonly string[] DataFiles = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // A recipe whose weights and data are copies in a folder of its own (absolute paths: the key follows content).
    private string Project(string folder, string extra = "")
    {
        string root = Path.Combine(_temp.Path, folder);
        Directory.CreateDirectory(Path.Combine(root, "data"));
        string bundled = Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist-mini");
        foreach (string file in DataFiles)
        {
            File.Copy(Path.Combine(bundled, file), Path.Combine(root, "data", file));
        }

        File.WriteAllBytes(Path.Combine(root, "weights.safetensors"), [1, 2, 3, 4]);
        string recipe = Path.Combine(root, "model.hodec.yml");
        File.WriteAllText(recipe, $"""
            version: 1
            name: keyed
            model: {"{"} arch: lenet5, weights: "{Path.Combine(root, "weights.safetensors")}" {"}"}
            data: {"{"} dataset: fashion-mnist-mini, root: "{Path.Combine(root, "data")}" {"}"}
            stages:
              - kind: train
                epochs: 1
            {extra}
            """);
        return recipe;
    }

    private static string Key(string recipe, string version = "0.1.0", params string[] sets) => ModelCacheKey.Compute(recipe, sets, version).Key;

    [Fact]
    public void Key_CoversResolvedRecipeWeightsDataAndToolVersion()
    {
        string recipe = Project("a");
        string key = Key(recipe);
        ModelCacheKeyResult result = ModelCacheKey.Compute(recipe, [], "0.1.0");

        Assert.True(ModelCache.IsKey(key));
        Assert.Equal(["model.weights", .. DataFiles.Select(f => "data/" + f)], result.Files.Select(f => f.Role));
        Assert.Equal(key, Key(recipe)); // deterministic

        // The same recipe text in another folder: the same key (the recipe's own path is not part of it; paths written in
        // the recipe are, as text, so a clone elsewhere keys the same when they are relative). A comment changes nothing.
        string moved = Path.Combine(_temp.Path, "elsewhere", "copy.yml");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        File.Copy(recipe, moved);
        Assert.Equal(key, Key(moved));
        File.AppendAllText(recipe, "# a comment\n");
        Assert.Equal(key, Key(recipe));

        // What decides the result changes it.
        Assert.NotEqual(key, Key(recipe, "0.1.1"));
        Assert.NotEqual(key, Key(recipe, "0.1.0", "stages.train.epochs=2"));
        Assert.NotEqual(key, Key(Project("c", "seed: 7")));
        File.WriteAllBytes(Path.Combine(_temp.Path, "a", "weights.safetensors"), [1, 2, 3, 5]);
        string changedWeights = Key(recipe);
        Assert.NotEqual(key, changedWeights);
        string labels = Path.Combine(_temp.Path, "a", "data", "t10k-labels-idx1-ubyte.gz");
        File.WriteAllBytes(labels, [.. File.ReadAllBytes(labels), 0]);
        Assert.NotEqual(changedWeights, Key(recipe));
    }

    [Fact]
    public void Key_MissingWeights_IsAUserErrorAtTheKey()
    {
        string recipe = Project("a");
        File.Delete(Path.Combine(_temp.Path, "a", "weights.safetensors"));

        var error = Assert.Throws<HodecException>(() => Key(recipe));

        Assert.StartsWith("Weights file not found:", error.Message);
        Assert.Equal($"{recipe}:3:", error.Location![..(recipe.Length + 3)]);
    }

    [Fact]
    public async Task CacheKeyCommand_PrintsTheKey_AndJsonListsTheFiles()
    {
        string recipe = Project("a");

        CliResult plain = await CliRunner.RunAsync("cache", "key", recipe);
        CliResult json = await CliRunner.RunAsync("cache", "key", recipe, "--json");

        Assert.Equal(0, plain.ExitCode);
        Assert.Equal(Key(recipe, Hodec.Tool.Cli.HodecApp.Version), plain.Out.Trim());
        Assert.Contains("\"role\": \"model.weights\"", json.Out);
        Assert.Contains($"\"key\": \"{plain.Out.Trim()}\"", json.Out);
    }

    [Fact]
    public async Task CacheListAndPrune_ShowAndRemoveEntries()
    {
        string cache = Path.Combine(_temp.Path, "cache");
        string run = Path.Combine(_temp.Path, "run");
        Directory.CreateDirectory(Path.Combine(run, "export"));
        File.WriteAllText(Path.Combine(run, "export", "keyed.onnx"), "onnx");
        ModelCache.Store(cache, new string('c', 64), run, ModelCache.ResultFiles(run), "keyed", "0.1.0");

        CliResult list = await CliRunner.RunAsync("cache", "list", "--cache-dir", cache, "--verify");
        CliResult refused = await CliRunner.RunAsync("cache", "prune", "--cache-dir", cache);
        CliResult pruned = await CliRunner.RunAsync("cache", "prune", "--cache-dir", cache, "--all");

        Assert.Equal(0, list.ExitCode);
        Assert.Contains("1 entry", list.Out);
        Assert.Contains("cccccccccccccccc", list.Out);
        Assert.Contains("keyed", list.Out);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--older-than <days>, --max-size <MB> or --all", refused.Error);
        Assert.Contains("removed 1 entry", pruned.Out);
        Assert.Empty(ModelCache.List(cache, verify: false));
    }
}
