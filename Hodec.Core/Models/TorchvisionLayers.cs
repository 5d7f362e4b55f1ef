using Hodec.Export;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Hodec.Models;

/// <summary>
/// torchvision's <c>nn.Sequential</c> chains, held as a <see cref="ModuleList{T}"/> so the state-dict names are the
/// same (<c>features.3.weight</c>) and <see cref="ModuleSurgery"/> can swap a conv inside for a compressed layer.
/// </summary>
internal static class TorchvisionLayers
{
    /// <summary>The layers applied in order (the caller owns the dispose scope).</summary>
    public static Tensor Run(IEnumerable<nn.Module<Tensor, Tensor>> layers, Tensor x)
    {
        foreach (var layer in layers)
        {
            x = layer.call(x);
        }

        return x;
    }

    /// <summary>The layers in ONNX; a layer directly followed by a <see cref="BatchNorm2d"/> goes through BN folding.</summary>
    public static string Export(OnnxGraphBuilder graph, IList<nn.Module<Tensor, Tensor>> layers, string x)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is not BatchNorm2d && i + 1 < layers.Count && layers[i + 1] is BatchNorm2d bn)
            {
                x = graph.AddConvBatchNorm(layers[i], bn, x);
                i++;
            }
            else
            {
                x = graph.AddModule(layers[i], x);
            }
        }

        return x;
    }
}

/// <summary>
/// torchvision's <c>Conv2dNormActivation</c> with ReLU6 (MobileNetV2): children <c>0</c> (conv, no bias),
/// <c>1</c> (BN) and <c>2</c> (ReLU6), registered under torchvision's index names.
/// </summary>
public sealed class ConvBnRelu6 : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    [ComponentName(Name = "0")]
    private nn.Module<Tensor, Tensor> conv;
    [ComponentName(Name = "1")]
    private nn.Module<Tensor, Tensor> bn;
    [ComponentName(Name = "2")]
    private nn.Module<Tensor, Tensor> act;

    /// <summary>Builds the block; the padding keeps the size at stride 1, as torchvision's does.</summary>
    public ConvBnRelu6(int inChannels, int outChannels, int kernel, int stride, int groups) : base("Conv2dNormActivation")
    {
        conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false);
        bn = nn.BatchNorm2d(outChannels);
        act = nn.ReLU6();
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return act.call(bn.call(conv.call(input))).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string Export(OnnxGraphBuilder graph, string input) => graph.AddModule(act, graph.AddConvBatchNorm(conv, bn, input));
}
