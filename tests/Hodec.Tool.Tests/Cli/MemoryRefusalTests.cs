using Hodec.Tool.Cli;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Cli;

/// <summary>A model or batch that cannot fit in memory is refused with a located message, not a libtorch frame dump.</summary>
[Collection(SerialEngineCollection.Name)]
public sealed class MemoryRefusalTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Recipe(string model, int batch) => _temp.Write("big.yml", $$"""
        version: 1
        name: big
        model: { {{model}} }
        data: { dataset: fashion-mnist-mini, batch_size: {{batch}} }
        stages: [{ kind: train, epochs: 1 }]
        """);

    [Fact]
    public async Task Run_BatchFarBeyondMemory_Exit2_AtBatchSize_NoStack_NothingTrained()
    {
        string recipe = Recipe("arch: resnet50", 10_000_000);
        string run = Path.Combine(_temp.Path, "run");

        CliResult result = await CliRunner.RunAsync("run", recipe, "--out", run, "--quiet");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains($"\n{recipe}:4:50: error: The model (resnet50, 23,522,250 parameters) needs about ", result.Error);
        Assert.Contains("to train at batch size 10000000", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        // Nothing of a run was written, so the corrected recipe can run into the same directory.
        Assert.False(File.Exists(Path.Combine(run, "recipe.yml")));
        Assert.False(Directory.Exists(Path.Combine(run, "checkpoints")));
    }

    [Fact]
    public async Task Validate_WidthFarBeyondMemory_Exit2_AtModelWidth()
    {
        string recipe = Recipe("arch: resnet20, width: 400000", 128);

        CliResult result = await CliRunner.RunAsync("validate", recipe);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.StartsWith($"{recipe}:3:33: error: The model (resnet20, ", result.Error);
        Assert.Contains("needs at least ", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }
}
