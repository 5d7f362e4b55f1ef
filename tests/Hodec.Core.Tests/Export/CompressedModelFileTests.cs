using Hodec.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

public sealed class CompressedModelFileTests
{
    [Fact]
    public void SaveLoad_Safetensors_RebuildsIdenticalModelInEvalMode()
    {
        using var scope = NewDisposeScope();
        TestResNet20 saved = TestTtResNet20.Create(TestTtResNet20.Metadata, seed: 51);
        saved.eval();
        string path = ExportTestData.TempPath("model.safetensors");
        Tensor x = ExportTestData.Input(new Generator(52), 2, 3, 32, 32);

        CompressedModelFile.Save(path, saved, TestTtResNet20.Metadata);
        Module<Tensor, Tensor> loaded = CompressedModelFile.Load(path, TestTtResNet20.Factories);

        Assert.IsType<TestResNet20>(loaded);
        Assert.False(loaded.training);
        AssertSameState(saved, loaded);
        using (no_grad())
        {
            Assert.True(saved.call(x).IsSame(loaded.call(x)));
        }
    }

    [Fact]
    public void SaveLoad_Metadata_RoundTripsEveryField()
    {
        using var scope = NewDisposeScope();
        string path = ExportTestData.TempPath("meta.safetensors");
        CompressedModelFile.Save(path, TestTtResNet20.Create(TestTtResNet20.Metadata, seed: 53), TestTtResNet20.Metadata);

        ModelMetadata read = CompressedModelFile.ReadMetadata(path);

        ModelMetadata expected = TestTtResNet20.Metadata;
        Assert.Equal(expected.Architecture, read.Architecture);
        Assert.Equal(expected.Options, read.Options);
        Assert.Equal(expected.Layers.Count, read.Layers.Count);
        for (int i = 0; i < expected.Layers.Count; i++)
        {
            Assert.Equal(expected.Layers[i].Name, read.Layers[i].Name);
            Assert.Equal(expected.Layers[i].Format, read.Layers[i].Format);
            Assert.Equal(expected.Layers[i].InputFactors, read.Layers[i].InputFactors);
            Assert.Equal(expected.Layers[i].OutputFactors, read.Layers[i].OutputFactors);
            Assert.Equal(expected.Layers[i].Ranks, read.Layers[i].Ranks);
        }

        Assert.Contains("\"architecture\":\"test-resnet20\"", SafetensorsFile.ReadMetadata(path)[CompressedModelFile.MetadataKey]);
    }

    [Fact]
    public void SaveLoad_TorchSharpFormat_RebuildsIdenticalModel()
    {
        using var scope = NewDisposeScope();
        TestResNet20 saved = TestTtResNet20.Create(TestTtResNet20.Metadata, seed: 54);
        saved.eval();
        string path = ExportTestData.TempPath("model.dat");
        Tensor x = ExportTestData.Input(new Generator(55), 2, 3, 32, 32);

        CompressedModelFile.SaveTorchSharp(path, saved, TestTtResNet20.Metadata);
        Module<Tensor, Tensor> loaded = CompressedModelFile.LoadTorchSharp(path, TestTtResNet20.Factories);

        Assert.True(File.Exists(CompressedModelFile.SidecarPath(path)));
        Assert.False(loaded.training);
        AssertSameState(saved, loaded);
        using (no_grad())
        {
            Assert.True(saved.call(x).IsSame(loaded.call(x)));
        }
    }

    [Fact]
    public void Load_UnknownArchitecture_ListsRegisteredOnes()
    {
        using var scope = NewDisposeScope();
        string path = ExportTestData.TempPath("m.safetensors");
        CompressedModelFile.Save(path, TestTtResNet20.Create(TestTtResNet20.Metadata, seed: 56), TestTtResNet20.Metadata);
        ModelFactoryRegistry other = ModelFactoryRegistry.Empty.With("vgg-test", _ => Sequential());

        var error = Assert.Throws<HodecException>(() => CompressedModelFile.Load(path, other));

        Assert.Equal(
            "No model factory for architecture 'test-resnet20' (registered: vgg-test). Register one with ModelFactoryRegistry.With(...) before loading.",
            error.Message);
    }

    [Fact]
    public void Load_FactoryBuildsDifferentLayers_ListsEveryMismatch()
    {
        using var scope = NewDisposeScope();
        string path = ExportTestData.TempPath("m.safetensors");
        manual_seed(57);
        CompressedModelFile.Save(path, Sequential(("fc", Linear(4, 3))), ModelMetadata.Dense("tiny"));
        ModelFactoryRegistry wrong = ModelFactoryRegistry.Empty.With("tiny", _ => Sequential(("fc", Linear(5, 3, hasBias: false)), ("out", Linear(3, 2))));

        var error = Assert.Throws<HodecException>(() => CompressedModelFile.Load(path, wrong));

        Assert.Equal(
            string.Join(Environment.NewLine,
                $"The weights in '{path}' do not fit the module rebuilt from its metadata (Sequential):",
                "  - missing in file: out.bias",
                "  - missing in file: out.weight",
                "  - not in model: fc.bias",
                "  - shape differs: fc.weight: file [3, 4], model [3, 5]",
                "The model factory must build the same layers (formats, factorisations, ranks) as the saved model."),
            error.Message);
    }

    [Fact]
    public void ReadMetadata_FileWithoutHodecMetadata_Explains()
    {
        using var scope = NewDisposeScope();
        string path = ExportTestData.TempPath("plain.safetensors");
        SafetensorsFile.Write(path, new Dictionary<string, Tensor> { ["w"] = ones(2) });

        var error = Assert.Throws<HodecException>(() => CompressedModelFile.ReadMetadata(path));

        Assert.StartsWith($"'{path}' is a safetensors file without Hodec metadata ('hodec.model')", error.Message);
    }

    private static void AssertSameState(Module saved, Module loaded)
    {
        Dictionary<string, Tensor> expected = saved.state_dict();
        Dictionary<string, Tensor> actual = loaded.state_dict();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach ((string name, Tensor value) in expected)
        {
            Assert.True(value.IsSame(actual[name]), $"{name} differs after loading");
        }
    }
}
