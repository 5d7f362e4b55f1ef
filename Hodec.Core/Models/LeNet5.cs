using Hodec.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Hodec.Models;

/// <summary>
/// LeNet-5: conv(5x5) - relu - maxpool - conv(5x5) - relu - maxpool - fc - fc - fc.
/// conv1 is zero-padded so that a 28x28 input behaves like the original 32x32 one.
/// </summary>
public sealed class LeNet5 : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    // Typed as the base module so that model surgery can swap in another layer.
    private nn.Module<Tensor, Tensor> conv1;
    private nn.Module<Tensor, Tensor> conv2;
    private nn.Module<Tensor, Tensor> fc1;
    private nn.Module<Tensor, Tensor> fc2;
    private nn.Module<Tensor, Tensor> fc3;

    /// <summary>Builds LeNet-5 for the given options.</summary>
    public LeNet5(ModelOptions options) : base("LeNet5")
    {
        int c1 = options.Scale(6), c2 = options.Scale(16), h1 = options.Scale(120), h2 = options.Scale(84);
        int pad = Math.Max(0, (32 - options.InputSize) / 2);
        int side = ((options.InputSize + (2 * pad) - 4) / 2 - 4) / 2;
        if (side < 1)
        {
            throw new HodecException($"lenet5 needs inputs of at least 16x16 pixels; got InputSize = {options.InputSize}.");
        }

        conv1 = nn.Conv2d(options.InChannels, c1, 5, padding: pad);
        conv2 = nn.Conv2d(c1, c2, 5);
        fc1 = nn.Linear(c2 * side * side, h1);
        fc2 = nn.Linear(h1, h2);
        fc3 = nn.Linear(h2, options.NumClasses);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = F.max_pool2d(F.relu(conv1.call(input)), 2);
        x = F.max_pool2d(F.relu(conv2.call(x)), 2);
        x = F.relu(fc1.call(x.flatten(1)));
        x = F.relu(fc2.call(x));
        return fc3.call(x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string Export(OnnxGraphBuilder graph, string input)
    {
        string x = graph.MaxPool(graph.Relu(graph.AddModule(conv1, input)), 2, 2);
        x = graph.MaxPool(graph.Relu(graph.AddModule(conv2, x)), 2, 2);
        x = graph.Relu(graph.AddModule(fc1, graph.Flatten(x)));
        x = graph.Relu(graph.AddModule(fc2, x));
        return graph.AddModule(fc3, x);
    }
}
