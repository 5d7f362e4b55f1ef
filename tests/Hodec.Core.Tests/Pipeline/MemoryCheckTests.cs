using Hodec.Models;
using Hodec.Pipeline;
using Hodec.Recipes;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Pipeline;

/// <summary>Models and batches that cannot fit in memory are refused before libtorch allocates them.</summary>
public sealed class MemoryCheckTests
{
    private const long GiB = 1L << 30;

    private static Recipe Recipe(string arch, int batch, string width = "", string stages = "[{ kind: train, epochs: 1 }]") => RecipeLoader.Parse($$"""
        version: 1
        name: memory
        model: { arch: {{arch}}{{width}} }
        data: { dataset: fashion-mnist-mini, batch_size: {{batch}} }
        compression: { format: hodec, target: { macs_reduction: 0.5 } }
        stages: {{stages}}
        """);

    [Fact]
    public void ParameterCount_OnTheMetaDevice_IsThePublishedCount_AndAllocatesNothing()
    {
        // Published figures: ResNet-50 (torchvision) 25,557,032 for 3 channels and 1000 classes; here 1 channel and 10
        // classes: conv1 loses 2*64*7*7 = 6,272 and the classifier 2048*990 + 990 = 2,028,510.
        Assert.Equal(25_557_032 - 6_272 - 2_028_510, MemoryCheck.ParameterCount(Recipe("resnet50", 128)));
        // CIFAR ResNet-20 with option-A shortcuts: 269,722 for 3 channels; 1 channel saves 2*16*9 = 288.
        Assert.Equal(269_722 - 288, MemoryCheck.ParameterCount(Recipe("resnet20", 128)));
        // The default device is back to the CPU afterwards.
        using var t = zeros(1);
        Assert.Equal(DeviceType.CPU, t.device_type);
    }

    [Fact]
    public void ActivationsPerImage_CountsEveryLeafOutput_ByHand()
    {
        using var model = nn.Sequential(("conv", nn.Conv2d(1, 2, 3, padding: 1)), ("relu", nn.ReLU()), ("flat", nn.Flatten()), ("fc", nn.Linear(32, 3)));

        // Input 1x4x4 = 16, conv 2x4x4 = 32, relu 32, flatten 32, linear 3.
        Assert.Equal(16 + 32 + 32 + 32 + 3, MemoryCheck.ActivationsPerImage(model, [1, 1, 4, 4]));
        Assert.True(model.training);
    }

    [Fact]
    public void Estimate_CountsGradientsOptimiserStateAndAdalCopies_PerWeight()
    {
        // SGD with momentum: weight, gradient, momentum. ADAL adds Z and U. Adam has two moments.
        Assert.Equal(new MemoryEstimate(1000, 4000, 8000, 4 * 50 * 128, 128), MemoryCheck.Estimate(Recipe("resnet20", 128), 1000, 50));
        Assert.Equal(16000, MemoryCheck.Estimate(Recipe("resnet20", 128, stages: "[{ kind: adal, epochs: 1 }]"), 1000, 50).StateBytes);
        Assert.Equal(12000, MemoryCheck.Estimate(Recipe("resnet20", 128, stages: "[{ kind: train, epochs: 1, optimizer: { name: adam } }]"), 1000, 50).StateBytes);
    }

    [Fact]
    public void EnsureTrainingFits_ResNet50At224_RefusesABatchFarBeyondMemory_AtTheBatchSizeKey()
    {
        var recipe = RecipeLoader.TryLoad(WriteRecipe("resnet50", 100_000));
        random.manual_seed(1);
        using var model = ModelZoo.Create("resnet50", new ModelOptions(3, 1000, InputSize: 224));

        var e = Assert.Throws<ModelTooLargeException>(() =>
            MemoryCheck.EnsureTrainingFits(recipe.Value, recipe.Source, model, [1, 3, 224, 224], MemoryCheck.Available()));

        Assert.Equal(25_557_032, e.Estimate.Params);
        // About 22 million values per image: far beyond any machine at this batch.
        Assert.True(e.Estimate.ActivationBytes > 1024 * GiB, $"{e.Estimate}");
        Assert.StartsWith("The model (resnet50, 25,557,032 parameters) needs about ", e.Message);
        Assert.Contains("to train at batch size 100000 (weights 97.5 MiB, gradients and optimiser state 195 MiB, activations ", e.Message);
        Assert.EndsWith("Lower data.batch_size or model.width, or choose a smaller model.arch.", e.Message);
        Assert.Equal($"{recipe.Source!.File}:4:50", e.Location);
    }

    [Fact]
    public void EnsureModelFits_AWidthBeyondMemory_IsRefusedAtModelWidth_WithoutAllocating()
    {
        var recipe = RecipeLoader.TryLoad(WriteRecipe("resnet20", 128, ", width: 400000"));

        var e = Assert.Throws<ModelTooLargeException>(() => MemoryCheck.EnsureModelFits(recipe.Value, recipe.Source, 24 * GiB));

        // 269,434 parameters at width 16 grow with the square of the width (x 25,000 here): about 1.7e14.
        Assert.InRange(e.Estimate.Params, 1.6e14, 1.8e14);
        Assert.Contains("needs at least ", e.Message);
        Assert.Equal($"{recipe.Source!.File}:3:33", e.Location);
    }

    [Fact]
    public void Quickstart_FitsThisMachine()
    {
        var path = Path.Combine(Recipes.ShippedRecipesTests.RepoRoot, "recipes", "quickstart.yml");
        var recipe = RecipeLoader.TryLoad(path);
        MemoryCheck.EnsureModelFits(recipe.Value, recipe.Source, MemoryCheck.Available());
        using var model = RecipeModel.Create(recipe.Value);

        var estimate = MemoryCheck.EnsureTrainingFits(recipe.Value, recipe.Source, model, RecipeModel.InputShape(recipe.Value), MemoryCheck.Available());

        Assert.InRange(estimate.TotalBytes, 1, GiB);
    }

    private static string WriteRecipe(string arch, int batch, string width = "")
    {
        var path = Path.Combine(Path.GetTempPath(), $"hodec-memory-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, $$"""
            version: 1
            name: memory
            model: { arch: {{arch}}{{width}} }
            data: { dataset: fashion-mnist-mini, batch_size: {{batch}} }
            stages: [{ kind: train, epochs: 1 }]
            """);
        return path;
    }
}
