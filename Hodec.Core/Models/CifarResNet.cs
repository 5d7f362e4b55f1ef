using Hodec.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Hodec.Models;

/// <summary>
/// The CIFAR ResNets of He et al. 2016 (ResNet-6n+2): a 3x3 stem with 16 channels, three stages of n basic blocks
/// with 16/32/64 channels, global average pooling and a linear classifier named <c>linear</c>.
/// Paths: <c>conv1</c>, <c>bn1</c>, <c>layer1.0.conv1</c> ... <c>layer3.{n-1}.bn2</c>, <c>linear</c>.
/// </summary>
public sealed class CifarResNet : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private nn.Module<Tensor, Tensor> conv1;
    private nn.Module<Tensor, Tensor> bn1;
    private ModuleList<nn.Module<Tensor, Tensor>> layer1;
    private ModuleList<nn.Module<Tensor, Tensor>> layer2;
    private ModuleList<nn.Module<Tensor, Tensor>> layer3;
    private nn.Module<Tensor, Tensor> linear;

    /// <summary>Builds a CIFAR ResNet with <paramref name="blocksPerStage"/> basic blocks in each stage.</summary>
    public CifarResNet(int blocksPerStage, ModelOptions options) : base($"ResNet{(6 * blocksPerStage) + 2}")
    {
        int w1 = options.Scale(16), w2 = options.Scale(32), w3 = options.Scale(64);
        conv1 = nn.Conv2d(options.InChannels, w1, 3, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(w1);
        layer1 = Stage(w1, w1, blocksPerStage, 1);
        layer2 = Stage(w1, w2, blocksPerStage, 2);
        layer3 = Stage(w2, w3, blocksPerStage, 2);
        linear = nn.Linear(w3, options.NumClasses);
        RegisterComponents();
        ResNetInit.KaimingConvs(this);
    }

    private static ModuleList<nn.Module<Tensor, Tensor>> Stage(int inPlanes, int planes, int blocks, int stride)
    {
        var list = new ModuleList<nn.Module<Tensor, Tensor>>();
        for (int i = 0; i < blocks; i++)
        {
            list.Add(new CifarBasicBlock(i == 0 ? inPlanes : planes, planes, i == 0 ? stride : 1));
        }

        return list;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = F.relu(bn1.call(conv1.call(input)));
        foreach (var stage in new[] { layer1, layer2, layer3 })
        {
            foreach (var block in stage)
            {
                x = block.call(x);
            }
        }

        x = F.adaptive_avg_pool2d(x, 1).flatten(1);
        return linear.call(x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string Export(OnnxGraphBuilder graph, string input)
    {
        string x = graph.Relu(graph.AddConvBatchNorm(conv1, bn1, input));
        foreach (var block in layer1.Concat(layer2).Concat(layer3))
        {
            x = graph.AddModule(block, x);
        }

        return graph.AddModule(linear, graph.Flatten(graph.GlobalAveragePool(x)));
    }
}

/// <summary>
/// Basic block with the parameter-free option-A shortcut: when the shape changes, the identity is subsampled
/// with stride 2 and zero-padded in channels (half the extra channels on each side), as in the CIFAR papers.
/// </summary>
public sealed class CifarBasicBlock : nn.Module<Tensor, Tensor>, IOnnxExportable, IPrunableBlock
{
    private nn.Module<Tensor, Tensor> conv1;
    private nn.Module<Tensor, Tensor> bn1;
    private nn.Module<Tensor, Tensor> conv2;
    private nn.Module<Tensor, Tensor> bn2;
    private readonly int stride;
    private readonly int padChannels;

    /// <summary>Builds a block from <paramref name="inPlanes"/> to <paramref name="planes"/> channels.</summary>
    public CifarBasicBlock(int inPlanes, int planes, int stride) : base("BasicBlock")
    {
        conv1 = nn.Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        this.stride = stride;
        padChannels = planes - inPlanes;
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
        var shortcut = input;
        if (stride != 1 || padChannels != 0)
        {
            shortcut = input[.., .., TensorIndex.Slice(null, null, stride), TensorIndex.Slice(null, null, stride)];
            int before = padChannels / 2;
            shortcut = F.pad(shortcut, [0, 0, 0, 0, before, padChannels - before]);
        }

        return F.relu(x + shortcut).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string Export(OnnxGraphBuilder graph, string input)
    {
        string x = graph.Relu(graph.AddConvBatchNorm(conv1, bn1, input));
        x = graph.AddConvBatchNorm(conv2, bn2, x);
        int before = padChannels / 2;
        string shortcut = stride != 1 || padChannels != 0
            ? graph.OptionAShortcut(input, stride, before, padChannels - before)
            : input;
        return graph.Relu(graph.Add(x, shortcut));
    }
}
