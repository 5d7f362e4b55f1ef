using Hodec.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Models;

public sealed class ModelZooTests
{
    // Independent count of a CIFAR ResNet-(6n+2): 3x3 convs without bias, two BN vectors per BN, linear with bias.
    // ResNet-20: 267,696 conv + 1,376 BN + 650 linear = 269,722; ResNet-56: 848,304 + 4,064 + 650 = 853,018
    // (the "0.27M" and "0.85M" of He et al. 2016, Table 6).
    private static long CifarCount(int n, int inChannels, int classes)
    {
        long convs = (inChannels * 16 * 9) + (2L * n * 16 * 16 * 9)
                     + (16 * 32 * 9) + (((2L * n) - 1) * 32 * 32 * 9)
                     + (32 * 64 * 9) + (((2L * n) - 1) * 64 * 64 * 9);
        long bn = 2L * (16 + (2L * n * (16 + 32 + 64)));
        return convs + bn + (64 * classes) + classes;
    }

    [Theory]
    [InlineData("resnet20", 3, 269_722)]
    [InlineData("resnet56", 9, 853_018)]
    public void CifarResNet_ParameterCount_MatchesIndependentCount(string name, int n, long published)
    {
        using var model = ModelZoo.Create(name, new ModelOptions(InChannels: 3, NumClasses: 10, InputSize: 32));
        Assert.Equal(CifarCount(n, 3, 10), ModelZoo.CountParameters(model));
        Assert.Equal(published, ModelZoo.CountParameters(model));
    }

    // torchvision's published totals: resnet18 11.69M, resnet34 21.80M, resnet50 25.56M, vgg16 138.36M, vgg16_bn
    // 138.37M, mobilenet_v2 3.50M (1000 classes).
    [Theory]
    [InlineData("resnet18", 11_689_512)]
    [InlineData("resnet34", 21_797_672)]
    [InlineData("resnet50", 25_557_032)]
    [InlineData("vgg16", 138_357_544)]
    [InlineData("vgg16_bn", 138_365_992)]
    [InlineData("mobilenet_v2", 3_504_872)]
    public void ImageNetResNet_ParameterCount_MatchesTorchvision(string name, long expected)
    {
        using var model = ModelZoo.Create(name, new ModelOptions(InChannels: 3, NumClasses: 1000, InputSize: 224));
        Assert.Equal(expected, ModelZoo.CountParameters(model));
    }

    [Fact]
    public void LeNet5_ClassicCount_On32x32()
    {
        // conv1 1*6*25+6, conv2 6*16*25+16, fc1 400*120+120, fc2 120*84+84, fc3 84*10+10 = 61,706.
        using var model = ModelZoo.Create("lenet5", new ModelOptions(InputSize: 32));
        Assert.Equal(61_706, ModelZoo.CountParameters(model));
        Assert.Equal(ModelZoo.Names.Order(), ModelZoo.Descriptions.Keys.Order());
    }

    [Theory]
    [InlineData("lenet5", 1, 28)]
    [InlineData("resnet20", 1, 28)]
    [InlineData("resnet32", 3, 32)]
    [InlineData("resnet44", 1, 28)]
    [InlineData("resnet56", 1, 28)]
    [InlineData("resnet110", 1, 16)]
    [InlineData("resnet18", 1, 28)]
    [InlineData("resnet34", 3, 32)]
    [InlineData("resnet50", 3, 32)]
    public void Create_EveryModel_ProducesLogitsPerClass(string name, int channels, int size)
    {
        using var scope = NewDisposeScope();
        var model = ModelZoo.Create(name, new ModelOptions(channels, 7, InputSize: size));
        model.eval();
        var y = model.call(randn(2, channels, size, size));
        Assert.Equal(new long[] { 2, 7 }, y.shape);
        model.Dispose();
    }

    [Fact]
    public void Create_UnknownName_ListsAvailableModels()
    {
        var e = Assert.Throws<HodecException>(() => ModelZoo.Create("resnet21", new ModelOptions()));
        Assert.Equal(
            "Unknown model 'resnet21'. Did you mean 'resnet20'? Available models: lenet5, resnet20, resnet32, resnet44, resnet56, resnet110, resnet18, resnet34, resnet50, vgg16, vgg16_bn, mobilenet_v2.",
            e.Message);
    }

    [Fact]
    public void Width_ScalesChannels()
    {
        using var model = ModelZoo.Create("resnet20", new ModelOptions(Width: 2));
        var conv = (TorchSharp.Modules.Conv2d)ModuleSurgery.Get(model, "layer3.2.conv2");
        Assert.Equal(new long[] { 128, 128, 3, 3 }, conv.weight!.shape);
    }

    [Fact]
    public void CifarResNet_Paths_AreStable()
    {
        using var model = ModelZoo.Create("resnet20", new ModelOptions());
        var names = model.named_modules().Select(m => m.name).ToHashSet();
        Assert.Contains("conv1", names);
        Assert.Contains("bn1", names);
        Assert.Contains("layer2.0.conv1", names);
        Assert.Contains("layer3.2.bn2", names);
        Assert.Contains("linear", names);
        Assert.Equal(19, model.named_modules().Count(m => m.module is TorchSharp.Modules.Conv2d));
    }

    [Fact]
    public void ResNet18_StateDictKeys_FollowTorchvision()
    {
        using var model = ModelZoo.Create("resnet18", new ModelOptions(3, 1000));
        var keys = model.state_dict().Keys.ToHashSet();
        foreach (string k in new[]
        {
            "conv1.weight", "bn1.running_mean", "layer1.0.conv1.weight", "layer1.1.bn2.num_batches_tracked",
            "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_var", "layer4.1.conv2.weight", "fc.weight", "fc.bias",
        })
        {
            Assert.Contains(k, keys);
        }

        // torchvision's resnet18 state dict has 122 entries (62 parameters + 60 BN buffers).
        Assert.Equal(122, keys.Count);
    }

    [Fact]
    public void OptionAShortcut_SubsamplesAndZeroPadsChannels()
    {
        using var scope = NewDisposeScope();
        using var block = new CifarBasicBlock(2, 4, 2);
        using (no_grad())
        {
            foreach (var (name, p) in block.named_parameters())
            {
                if (name.EndsWith("weight") && name.StartsWith("conv2"))
                {
                    p.zero_();
                }
            }
        }

        // With conv2 zeroed, bn2 outputs its bias (0), so the block returns relu(shortcut).
        var rng = new Random(3);
        float[] xs = Enumerable.Range(0, 2 * 4 * 4).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var y = block.call(tensor(xs).reshape(1, 2, 4, 4));
        var expected = new float[4 * 2 * 2];
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                {
                    // One zero channel before, one after: input channel c lands at c + 1.
                    expected[((c + 1) * 4) + (i * 2) + j] = Math.Max(0, xs[(c * 16) + (2 * i * 4) + (2 * j)]);
                }

        Assert.Equal(expected, y.data<float>().ToArray());
    }
}
