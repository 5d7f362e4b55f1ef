using Hodec.Export;
using static TorchSharp.torch;

namespace Hodec.Tests.Export;

/// <summary>HODEC, classical TT and TT-FC layers inside a ResNet-20: ORT against TorchSharp.</summary>
public sealed class TtResNet20ExportTests
{
    [Theory]
    [InlineData(TtContraction.Auto)]
    [InlineData(TtContraction.Merged)]
    [InlineData(TtContraction.Chain)]
    public void TtResNet20_OrtMatchesTorchSharp(TtContraction contraction)
    {
        using var scope = NewDisposeScope();
        TestResNet20 model = TestTtResNet20.Create(TestTtResNet20.Metadata, seed: 31);
        var options = new OnnxExportOptions([1, 3, 32, 32]) { Contraction = contraction, Registry = ReferenceTtLayers.Registry };

        (double diff, OnnxExportResult export) = ExportTestData.ExportAndCompare(model, ExportTestData.Input(new Generator(32), 2, 3, 32, 32), options);

        Assert.True(diff < 1e-4, $"max abs diff {diff}");
        // Every BN folds, into the TT convs' last 1x1 conv when merged, or a per-channel Mul + Add after a chain.
        Assert.False(export.OpCounts.ContainsKey("BatchNormalization"));
        Assert.Equal(contraction == TtContraction.Chain ? 4 : 0, export.OpCounts.GetValueOrDefault("Mul"));
        Assert.Equal(contraction == TtContraction.Chain ? 0 : 1, export.OpCounts.GetValueOrDefault("Gemm"));
    }

    [Fact]
    public void TtResNet20_WithoutFolding_KeepsEveryBatchNormAndMatches()
    {
        using var scope = NewDisposeScope();
        TestResNet20 model = TestTtResNet20.Create(TestTtResNet20.Metadata, seed: 34);
        var options = new OnnxExportOptions([1, 3, 32, 32]) { FoldBatchNorm = false, Registry = ReferenceTtLayers.Registry };

        (double diff, OnnxExportResult export) = ExportTestData.ExportAndCompare(model, ExportTestData.Input(new Generator(35), 2, 3, 32, 32), options);

        Assert.True(diff < 1e-4, $"max abs diff {diff}");
        Assert.Equal(19, export.OpCounts["BatchNormalization"]);
    }

    [Fact]
    public void TtResNet20_WithoutTtExporters_SaysWhichTypeIsMissing()
    {
        using var scope = NewDisposeScope();
        TestResNet20 model = TestTtResNet20.Create(TestTtResNet20.Metadata, seed: 33);

        var error = Assert.Throws<HodecException>(() => OnnxExporter.Build(model, new OnnxExportOptions([1, 3, 32, 32])));

        Assert.Contains($"'{typeof(ReferenceHodecConv2d).FullName}'", error.Message);
    }
}
