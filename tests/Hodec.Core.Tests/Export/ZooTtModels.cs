using Hodec.Export;
using Hodec.Layers;
using Hodec.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

/// <summary>Real zoo models with real TT layers (FromDense + ModuleSurgery.Replace), seeded, BN statistics randomised.</summary>
internal static class ZooTtModels
{
    /// <summary>Fashion-MNIST shaped ResNet-20.</summary>
    public static ModelOptions Options { get; } = new(InChannels: 1, NumClasses: 10, InputSize: 28);

    /// <summary>
    /// ResNet-20 with HODEC at <c>layer1.0.conv1</c>, <c>layer2.0.conv1</c> (stride 2, 16 to 32) and <c>layer3.2.conv2</c>,
    /// a classical TT-conv at <c>layer1.1.conv2</c> and a TT-FC classifier (64 = 8x8 to 10 = 2x5).
    /// </summary>
    public static Module<Tensor, Tensor> ResNet20(long seed, TtExecutionPath path = TtExecutionPath.Auto)
    {
        manual_seed(seed);
        Module<Tensor, Tensor> model = ModelZoo.Create("resnet20", Options);
        foreach (string name in new[] { "layer1.0.conv1", "layer2.0.conv1", "layer3.2.conv2" })
        {
            Swap(model, name, HodecConv2d.FromDense(Conv(model, name), new HodecConvOptions(MaxRank: 6, Path: path)));
        }

        Swap(model, "layer1.1.conv2", ClassicalTtConv2d.FromDense(Conv(model, "layer1.1.conv2"), new HodecConvOptions(MaxRank: 5)));
        var linear = (Linear)ModuleSurgery.Get(model, "linear");
        Swap(model, "linear", TtLinear.FromDense(linear, new HodecConvOptions(InputFactors: [8, 8], OutputFactors: [2, 5], MaxRank: 4)));
        ExportTestData.RandomiseBatchNorms(model, new Generator((ulong)seed + 1));
        model.eval();
        return model;
    }

    /// <summary>Metadata of a model built by <see cref="ResNet20"/>.</summary>
    public static ModelMetadata Metadata(Module model) => HodecExport.Describe("resnet20", Options, model);

    public static Conv2d Conv(Module model, string name) => (Conv2d)ModuleSurgery.Get(model, name);

    public static void Swap(Module model, string name, Module replacement) => ModuleSurgery.Replace(model, name, replacement).Dispose();
}
