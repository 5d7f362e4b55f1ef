using Hodec.Models;
using Hodec.Training;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Hodec.Tests.Training;

/// <summary>PyTorch parity on a fixture made by tests/fixtures/make_lenet5_parity.py with Debian's python3-torch 1.13.</summary>
public sealed class PretrainedWeightsTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    [Theory]
    [InlineData("lenet5.safetensors")]
    [InlineData("lenet5.pt")]
    public void Load_PyTorchLeNet5_ReproducesPyTorchLogits(string file)
    {
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Create("lenet5", new ModelOptions());
        PretrainedWeights.Load(model, Fixture(file));
        model.eval();
        var io = Safetensors.LoadStateDict(Fixture("lenet5_io.safetensors"));
        var logits = model.call(io["input"]);
        double maxDiff = (logits - io["logits"]).abs().max().item<float>();
        Assert.True(maxDiff < 1e-5, $"max |diff| = {maxDiff}");
        Assert.True(io["logits"].abs().max().item<float>() > 1e-2, "fixture logits must not be trivially zero");
    }

    [Fact]
    public void Load_WrongModel_ListsShapeMismatches()
    {
        using var model = ModelZoo.Create("lenet5", new ModelOptions(NumClasses: 5));
        var e = Assert.Throws<HodecException>(() => PretrainedWeights.Load(model, Fixture("lenet5.safetensors")));
        Assert.Equal(
            $"Weights in '{Fixture("lenet5.safetensors")}' do not fit the model:\n" +
            "  shape mismatches: fc3.weight (model [5, 84], file [10, 84]), fc3.bias (model [5], file [10])",
            e.Message);
    }

    [Fact]
    public void Apply_MissingAndUnexpectedKeys_AreListed()
    {
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Create("lenet5", new ModelOptions());
        var source = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        source.Remove("conv2.bias");
        source["conv9.weight"] = zeros(1);
        var e = Assert.Throws<HodecException>(() => PretrainedWeights.Apply(model, source, "x.pt"));
        Assert.Equal("Weights in 'x.pt' do not fit the model:\n  missing keys: conv2.bias\n  unexpected keys: conv9.weight", e.Message);
    }
}
