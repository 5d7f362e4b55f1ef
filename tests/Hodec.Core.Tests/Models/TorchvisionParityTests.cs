using Hodec.Compression;
using Hodec.Export;
using Hodec.Models;
using Hodec.Recipes;
using Hodec.Tests.Export;
using Hodec.Training;
using Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Hodec.Tests.Models;

/// <summary>
/// Hodec's torchvision architectures against PyTorch's torchvision: the same closed-form weights and input give the same
/// logits (tests/fixtures/parity/make_parity.py), in TorchSharp and in the exported ONNX model; a real torch.save file
/// loads by name; the depthwise convs of MobileNetV2 are left dense with a note; compressed models export.
/// </summary>
public sealed class TorchvisionParityTests(ITestOutputHelper log)
{
    public static TheoryData<int> CaseIndices() => [.. Enumerable.Range(0, TorchvisionParity.Cases.Count)];

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void Logits_WithFormulaWeights_MatchTorchvision_InTorchSharpAndOnnx(int index)
    {
        var c = TorchvisionParity.Cases[index];
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Create(c.Arch, new ModelOptions(3, c.NumClasses, c.Width, (int)c.Input[2]));
        TorchvisionParity.Fill(model);
        model.eval();
        Tensor input = TorchvisionParity.Input(c.Input);
        Tensor expected = c.Expected();
        Assert.True(expected[0].sub(expected[1]).abs().max().item<float>() > 1e-2, $"{c}: the fixture's two rows must differ");

        double torchDiff;
        using (no_grad())
        {
            torchDiff = (model.call(input) - expected).abs().max().item<float>();
        }

        Assert.True(torchDiff <= c.Tolerance, $"{c}: TorchSharp max |diff| {torchDiff:G3} > {c.Tolerance:G3}");

        string path = ExportTestData.TempPath(c.Arch + ".onnx");
        OnnxExporter.Export(model, path, new OnnxExportOptions([1, .. c.Input.Skip(1)]) { Registry = HodecExport.DefaultRegistry });
        using (var ort = OrtModel.Open(path))
        {
            double ortDiff = (ort.Run(input) - expected).abs().max().item<float>();
            log.WriteLine($"{c}: max |Hodec - PyTorch| TorchSharp {torchDiff:G3}, ONNX Runtime {ortDiff:G3}, tolerance {c.Tolerance:G3}");
            Assert.True(ortDiff <= c.Tolerance, $"{c}: ONNX Runtime max |diff| {ortDiff:G3} > {c.Tolerance:G3}");
        }

        var output = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Output.Single().Type.TensorType.Shape.Dim;
        Assert.Equal(["N", c.NumClasses.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            output.Select(d => d.DimParam is { Length: > 0 } p ? p : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Load_TorchSavedMobileNetV2StateDict_ByName_GivesPyTorchLogits()
    {
        var c = TorchvisionParity.Pth;
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Create(c.Arch, new ModelOptions(3, c.NumClasses, c.Width, (int)c.Input[2]));
        Assert.True(c.Logits.SelectMany(r => r).Max(Math.Abs) > 0.1, "the fixture's logits must be large enough to test the weights");
        PretrainedWeights.Load(model, TorchvisionParity.Path(c.File!));
        model.eval();
        using var noGrad = no_grad();
        double diff = (model.call(TorchvisionParity.Input(c.Input)) - c.Expected()).abs().max().item<float>();
        log.WriteLine($"{c.File}: max |Hodec - PyTorch| {diff:G3}, tolerance {c.Tolerance:G3}");
        Assert.True(diff <= c.Tolerance, $"max |diff| {diff:G3} > {c.Tolerance:G3}");
    }

    [Fact]
    public void Select_MobileNetV2_LeavesDepthwiseConvsDenseAndSaysSo()
    {
        using var model = ModelZoo.Create("mobilenet_v2", new ModelOptions(3, 10, 0.25, 32));
        var catalog = CompressionPlanner.Catalog(model, [1, 3, 32, 32]);
        var spec = new CompressionSpec(CompressionFormat.LowRank, [], [], RankSpec.Of(4), 2, [], null);

        var selection = LayerSelector.Resolve(spec, catalog);

        Assert.True(selection.Succeeded, string.Join("\n", selection.Diagnostics));
        var depthwise = catalog.Layers.Where(l => l.IsGrouped).Select(l => l.Path).ToList();
        Assert.Equal(17, depthwise.Count);
        Assert.Contains("features.1.conv.0.0", depthwise);
        Assert.DoesNotContain(selection.Layers, l => depthwise.Contains(l.Path));
        Assert.Contains(selection.Layers, l => l.Path == "features.2.conv.0.0");
        Assert.Equal(depthwise, selection.Skipped.Select(n => n.Split(' ')[0]));
        Assert.Equal(
            "features.1.conv.0.0 (Conv2d 8->8, groups 8) stays dense: a grouped (depthwise) conv is not a decomposition candidate",
            selection.Skipped[0]);

        // Naming a depthwise conv explicitly does not fail either: it is skipped with the same note.
        var explicitSpec = spec with { Include = ["features.1.conv.*"] };
        var explicitSelection = LayerSelector.Resolve(explicitSpec, catalog);
        Assert.True(explicitSelection.Succeeded, string.Join("\n", explicitSelection.Diagnostics));
        Assert.Equal(["features.1.conv.1"], explicitSelection.Layers.Select(l => l.Path));
        Assert.Equal([selection.Skipped[0]], explicitSelection.Skipped);

        var plan = CompressionPlanner.Plan(model, [1, 3, 32, 32], selection, spec, useWeights: false);
        Assert.Contains("skipped: features.1.conv.0.0 (Conv2d 8->8, groups 8) stays dense", CompressionPlanText.Format(plan));
    }

    [Theory]
    [InlineData("vgg16", CompressionFormat.Hodec, 0.125)]
    [InlineData("vgg16", CompressionFormat.LowRank, 0.125)]
    [InlineData("vgg16_bn", CompressionFormat.Hodec, 0.125)]
    [InlineData("mobilenet_v2", CompressionFormat.Hodec, 0.5)]
    [InlineData("mobilenet_v2", CompressionFormat.LowRank, 0.5)]
    public void Compress_ThenExport_OnnxMatchesTorchSharp(string arch, CompressionFormat format, double width)
    {
        long[] shape = [1, 3, 32, 32];
        using var scope = NewDisposeScope();
        TorchSharp.torch.random.manual_seed(7);
        using var model = ModelZoo.Create(arch, new ModelOptions(3, 10, width, 32));
        TorchvisionParity.Fill(model);
        var spec = new CompressionSpec(format, ["features.*"], [@"re:features\.0(\.0)?"], RankSpec.Of(4), 2, [], null);
        var selection = LayerSelector.Resolve(spec, CompressionPlanner.Catalog(model, shape));
        Assert.True(selection.Succeeded, string.Join("\n", selection.Diagnostics));
        var plan = CompressionPlanner.Plan(model, shape, selection, spec, useWeights: false);
        Assert.True(plan.Layers.Count >= 12, $"{plan.Layers.Count} layers planned");

        var projection = Projector.Project(model, plan);

        Assert.Equal(plan.Layers.Count, projection.Replaced.Count);
        (double diff, _) = ExportTestData.ExportAndCompare(model, TorchvisionParity.Input([2, 3, 32, 32]), new OnnxExportOptions(shape) { Registry = HodecExport.DefaultRegistry });
        Assert.True(diff < 1e-4, $"ORT vs TorchSharp max |diff| {diff:G3}");
    }
}
