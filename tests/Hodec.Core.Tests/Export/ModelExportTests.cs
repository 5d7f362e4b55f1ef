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
        Module<Tensor, Tensor> model = ZooTtModels.ResNet20(seed: 71);
        string folder = Path.GetDirectoryName(ExportTestData.TempPath("x"))!;
        Tensor batch = ExportTestData.Input(new Generator(72), 2, 1, 28, 28);

        ModelExportReport report = ModelExport.WriteAll(model, ZooTtModels.Metadata(model), folder, "resnet20-tt", HodecExport.Options(ZooTtModels.Options), batch);

        Assert.Equal(Path.Combine(folder, "resnet20-tt.onnx"), report.OnnxPath);
        Assert.True(report.Verification!.Within(1e-4));
        Module<Tensor, Tensor> fromSafetensors = HodecModelLoader.Load(report.SafetensorsPath);
        Module<Tensor, Tensor> fromTorchSharp = HodecModelLoader.Load(report.TorchSharpPath);
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
