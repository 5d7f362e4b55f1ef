using Hodec.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Hodec.Models;

/// <summary>
/// ImageNet-style ResNet-18/34/50 with torchvision's parameter names (<c>conv1</c>, <c>bn1</c>,
/// <c>layer1.0.conv1</c>, <c>layer2.0.downsample.0</c>, <c>fc</c>), so torchvision state dicts load directly.
/// </summary>
public sealed class ImageNetResNet : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private nn.Module<Tensor, Tensor> conv1;
    private nn.Module<Tensor, Tensor> bn1;
    private ModuleList<nn.Module<Tensor, Tensor>> layer1;
    private ModuleList<nn.Module<Tensor, Tensor>> layer2;
    private ModuleList<nn.Module<Tensor, Tensor>> layer3;
    private ModuleList<nn.Module<Tensor, Tensor>> layer4;
    private nn.Module<Tensor, Tensor> fc;

    /// <summary>Builds the network with the given block counts per stage.</summary>
    public ImageNetResNet(bool bottleneck, int[] blocks, ModelOptions options) : base("ResNet")
    {
        int expansion = bottleneck ? 4 : 1;
        int stem = options.Scale(64);
        conv1 = nn.Conv2d(options.InChannels, stem, 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(stem);
        int inPlanes = stem;
        var stages = new ModuleList<nn.Module<Tensor, Tensor>>[4];
        for (int s = 0; s < 4; s++)
        {
            int planes = options.Scale(64 << s);
            var list = new ModuleList<nn.Module<Tensor, Tensor>>();
            for (int b = 0; b < blocks[s]; b++)
            {
                int stride = b == 0 && s > 0 ? 2 : 1;
                list.Add(bottleneck
                    ? new TorchvisionBottleneck(inPlanes, planes, stride)
                    : new TorchvisionBasicBlock(inPlanes, planes, stride));
                inPlanes = planes * expansion;
            }

            stages[s] = list;
        }

        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3]);
        fc = nn.Linear(inPlanes, options.NumClasses);
        RegisterComponents();
        ResNetInit.KaimingConvs(this);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = F.relu(bn1.call(conv1.call(input)));
        x = F.max_pool2d(x, 3, stride: 2, padding: 1);
        foreach (var stage in new[] { layer1, layer2, layer3, layer4 })
        {
            foreach (var block in stage)
            {
                x = block.call(x);
            }
        }

        return fc.call(F.adaptive_avg_pool2d(x, 1).flatten(1)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string Export(OnnxGraphBuilder graph, string input)
    {
        string x = graph.MaxPool(graph.Relu(graph.AddConvBatchNorm(conv1, bn1, input)), 3, 2, 1);
        foreach (var block in layer1.Concat(layer2).Concat(layer3).Concat(layer4))
        {
            x = graph.AddModule(block, x);
        }

        return graph.AddModule(fc, graph.Flatten(graph.GlobalAveragePool(x)));
    }

    /// <summary>The shortcut in ONNX: identity, or the projection conv with its batch norm folded.</summary>
    internal static string ExportShortcut(OnnxGraphBuilder graph, ModuleList<nn.Module<Tensor, Tensor>>? chain, string input) =>
        chain is null ? input : graph.AddConvBatchNorm(chain[0], chain[1], input);

    /// <summary>torchvision's projection shortcut: <c>downsample.0</c> (1x1 conv) and <c>downsample.1</c> (BN).</summary>
    internal static ModuleList<nn.Module<Tensor, Tensor>>? Downsample(int inPlanes, int outPlanes, int stride) =>
        stride == 1 && inPlanes == outPlanes
            ? null
            : new ModuleList<nn.Module<Tensor, Tensor>>(
                nn.Conv2d(inPlanes, outPlanes, 1, stride: stride, bias: false), nn.BatchNorm2d(outPlanes));

    internal static Tensor Apply(ModuleList<nn.Module<Tensor, Tensor>>? chain, Tensor x)
    {
        if (chain is null)
        {
            return x;
        }

        foreach (var m in chain)
        {
            x = m.call(x);
        }

        return x;
    }
}

/// <summary>torchvision's BasicBlock (two 3x3 convs).</summary>
public sealed class TorchvisionBasicBlock : nn.Module<Tensor, Tensor>, IOnnxExportable, IPrunableBlock
{
    private nn.Module<Tensor, Tensor> conv1;
    private nn.Module<Tensor, Tensor> bn1;
    private nn.Module<Tensor, Tensor> conv2;
    private nn.Module<Tensor, Tensor> bn2;
    private ModuleList<nn.Module<Tensor, Tensor>>? downsample;

    /// <summary>Builds the block.</summary>
    public TorchvisionBasicBlock(int inPlanes, int planes, int stride) : base("BasicBlock")
    {
        conv1 = nn.Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        downsample = ImageNetResNet.Downsample(inPlanes, planes, stride);
        InnerWidth = planes;
        RegisterComponents();
    }

    /// <inheritdoc />
    public string Producer => nameof(conv1);

    /// <inheritdoc />
    public string Norm => nameof(bn1);

    /// <inheritdoc />
    public string Consumer => nameof(conv2);

    /// <inheritdoc />
    public int InnerWidth { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = F.relu(bn1.call(conv1.call(input)));
        x = bn2.call(conv2.call(x));
        return F.relu(x + ImageNetResNet.Apply(downsample, input)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string Export(OnnxGraphBuilder graph, string input)
    {
        string x = graph.Relu(graph.AddConvBatchNorm(conv1, bn1, input));
        x = graph.AddConvBatchNorm(conv2, bn2, x);
        return graph.Relu(graph.Add(x, ImageNetResNet.ExportShortcut(graph, downsample, input)));
    }
}

/// <summary>torchvision's Bottleneck (1x1, 3x3 with the stride, 1x1 with 4x expansion).</summary>
public sealed class TorchvisionBottleneck : nn.Module<Tensor, Tensor>, IOnnxExportable, IPrunableBlock
{
    private nn.Module<Tensor, Tensor> conv1;
    private nn.Module<Tensor, Tensor> bn1;
    private nn.Module<Tensor, Tensor> conv2;
    private nn.Module<Tensor, Tensor> bn2;
    private nn.Module<Tensor, Tensor> conv3;
    private nn.Module<Tensor, Tensor> bn3;
    private ModuleList<nn.Module<Tensor, Tensor>>? downsample;

    /// <summary>Builds the block.</summary>
    public TorchvisionBottleneck(int inPlanes, int planes, int stride) : base("Bottleneck")
    {
        conv1 = nn.Conv2d(inPlanes, planes, 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        conv3 = nn.Conv2d(planes, planes * 4, 1, bias: false);
        bn3 = nn.BatchNorm2d(planes * 4);
        downsample = ImageNetResNet.Downsample(inPlanes, planes * 4, stride);
        InnerWidth = planes;
        RegisterComponents();
    }

    /// <inheritdoc />
    public string Producer => nameof(conv1);

    /// <inheritdoc />
    public string Norm => nameof(bn1);

    /// <inheritdoc />
    public string Consumer => nameof(conv2);

    /// <inheritdoc />
    public int InnerWidth { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = F.relu(bn1.call(conv1.call(input)));
        x = F.relu(bn2.call(conv2.call(x)));
        x = bn3.call(conv3.call(x));
        return F.relu(x + ImageNetResNet.Apply(downsample, input)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string Export(OnnxGraphBuilder graph, string input)
    {
        string x = graph.Relu(graph.AddConvBatchNorm(conv1, bn1, input));
        x = graph.Relu(graph.AddConvBatchNorm(conv2, bn2, x));
        x = graph.AddConvBatchNorm(conv3, bn3, x);
        return graph.Relu(graph.Add(x, ImageNetResNet.ExportShortcut(graph, downsample, input)));
    }
}
