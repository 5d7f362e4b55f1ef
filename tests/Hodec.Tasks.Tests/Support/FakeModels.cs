using Hodec.Export;
using Hodec.Layers;
using Hodec.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Tasks.Tests.Support;

/// <summary>Compressed models for the fake tool to hand out: real files in the exported format, untrained.</summary>
public static class FakeModels
{
    /// <summary>A ResNet-20 (1x28x28, 10 classes, half width) with one HODEC conv, saved with its metadata.</summary>
    public static void WriteCompressedResNet20(string path)
    {
        manual_seed(7);
        var options = new ModelOptions(InChannels: 1, NumClasses: 10, Width: 0.5, InputSize: 28);
        using var model = ModelZoo.Create("resnet20", options);
        var conv = (Conv2d)ModuleSurgery.Get(model, "layer3.0.conv2");
        ModuleSurgery.Replace(model, "layer3.0.conv2", HodecConv2d.FromDense(conv, new HodecConvOptions(MaxRank: 4))).Dispose();
        CompressedModelFile.Save(path, model, HodecExport.Describe("resnet20", options, model));
    }
}
