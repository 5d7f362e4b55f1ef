using Hodec.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Hodec.Models;

/// <summary>
/// torchvision's MobileNetV2 (Sandler et al. 2018) with torchvision's state-dict names: <c>features.0</c> (stem
/// conv-BN-ReLU6), <c>features.1</c> to <c>features.17</c> (inverted residuals, <c>features.{i}.conv.{j}</c>),
/// <c>features.18</c> (1x1 conv to 1280), global average pool, <c>classifier.1</c> (Linear after Dropout).
/// </summary>
/// <remarks>
/// <see cref="ModelOptions.Width"/> is torchvision's <c>width_mult</c> (channels rounded to multiples of 8). The
/// depthwise 3x3 convs (<c>groups</c> = channels) are not decomposition candidates: the layer selector leaves them
/// dense and says so; the 1x1 expand and project convs, the stem and the classifier can be compressed.
/// </remarks>
public sealed class MobileNetV2 : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>torchvision's <c>inverted_residual_setting</c>: expansion t, channels c, repeats n, first stride s.</summary>
    private static readonly (int T, int C, int N, int S)[] Setting =
        [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];

    private ModuleList<nn.Module<Tensor, Tensor>> features;
    private ModuleList<nn.Module<Tensor, Tensor>> classifier;

    /// <summary>Builds the network.</summary>
    public MobileNetV2(ModelOptions options) : base("MobileNetV2")
    {
        double widthMult = options.Width;
        int inputChannel = MakeDivisible(32 * widthMult);
        int lastChannel = MakeDivisible(1280 * Math.Max(1.0, widthMult));
        var layers = new List<nn.Module<Tensor, Tensor>> { new ConvBnRelu6(options.InChannels, inputChannel, 3, 2, 1) };
        foreach (var (t, c, n, s) in Setting)
        {
            int outputChannel = MakeDivisible(c * widthMult);
            for (int i = 0; i < n; i++)
            {
                layers.Add(new InvertedResidual(inputChannel, outputChannel, i == 0 ? s : 1, t));
                inputChannel = outputChannel;
            }
        }

        layers.Add(new ConvBnRelu6(inputChannel, lastChannel, 1, 1, 1));
        features = new ModuleList<nn.Module<Tensor, Tensor>>([.. layers]);
        classifier = new ModuleList<nn.Module<Tensor, Tensor>>(nn.Dropout(0.2), nn.Linear(lastChannel, options.NumClasses));
        RegisterComponents();
        TorchvisionInit.Apply(this);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = F.adaptive_avg_pool2d(TorchvisionLayers.Run(features, input), 1).flatten(1);
        return TorchvisionLayers.Run(classifier, x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string Export(OnnxGraphBuilder graph, string input)
    {
        string x = graph.GlobalAveragePool(TorchvisionLayers.Export(graph, features, input));
        return TorchvisionLayers.Export(graph, classifier, graph.Flatten(x));
    }

    /// <summary>torchvision's <c>_make_divisible(v, 8)</c>: the nearest multiple of 8, at least 8, never 10% below <paramref name="value"/>.</summary>
    internal static int MakeDivisible(double value, int divisor = 8)
    {
        int rounded = Math.Max(divisor, (int)(value + (divisor / 2.0)) / divisor * divisor);
        return rounded < 0.9 * value ? rounded + divisor : rounded;
    }
}

/// <summary>
/// torchvision's <c>InvertedResidual</c>: <c>conv</c> = [1x1 expand conv-BN-ReLU6 (when the expansion is not 1),]
/// 3x3 depthwise conv-BN-ReLU6, 1x1 project conv, BN; plus the input when the stride is 1 and the widths match.
/// </summary>
public sealed class InvertedResidual : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private ModuleList<nn.Module<Tensor, Tensor>> conv;
    private readonly bool useResidual;

    /// <summary>Builds the block.</summary>
    public InvertedResidual(int inChannels, int outChannels, int stride, int expandRatio) : base("InvertedResidual")
    {
        int hidden = (int)Math.Round((double)inChannels * expandRatio, MidpointRounding.ToEven);
        useResidual = stride == 1 && inChannels == outChannels;
        var layers = new List<nn.Module<Tensor, Tensor>>();
        if (expandRatio != 1)
        {
            layers.Add(new ConvBnRelu6(inChannels, hidden, 1, 1, 1));
        }

        layers.Add(new ConvBnRelu6(hidden, hidden, 3, stride, hidden));
        layers.Add(nn.Conv2d(hidden, outChannels, 1, bias: false));
        layers.Add(nn.BatchNorm2d(outChannels));
        conv = new ModuleList<nn.Module<Tensor, Tensor>>([.. layers]);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = TorchvisionLayers.Run(conv, input);
        return (useResidual ? input + x : x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string Export(OnnxGraphBuilder graph, string input)
    {
        string x = TorchvisionLayers.Export(graph, conv, input);
        return useResidual ? graph.Add(input, x) : x;
    }
}
