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
        // The BNs after the 4 TT convs cannot fold into them and stay as nodes.
        Assert.Equal(4, export.OpCounts["BatchNormalization"]);
        Assert.Equal(contraction == TtContraction.Chain ? 0 : 1, export.OpCounts.GetValueOrDefault("Gemm"));
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
