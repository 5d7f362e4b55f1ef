using Hodec.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

public sealed class ModelExportTests
{
    [Fact]
    public void WriteAll_WritesThreeFormatsThatReloadAndVerifies()
    {
        using var scope = NewDisposeScope();
        TestResNet20 model = TestTtResNet20.Create(TestTtResNet20.Metadata, seed: 71);
        string folder = Path.GetDirectoryName(ExportTestData.TempPath("x"))!;
        Tensor batch = ExportTestData.Input(new Generator(72), 2, 3, 32, 32);
        var options = new OnnxExportOptions([1, 3, 32, 32]) { Registry = ReferenceTtLayers.Registry };

        ModelExportReport report = ModelExport.WriteAll(model, TestTtResNet20.Metadata, folder, "resnet20-tt", options, batch);

        Assert.Equal(Path.Combine(folder, "resnet20-tt.onnx"), report.OnnxPath);
        Assert.True(report.Verification!.Within(1e-4));
        Module<Tensor, Tensor> fromSafetensors = CompressedModelFile.Load(report.SafetensorsPath, TestTtResNet20.Factories);
        Module<Tensor, Tensor> fromTorchSharp = CompressedModelFile.LoadTorchSharp(report.TorchSharpPath, TestTtResNet20.Factories);
        model.eval();
        using (no_grad())
        {
            Tensor expected = model.call(batch);
            Assert.True(expected.IsSame(fromSafetensors.call(batch)));
            Assert.True(expected.IsSame(fromTorchSharp.call(batch)));
        }
    }

    [Fact]
    public void WriteAll_BadName_ThrowsBeforeWriting()
    {
        using var scope = NewDisposeScope();
        string folder = Path.GetDirectoryName(ExportTestData.TempPath("x"))!;

        var error = Assert.Throws<HodecException>(() =>
            ModelExport.WriteAll(Sequential(("relu", ReLU())), ModelMetadata.Dense("x"), folder, "a/b", new OnnxExportOptions([1, 2])));

        Assert.Equal("Export name 'a/b' is not a valid file name; use letters, digits, '-' or '_'.", error.Message);
        Assert.Empty(Directory.GetFiles(folder));
    }
}
