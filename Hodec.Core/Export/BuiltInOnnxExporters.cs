using Hodec.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Export;

/// <summary>Exporters for TorchSharp's standard layers (eval-mode semantics).</summary>
internal static class BuiltInOnnxExporters
{
    public static IEnumerable<IOnnxModuleExporter> All =>
    [
        new OnnxAffineModuleExporter<Conv2d>(ExportConv),
        new OnnxModuleExporter<BatchNorm2d>(ExportBatchNorm),
        new OnnxModuleExporter<ReLU>((_, g, x) => g.Relu(x)),
        new OnnxModuleExporter<ReLU6>(ExportRelu6),
        new OnnxModuleExporter<MaxPool2d>(ExportMaxPool),
        new OnnxModuleExporter<AvgPool2d>(ExportAvgPool),
        new OnnxModuleExporter<AdaptiveAvgPool2d>(ExportAdaptiveAvgPool),
        new OnnxModuleExporter<Flatten>(ExportFlatten),
        new OnnxModuleExporter<Linear>((m, g, x) => g.Linear(x, m.weight!, m.bias)),
        new OnnxModuleExporter<Dropout>((_, _, x) => x),
        new OnnxModuleExporter<Identity>((_, _, x) => x),
        new OnnxModuleExporter<Sequential>(ExportSequential),
    ];

    private static string ExportConv(Conv2d conv, OnnxGraphBuilder g, string x, ChannelAffine? affine)
    {
        if (affine is null)
        {
            return g.Conv(x, conv.weight!, conv.bias, ConvGeometry.FromConv(conv, allowGroups: true), conv.groups);
        }

        using var scope = NewDisposeScope();
        (Tensor weight, Tensor bias) = affine.FoldInto(conv.weight!, conv.bias);
        return g.Conv(x, weight, bias, ConvGeometry.FromConv(conv, allowGroups: true), conv.groups);
    }

    private static string ExportRelu6(ReLU6 relu, OnnxGraphBuilder g, string x)
    {
        using var scope = NewDisposeScope();
        return g.AddNode("Clip", [x, g.AddInitializer("clip.min", tensor(0f)), g.AddInitializer("clip.max", tensor(6f))]);
    }

    private static string ExportBatchNorm(BatchNorm2d bn, OnnxGraphBuilder g, string x)
    {
        if (!BatchNormFolding.IsFoldable(bn))
        {
            throw new HodecException(
                "BatchNorm2d without running statistics (track_running_stats: false) normalises with batch statistics " +
                "even in eval mode, which an inference graph cannot reproduce; train it with running statistics.");
        }

        using var scope = NewDisposeScope();
        Tensor gamma = bn.weight is null ? ones(bn.num_features) : bn.weight.detach();
        Tensor beta = bn.bias is null ? zeros(bn.num_features) : bn.bias.detach();
        return g.AddNode("BatchNormalization",
            [
                x,
                g.AddInitializer("bn.scale", gamma),
                g.AddInitializer("bn.bias", beta),
                g.AddInitializer("bn.mean", bn.running_mean!),
                g.AddInitializer("bn.var", bn.running_var!),
            ],
            OnnxAttr.Float("epsilon", (float)bn.eps));
    }

    private static string ExportMaxPool(MaxPool2d pool, OnnxGraphBuilder g, string x)
    {
        long[] kernel = pool.kernel_size;
        long[] stride = pool.stride ?? kernel;
        long[] padding = pool.padding ?? [0, 0];
        long[] dilation = pool.dilation ?? [1, 1];
        return g.AddNode("MaxPool", [x],
            OnnxAttr.Ints("kernel_shape", kernel),
            OnnxAttr.Ints("strides", stride),
            OnnxAttr.Ints("pads", padding[0], padding[1], padding[0], padding[1]),
            OnnxAttr.Ints("dilations", dilation),
            OnnxAttr.Int("ceil_mode", pool.ceil_mode ? 1 : 0));
    }

    private static string ExportAvgPool(AvgPool2d pool, OnnxGraphBuilder g, string x)
    {
        if (pool.divisor_override is not null)
        {
            throw new HodecException("AvgPool2d with divisor_override has no ONNX AveragePool equivalent; remove the override.");
        }

        long[] kernel = pool.kernel_size;
        long[] stride = pool.stride ?? kernel;
        long[] padding = pool.padding ?? [0, 0];
        return g.AddNode("AveragePool", [x],
            OnnxAttr.Ints("kernel_shape", kernel),
            OnnxAttr.Ints("strides", stride),
            OnnxAttr.Ints("pads", padding[0], padding[1], padding[0], padding[1]),
            OnnxAttr.Int("count_include_pad", pool.count_include_pad ? 1 : 0),
            OnnxAttr.Int("ceil_mode", pool.ceil_mode ? 1 : 0));
    }

    private static string ExportAdaptiveAvgPool(AdaptiveAvgPool2d pool, OnnxGraphBuilder g, string x)
    {
        if (pool.output_size.Any(size => size != 1))
        {
            throw new HodecException(
                $"AdaptiveAvgPool2d to [{string.Join(", ", pool.output_size)}] cannot be exported; only a global pool " +
                "(output size 1x1, GlobalAveragePool) is supported. Use AvgPool2d with a fixed kernel instead.");
        }

        return g.GlobalAveragePool(x);
    }

    private static string ExportFlatten(Flatten flatten, OnnxGraphBuilder g, string x)
    {
        if (flatten.start_dim != 1 || flatten.end_dim != -1)
        {
            throw new HodecException(
                $"Flatten(start_dim: {flatten.start_dim}, end_dim: {flatten.end_dim}) cannot be exported; only " +
                "Flatten(1, -1), which keeps the batch dim, maps to ONNX Flatten.");
        }

        return g.Flatten(x, 1);
    }

    /// <summary>Children in order; a layer directly followed by a BatchNorm2d goes through BN folding.</summary>
    private static string ExportSequential(Sequential sequential, OnnxGraphBuilder g, string x)
    {
        Module[] children = sequential.children().ToArray();
        for (int i = 0; i < children.Length; i++)
        {
            if (children[i] is not TorchSharp.Modules.BatchNorm2d && i + 1 < children.Length && children[i + 1] is BatchNorm2d bn)
            {
                x = g.AddConvBatchNorm(children[i], bn, x);
                i++;
            }
            else
            {
                x = g.AddModule(children[i], x);
            }
        }

        return x;
    }
}
