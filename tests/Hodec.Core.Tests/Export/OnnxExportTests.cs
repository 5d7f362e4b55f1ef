using Hodec.Export;
using Hodec.Models;
using Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

public sealed class OnnxExportTests
{
    private static Sequential SmallConvNet() => Sequential(
        ("conv1", Conv2d(3, 8, 3, padding: 1)),
        ("bn1", BatchNorm2d(8)),
        ("relu1", ReLU()),
        ("pool1", MaxPool2d(2)),
        ("conv2", Conv2d(8, 12, 3, stride: 2, padding: 1, bias: false)),
        ("bn2", BatchNorm2d(12)),
        ("relu2", ReLU6()),
        ("pool2", AvgPool2d(2)),
        ("drop", Dropout(0.3)),
        ("gap", AdaptiveAvgPool2d(1)),
        ("flatten", Flatten()),
        ("fc", Linear(12, 5)));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void SmallConvNet_OrtMatchesTorchSharp(bool foldBatchNorm)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(3);
        manual_seed(3);
        Sequential model = SmallConvNet();
        ExportTestData.RandomiseBatchNorms(model, gen);
        var options = new OnnxExportOptions([1, 3, 16, 16]) { FoldBatchNorm = foldBatchNorm };

        (double diff, OnnxExportResult export) = ExportTestData.ExportAndCompare(model, ExportTestData.Input(gen, 4, 3, 16, 16), options);

        Assert.True(diff < 1e-4, $"max abs diff {diff}");
        Assert.Equal(foldBatchNorm ? 0 : 2, export.OpCounts.GetValueOrDefault("BatchNormalization"));
        Assert.Equal(2, export.OpCounts["Conv"]);
        Assert.Equal(1, export.OpCounts["Gemm"]);
        Assert.True(model.training, "export must restore the training flag");
    }

    [Fact]
    public void ResNet20_OrtMatchesTorchSharp_AndBatchNormIsFolded()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(5);
        manual_seed(5);
        var model = ModelZoo.Create("resnet20", new ModelOptions(InChannels: 3, NumClasses: 10, InputSize: 32));
        ExportTestData.RandomiseBatchNorms(model, gen);

        (double diff, OnnxExportResult export) = ExportTestData.ExportAndCompare(
            model, ExportTestData.Input(gen, 2, 3, 32, 32), new OnnxExportOptions([1, 3, 32, 32]));

        Assert.True(diff < 1e-4, $"max abs diff {diff}");
        Assert.Equal(19, export.OpCounts["Conv"]);
        Assert.False(export.OpCounts.ContainsKey("BatchNormalization"));
        Assert.Equal(9, export.OpCounts["Add"]);
        Assert.Equal(2, export.OpCounts["Pad"]);
        Assert.Equal(2, export.OpCounts["Slice"]);
    }

    [Fact]
    public void Export_RestoresEachModulesOwnTrainingFlag()
    {
        using var scope = NewDisposeScope();
        Sequential model = SmallConvNet();
        model.train();
        Module frozen = model.named_children().Single(c => c.name == "bn1").module;
        frozen.eval();

        OnnxExporter.Build(model, new OnnxExportOptions([1, 3, 16, 16]));

        Assert.True(model.training);
        Assert.False(frozen.training);
        Assert.True(model.named_children().Single(c => c.name == "bn2").module.training);
    }

    [Fact]
    public void Export_DynamicBatch_RunsOtherBatchSizes()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(8);
        manual_seed(8);
        Sequential model = SmallConvNet();
        string path = ExportTestData.TempPath("dyn.onnx");
        OnnxExporter.Export(model, path, new OnnxExportOptions([1, 3, 16, 16]));

        IReadOnlyList<int> shape = OnnxVerifier.CheckLoads(path);
        OutputComparison comparison = OnnxVerifier.CompareOutputs(model, path, ExportTestData.Input(gen, 7, 3, 16, 16));

        Assert.Equal([-1, 3, 16, 16], shape);
        Assert.Equal(7, comparison.Samples);
        Assert.True(comparison.Within(1e-4), $"max abs diff {comparison.MaxAbsDiff}");
    }

    [Fact]
    public void Build_WritesOpset17ModelWithNamedInputAndOutput()
    {
        using var scope = NewDisposeScope();
        ModelProto proto = OnnxExporter.Build(Sequential(("relu", ReLU())), new OnnxExportOptions([1, 2, 3, 3]) { InputName = "x", OutputName = "y" });

        Assert.Equal(17, proto.OpsetImport.Single().Version);
        Assert.Equal("x", proto.Graph.Input.Single().Name);
        Assert.Equal("y", proto.Graph.Output.Single().Name);
        Assert.Equal(["Relu", "Identity"], proto.Graph.Node.Select(n => n.OpType));
        Assert.Equal("N", proto.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
    }

    [Fact]
    public void Export_UnknownModuleType_NamesTypeAndRemedy()
    {
        using var scope = NewDisposeScope();
        var model = Sequential(("act", GELU()));

        var error = Assert.Throws<HodecException>(() => OnnxExporter.Build(model, new OnnxExportOptions([1, 4])));

        Assert.Contains("No ONNX exporter for module type 'TorchSharp.Modules.GELU'", error.Message);
        Assert.Contains("IOnnxExportable", error.Message);
    }

    [Fact]
    public void Options_Invalid_ReportsEveryError()
    {
        using var scope = NewDisposeScope();
        var options = new OnnxExportOptions([0, 3]) { Opset = 13, OutputName = "input" };

        var error = Assert.Throws<HodecException>(() => OnnxExporter.Build(Sequential(("relu", ReLU())), options));

        Assert.Equal(
            string.Join(Environment.NewLine,
                "Invalid ONNX export options:",
                "  - InputShape must list positive dims, batch first (e.g. [1, 3, 32, 32]); got [0, 3].",
                "  - Opset must be 17 or later; got 13.",
                "  - InputName and OutputName must be non-empty and different; got 'input' and 'input'."),
            error.Message);
    }

    [Fact]
    public void CheckLoads_CorruptFile_ThrowsWithOrtMessage()
    {
        string path = ExportTestData.TempPath("broken.onnx");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);

        var error = Assert.Throws<HodecException>(() => OnnxVerifier.CheckLoads(path));

        Assert.StartsWith($"ONNX Runtime rejected '{path}' at load time:", error.Message);
    }

    [Fact]
    public void CheckLoads_GraphWithTypeError_FailsOrtLoadTimeChecks()
    {
        using var scope = NewDisposeScope();
        string path = ExportTestData.TempPath("bad-type.onnx");
        // float + int64: ORT's type inference rejects the graph when the session is created.
        ModelProto proto = OnnxExporter.Build(new OnnxExportOptions([1, 3]), (g, x) => g.Add(x, g.AddInt64("k", 1, 2, 3)));
        OnnxExporter.Write(proto, path);

        var error = Assert.Throws<HodecException>(() => OnnxVerifier.CheckLoads(path));
        Assert.Contains("Type", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Registry_With_ReplacesExporterForType()
    {
        using var scope = NewDisposeScope();
        OnnxExporterRegistry registry = OnnxExporterRegistry.Default.With<ReLU>((_, g, x) => g.AddNode("Sigmoid", [x]));

        ModelProto proto = OnnxExporter.Build(Sequential(("act", ReLU())), new OnnxExportOptions([1, 4]) { Registry = registry });

        Assert.Equal("Sigmoid", proto.Graph.Node[0].OpType);
        Assert.Contains(typeof(Conv2d), OnnxExporterRegistry.Default.ModuleTypes);
        Assert.Empty(OnnxExporterRegistry.Empty.ModuleTypes);
    }
}
