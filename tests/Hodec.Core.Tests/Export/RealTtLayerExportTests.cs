using Hodec.Export;
using Hodec.Layers;
using Hodec.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

/// <summary>The real TT layers and zoo models through <see cref="HodecExport.DefaultRegistry"/>: ORT against TorchSharp.</summary>
public sealed class RealTtLayerExportTests
{
    [Theory]
    [InlineData(TtExecutionPath.Merged, TtContraction.Auto, true)]
    [InlineData(TtExecutionPath.Sequential, TtContraction.Auto, true)]
    [InlineData(TtExecutionPath.Sequential, TtContraction.Auto, false)]
    [InlineData(TtExecutionPath.Merged, TtContraction.Chain, true)]
    [InlineData(TtExecutionPath.Sequential, TtContraction.Merged, true)]
    public void HodecConv2d_WithBatchNorm_OrtMatchesTorchSharp(TtExecutionPath path, TtContraction contraction, bool fold)
    {
        using var scope = NewDisposeScope();
        manual_seed(81);
        var layer = HodecConv2d.FromDense(Conv2d(16, 32, 3, stride: 2, padding: 1, bias: true), new HodecConvOptions(MaxRank: 5, Path: path));
        var model = Sequential(("conv", layer), ("bn", BatchNorm2d(32)));
        ExportTestData.RandomiseBatchNorms(model, new Generator(82));

        (double diff, OnnxExportResult export) = Compare(model, [2, 16, 9, 9], contraction, fold);

        Assert.True(diff < 1e-4, $"max abs diff {diff}");
        Assert.Equal(fold ? 0 : 1, export.OpCounts.GetValueOrDefault("BatchNormalization"));
        // Auto mirrors the layer's own path: merged chains are 1x1 Convs (3 Convs in all), sequential ones MatMuls.
        bool merged = contraction == TtContraction.Merged || (contraction == TtContraction.Auto && path == TtExecutionPath.Merged);
        Assert.Equal(merged ? 3 : 1, export.OpCounts["Conv"]);
        Assert.Equal(merged ? 0 : 4, export.OpCounts.GetValueOrDefault("MatMul"));
    }

    [Theory]
    [InlineData(TtContraction.Auto)]
    [InlineData(TtContraction.Chain)]
    public void ClassicalTtConv2d_WithBatchNorm_OrtMatchesTorchSharp(TtContraction contraction)
    {
        using var scope = NewDisposeScope();
        manual_seed(83);
        var layer = ClassicalTtConv2d.FromDense(Conv2d(8, 16, 3, padding: 1, bias: true), new HodecConvOptions(MaxRank: 4));
        var model = Sequential(("conv", layer), ("bn", BatchNorm2d(16)));
        ExportTestData.RandomiseBatchNorms(model, new Generator(84));

        (double diff, OnnxExportResult export) = Compare(model, [2, 8, 7, 7], contraction, fold: true);

        Assert.True(diff < 1e-4, $"max abs diff {diff}");
        Assert.False(export.OpCounts.ContainsKey("BatchNormalization"));
    }

    [Theory]
    [InlineData(TtContraction.Auto)]
    [InlineData(TtContraction.Merged)]
    [InlineData(TtContraction.Chain)]
    public void TtLinear_OrtMatchesTorchSharp(TtContraction contraction)
    {
        using var scope = NewDisposeScope();
        manual_seed(85);
        var layer = TtLinear.FromDense(Linear(64, 10), new HodecConvOptions(InputFactors: [8, 8], OutputFactors: [2, 5], MaxRank: 3));

        (double diff, OnnxExportResult export) = Compare(layer, [3, 64], contraction, fold: true);

        Assert.True(diff < 1e-4, $"max abs diff {diff}");
        // Auto takes the chain here: 3*2*8*8 + 5*3*8*2 = 624 MACs against 640 for the merged 10x64 Gemm.
        Assert.Equal(contraction == TtContraction.Merged ? 0 : 2, export.OpCounts.GetValueOrDefault("MatMul"));
        Assert.Equal(contraction == TtContraction.Merged ? 1 : 0, export.OpCounts.GetValueOrDefault("Gemm"));
    }

    [Theory]
    [InlineData(TtContraction.Auto)]
    [InlineData(TtContraction.Merged)]
    [InlineData(TtContraction.Chain)]
    public void ResNet20WithEveryTtLayer_OrtMatchesTorchSharp_AndEveryBatchNormFolds(TtContraction contraction)
    {
        using var scope = NewDisposeScope();
        Module<Tensor, Tensor> model = ZooTtModels.ResNet20(seed: 86, TtExecutionPath.Sequential);

        (double diff, OnnxExportResult export) = Compare(model, [2, 1, 28, 28], contraction, fold: true);

        Assert.True(diff < 1e-4, $"max abs diff {diff}");
        Assert.False(export.OpCounts.ContainsKey("BatchNormalization"));
        // Option-A shortcuts: two stride-2 stages subsample (Slice) and pad channels (Pad).
        Assert.Equal(2, export.OpCounts["Slice"]);
        Assert.Equal(2, export.OpCounts["Pad"]);
        OnnxVerifier.CheckLoads(export.Path);
    }

    [Fact]
    public void LeNet5WithHodecAndTtFc_OrtMatchesTorchSharp()
    {
        using var scope = NewDisposeScope();
        manual_seed(87);
        var options = new ModelOptions(InChannels: 1, NumClasses: 10, InputSize: 28);
        Module<Tensor, Tensor> model = ModelZoo.Create("lenet5", options);
        ZooTtModels.Swap(model, "conv2", HodecConv2d.FromDense(ZooTtModels.Conv(model, "conv2"), new HodecConvOptions(MaxRank: 4)));
        var fc1 = (Linear)ModuleSurgery.Get(model, "fc1");
        ZooTtModels.Swap(model, "fc1", TtLinear.FromDense(fc1, new HodecConvOptions(InputFactors: [16, 25], OutputFactors: [10, 12], MaxRank: 6)));

        (double diff, OnnxExportResult export) = Compare(model, [2, 1, 28, 28], TtContraction.Auto, fold: true);

        Assert.True(diff < 1e-4, $"max abs diff {diff}");
        Assert.Equal(2, export.OpCounts["MaxPool"]);
    }

    [Fact]
    public void ImageNetResNet18_NarrowWithHodecBlockConv_OrtMatchesTorchSharp()
    {
        using var scope = NewDisposeScope();
        manual_seed(88);
        Module<Tensor, Tensor> model = ModelZoo.Create("resnet18", new ModelOptions(InChannels: 3, NumClasses: 5, Width: 0.125, InputSize: 32));
        ZooTtModels.Swap(model, "layer2.0.conv1", HodecConv2d.FromDense(ZooTtModels.Conv(model, "layer2.0.conv1"), new HodecConvOptions(MaxRank: 4)));
        ExportTestData.RandomiseBatchNorms(model, new Generator(89));

        (double diff, OnnxExportResult export) = Compare(model, [2, 3, 32, 32], TtContraction.Auto, fold: true);

        Assert.True(diff < 1e-4, $"max abs diff {diff}");
        Assert.False(export.OpCounts.ContainsKey("BatchNormalization"));
        Assert.Equal(1, export.OpCounts["MaxPool"]);
    }

    [Fact]
    public void DefaultRegistry_KnowsTheTtLayers()
    {
        Assert.Contains(typeof(HodecConv2d), HodecExport.DefaultRegistry.ModuleTypes);
        Assert.Contains(typeof(ClassicalTtConv2d), HodecExport.DefaultRegistry.ModuleTypes);
        Assert.Contains(typeof(TtLinear), HodecExport.DefaultRegistry.ModuleTypes);
        Assert.IsAssignableFrom<IOnnxAffineModuleExporter>(HodecExport.DefaultRegistry.TryGet(typeof(HodecConv2d), out var e) ? e : null);
    }

    private static (double Diff, OnnxExportResult Export) Compare(Module<Tensor, Tensor> model, long[] shape, TtContraction contraction, bool fold)
    {
        var options = new OnnxExportOptions([1, .. shape[1..]]) { Registry = HodecExport.DefaultRegistry, Contraction = contraction, FoldBatchNorm = fold };
        return ExportTestData.ExportAndCompare(model, ExportTestData.Input(new Generator(90), shape), options);
    }
}
