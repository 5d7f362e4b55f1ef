using Hodec.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Hodec.Models;

/// <summary>
/// torchvision's VGG-16 (configuration D), with or without batch norm, with torchvision's state-dict names:
/// <c>features.{i}</c> (conv, [BN,] ReLU, max pool in one Sequential), an adaptive average pool to 7x7 and
/// <c>classifier.{0,3,6}</c> (Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear). torchvision state dicts load directly.
/// </summary>
/// <remarks>
/// <see cref="ModelOptions.Width"/> scales every conv and the two hidden linear layers (4096 at width 1). Because of the
/// adaptive pool, any input of at least 32x32 pixels runs; below 224 the pool repeats the last feature map's cells.
/// </remarks>
public sealed class Vgg : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>torchvision's <c>cfgs["D"]</c>: conv widths, 0 for a 2x2 max pool.</summary>
    private static readonly int[] Vgg16Config = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0];

    /// <summary>The side of the feature map the classifier sees (torchvision's <c>AdaptiveAvgPool2d((7, 7))</c>).</summary>
    public const int PoolSide = 7;

    private ModuleList<nn.Module<Tensor, Tensor>> features;
    private ModuleList<nn.Module<Tensor, Tensor>> classifier;

    /// <summary>Builds VGG-16 (<paramref name="batchNorm"/>: vgg16_bn).</summary>
    public Vgg(bool batchNorm, ModelOptions options) : base("VGG")
    {
        if (options.InputSize < 32)
        {
            throw new HodecException($"vgg16 halves the image five times and needs inputs of at least 32x32 pixels; got InputSize = {options.InputSize}.");
        }

        var layers = new List<nn.Module<Tensor, Tensor>>();
        int channels = options.InChannels;
        foreach (int width in Vgg16Config)
        {
            if (width == 0)
            {
                layers.Add(nn.MaxPool2d(2, 2));
                continue;
            }

            int outChannels = options.Scale(width);
            layers.Add(nn.Conv2d(channels, outChannels, 3, padding: 1));
            if (batchNorm)
            {
                layers.Add(nn.BatchNorm2d(outChannels));
            }

            layers.Add(nn.ReLU());
            channels = outChannels;
        }

        int hidden = options.Scale(4096);
        features = new ModuleList<nn.Module<Tensor, Tensor>>([.. layers]);
        classifier = new ModuleList<nn.Module<Tensor, Tensor>>(
            nn.Linear(channels * PoolSide * PoolSide, hidden),
            nn.ReLU(),
            nn.Dropout(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Dropout(),
            nn.Linear(hidden, options.NumClasses));
        RegisterComponents();
        TorchvisionInit.Apply(this);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = F.adaptive_avg_pool2d(TorchvisionLayers.Run(features, input), [PoolSide, PoolSide]);
        return TorchvisionLayers.Run(classifier, x.flatten(1)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>
    /// The adaptive pool becomes two MatMuls with constant averaging matrices (exact for any input side, since the
    /// pool is separable), sized for the export's input shape; at 224x224 it is the identity and is left out.
    /// </remarks>
    public string Export(OnnxGraphBuilder graph, string input)
    {
        IReadOnlyList<long> shape = graph.Options.InputShape;
        if (shape.Count != 4)
        {
            throw new HodecException($"vgg16 exports for an NCHW input shape; got [{string.Join(", ", shape)}].");
        }

        string x = TorchvisionLayers.Export(graph, features, input);
        long height = shape[2] >> 5, width = shape[3] >> 5;
        if (height != PoolSide || width != PoolSide)
        {
            using var scope = NewDisposeScope();
            x = graph.AddNode("MatMul", [x, graph.AddInitializer("pool.cols", AdaptivePoolMatrix(width, PoolSide).t().contiguous())]);
            x = graph.MatMulConstLeft(AdaptivePoolMatrix(height, PoolSide), x);
        }

        return TorchvisionLayers.Export(graph, classifier, graph.Flatten(x));
    }

    /// <summary>
    /// The <c>[outSize, inSize]</c> matrix of a 1-D adaptive average pool: row <c>i</c> averages the inputs
    /// <c>floor(i * in / out)</c> to <c>ceil((i + 1) * in / out)</c> (exclusive), as PyTorch does.
    /// </summary>
    internal static Tensor AdaptivePoolMatrix(long inSize, long outSize)
    {
        var values = new float[outSize * inSize];
        for (long i = 0; i < outSize; i++)
        {
            long start = i * inSize / outSize;
            long end = (((i + 1) * inSize) + outSize - 1) / outSize;
            for (long j = start; j < end; j++)
            {
                values[(i * inSize) + j] = 1f / (end - start);
            }
        }

        return tensor(values, [outSize, inSize]);
    }
}
