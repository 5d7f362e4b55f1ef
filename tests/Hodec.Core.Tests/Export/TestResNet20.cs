using Hodec.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

/// <summary>Makes the conv at a module path: (name, in, out, kernel, stride, padding) -> module.</summary>
internal delegate Module<Tensor, Tensor> ConvFactory(string name, long inChannels, long outChannels, long kernel, long stride, long padding);

/// <summary>
/// CIFAR ResNet-20 (He et al. 2016) with option-A shortcuts, written for these tests only; the model zoo
/// has its own. Convs come from a factory so TT stand-ins can replace them.
/// </summary>
internal sealed class TestResNet20 : Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Module<Tensor, Tensor> conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Module<Tensor, Tensor> fc;

    public TestResNet20(long inChannels, long classes, ConvFactory? convs = null, Func<long, long, Module<Tensor, Tensor>>? classifier = null)
        : base(nameof(TestResNet20))
    {
        convs ??= DenseConv;
        conv1 = convs("conv1", inChannels, 16, 3, 1, 1);
        bn1 = BatchNorm2d(16);
        layer1 = Stage("layer1", 16, 16, 1, convs);
        layer2 = Stage("layer2", 16, 32, 2, convs);
        layer3 = Stage("layer3", 32, 64, 2, convs);
        fc = classifier?.Invoke(64, classes) ?? Linear(64, classes);
        RegisterComponents();
    }

    public static Module<Tensor, Tensor> DenseConv(string name, long inChannels, long outChannels, long kernel, long stride, long padding) =>
        Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding, bias: false);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor y = functional.relu(bn1.call(conv1.call(x)));
        y = layer3.call(layer2.call(layer1.call(y)));
        y = functional.adaptive_avg_pool2d(y, [1, 1]).flatten(1);
        return fc.call(y).MoveToOuterDisposeScope();
    }

    public string Export(OnnxGraphBuilder graph, string input)
    {
        string y = graph.Relu(graph.AddConvBatchNorm(conv1, bn1, input));
        y = graph.AddModule(layer3, graph.AddModule(layer2, graph.AddModule(layer1, y)));
        return graph.AddModule(fc, graph.Flatten(graph.GlobalAveragePool(y)));
    }

    private static Sequential Stage(string name, long inChannels, long outChannels, long stride, ConvFactory convs)
    {
        var blocks = new List<(string, Module<Tensor, Tensor>)>();
        for (int i = 0; i < 3; i++)
        {
            blocks.Add(($"{i}", new TestBasicBlock($"{name}.{i}", i == 0 ? inChannels : outChannels, outChannels, i == 0 ? stride : 1, convs)));
        }

        return Sequential(blocks);
    }
}

/// <summary>Basic block; the option-A shortcut subsamples x[:, :, ::2, ::2] and zero-pads the new channels.</summary>
internal sealed class TestBasicBlock : Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Module<Tensor, Tensor> conv1;
    private readonly BatchNorm2d bn1;
    private readonly Module<Tensor, Tensor> conv2;
    private readonly BatchNorm2d bn2;
    private readonly long stride;
    private readonly long padChannels;

    public TestBasicBlock(string name, long inChannels, long outChannels, long stride, ConvFactory convs)
        : base(nameof(TestBasicBlock))
    {
        conv1 = convs($"{name}.conv1", inChannels, outChannels, 3, stride, 1);
        bn1 = BatchNorm2d(outChannels);
        conv2 = convs($"{name}.conv2", outChannels, outChannels, 3, 1, 1);
        bn2 = BatchNorm2d(outChannels);
        this.stride = stride;
        padChannels = (outChannels - inChannels) / 2;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor y = functional.relu(bn1.call(conv1.call(x)));
        y = bn2.call(conv2.call(y));
        Tensor shortcut = x;
        if (stride != 1)
        {
            shortcut = shortcut.slice(2, 0, long.MaxValue, stride).slice(3, 0, long.MaxValue, stride);
        }

        if (padChannels > 0)
        {
            shortcut = functional.pad(shortcut, [0, 0, 0, 0, padChannels, padChannels]);
        }

        return functional.relu(y + shortcut).MoveToOuterDisposeScope();
    }

    public string Export(OnnxGraphBuilder graph, string input)
    {
        string y = graph.Relu(graph.AddConvBatchNorm(conv1, bn1, input));
        y = graph.AddConvBatchNorm(conv2, bn2, y);
        string shortcut = graph.OptionAShortcut(input, stride, padChannels, padChannels);
        return graph.Relu(graph.Add(y, shortcut));
    }
}
