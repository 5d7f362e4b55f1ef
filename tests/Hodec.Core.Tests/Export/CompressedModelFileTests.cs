using Hodec.Export;
using Hodec.Layers;
using Hodec.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

public sealed class CompressedModelFileTests
{
    [Fact]
    public void SaveLoad_Safetensors_RebuildsIdenticalModelThroughTheLoader()
    {
        using var scope = NewDisposeScope();
        Module<Tensor, Tensor> saved = ZooTtModels.ResNet20(seed: 51);
        string path = ExportTestData.TempPath("model.safetensors");
        Tensor x = ExportTestData.Input(new Generator(52), 2, 1, 28, 28);

        CompressedModelFile.Save(path, saved, ZooTtModels.Metadata(saved));
        Module<Tensor, Tensor> loaded = HodecModelLoader.Load(path);

        Assert.IsType<CifarResNet>(loaded);
        Assert.False(loaded.training);
        Assert.IsType<HodecConv2d>(ModuleSurgery.Get(loaded, "layer2.0.conv1"));
        Assert.IsType<ClassicalTtConv2d>(ModuleSurgery.Get(loaded, "layer1.1.conv2"));
        Assert.IsType<TtLinear>(ModuleSurgery.Get(loaded, "linear"));
        Assert.IsType<Conv2d>(ModuleSurgery.Get(loaded, "layer1.0.conv2"));
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
        Module<Tensor, Tensor> model = ZooTtModels.ResNet20(seed: 53);
        ModelMetadata expected = ZooTtModels.Metadata(model);
        CompressedModelFile.Save(path, model, expected);

        ModelMetadata read = HodecModelLoader.ReadMetadata(path);

        Assert.Equal("resnet20", read.Architecture);
        Assert.Equal(expected.Options, read.Options);
        Assert.Equal(["layer1.0.conv1", "layer1.1.conv2", "layer2.0.conv1", "layer3.2.conv2", "linear"], read.Layers.Select(l => l.Name).Order(StringComparer.Ordinal));
        Assert.Equal(expected.Layers.Select(l => l.Name), read.Layers.Select(l => l.Name));
        for (int i = 0; i < expected.Layers.Count; i++)
        {
            Assert.Equal(expected.Layers[i].Format, read.Layers[i].Format);
            Assert.Equal(expected.Layers[i].InputFactors, read.Layers[i].InputFactors);
            Assert.Equal(expected.Layers[i].OutputFactors, read.Layers[i].OutputFactors);
            Assert.Equal(expected.Layers[i].Ranks, read.Layers[i].Ranks);
        }

        // TT-SVD of a 64x10 weight reordered to (2*8, 5*8) caps the one bond at min(16, 40, MaxRank 4).
        LayerMetadata linear = read.Layer("linear")!;
        Assert.Equal(LayerFormats.TtFc, linear.Format);
        Assert.Equal([8, 8], linear.InputFactors);
        Assert.Equal([2, 5], linear.OutputFactors);
        Assert.Equal([1, 4, 1], linear.Ranks);
        Assert.Contains("\"architecture\":\"resnet20\"", SafetensorsFile.ReadMetadata(path)[CompressedModelFile.MetadataKey]);
    }

    [Fact]
    public void SaveLoad_TorchSharpFormat_RebuildsIdenticalModelThroughTheLoader()
    {
        using var scope = NewDisposeScope();
        Module<Tensor, Tensor> saved = ZooTtModels.ResNet20(seed: 54);
        string path = ExportTestData.TempPath("model.dat");
        Tensor x = ExportTestData.Input(new Generator(55), 2, 1, 28, 28);

        CompressedModelFile.SaveTorchSharp(path, saved, ZooTtModels.Metadata(saved));
        Module<Tensor, Tensor> loaded = HodecModelLoader.Load(path);

        Assert.True(File.Exists(CompressedModelFile.SidecarPath(path)));
        Assert.False(loaded.training);
        AssertSameState(saved, loaded);
        using (no_grad())
        {
            Assert.True(saved.call(x).IsSame(loaded.call(x)));
        }
    }

    [Fact]
    public void Loader_MissingFile_SaysWhatToGive()
    {
        string path = Path.Combine(Path.GetTempPath(), "hodec-no-such-model", "model.safetensors");

        var error = Assert.Throws<HodecException>(() => HodecModelLoader.Load(path));

        Assert.Equal($"No model file at '{path}'. Give the path of the model.safetensors the export wrote.", error.Message);
    }

    [Fact]
    public void Loader_MetadataThatDoesNotFitTheArchitecture_NamesTheLayer()
    {
        using var scope = NewDisposeScope();
        var metadata = new ModelMetadata("lenet5", new Dictionary<string, string>(), [new LayerMetadata("fc1", LayerFormats.Hodec, [16, 25], [10, 12], [1, 2, 2, 2, 2, 1])]);

        var error = Assert.Throws<HodecException>(() => HodecExport.DefaultFactories.Create(metadata));

        Assert.Equal(
            "Metadata says 'fc1' is a hodec layer, but the Linear at that path in the architecture cannot be one " +
            "(hodec and classical-tt replace Conv2d, tt-fc replaces Linear).",
            error.Message);
    }

    [Fact]
    public void Load_UnknownArchitecture_ListsRegisteredOnes()
    {
        using var scope = NewDisposeScope();
        string path = ExportTestData.TempPath("m.safetensors");
        Module<Tensor, Tensor> model = ZooTtModels.ResNet20(seed: 56);
        CompressedModelFile.Save(path, model, ZooTtModels.Metadata(model));
        ModelFactoryRegistry other = ModelFactoryRegistry.Empty.With("vgg-test", _ => Sequential());

        var error = Assert.Throws<HodecException>(() => CompressedModelFile.Load(path, other));

        Assert.Equal(
            "No model factory for architecture 'resnet20' (registered: vgg-test). Register one with ModelFactoryRegistry.With(...) before loading.",
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
