using Hodec.Export;
using Hodec.Layers;
using Hodec.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Inference;

/// <summary>One batch norm folded into the layer that feeds it (module paths from <c>named_modules()</c>).</summary>
public sealed record FoldedBatchNorm(string Layer, string BatchNorm);

/// <summary>
/// Batch norms folded into their convolutions for TorchSharp inference, undone on <see cref="Dispose"/> (the model's
/// weights, modules and state come back bit for bit).
/// </summary>
public sealed class InferenceFold : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly List<Action> _undo;
    private bool _disposed;

    internal InferenceFold(nn.Module<Tensor, Tensor> model, IReadOnlyList<FoldedBatchNorm> folded, IReadOnlyList<string> unfolded, List<Action> undo, double maxAbsDiff)
    {
        _model = model;
        Folded = folded;
        Unfolded = unfolded;
        _undo = undo;
        MaxAbsDiff = maxAbsDiff;
    }

    /// <summary>The folds made.</summary>
    public IReadOnlyList<FoldedBatchNorm> Folded { get; }

    /// <summary>
    /// Batch norms left as they were: not fed directly by a dense conv or a HODEC layer, without running statistics, or
    /// held in a field typed <see cref="BatchNorm2d"/> (which cannot take the identity that replaces a folded one).
    /// </summary>
    public IReadOnlyList<string> Unfolded { get; }

    /// <summary>Largest difference between the folded and the unfolded model's outputs on the check input.</summary>
    public double MaxAbsDiff { get; }

    /// <summary>Unfolds: restores the convolutions' weights and biases and puts the batch norms back.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        for (int i = _undo.Count - 1; i >= 0; i--)
        {
            _undo[i]();
        }

        InferenceCache.Invalidate(_model);
    }
}

/// <summary>
/// Folds eval-mode batch norms into the layer that feeds them, for TorchSharp inference (latency timing, evaluation),
/// as the ONNX export already does (<see cref="BatchNormFolding"/>): a dense <see cref="Conv2d"/> takes
/// <c>W * s</c> and bias <c>b * s + t</c>; a <see cref="HodecConv2d"/> takes the map into its cached merged output
/// matrix and bias (<see cref="HodecConv2d.FoldOutputAffine"/>). The batch norm is replaced by an identity, so each fold
/// removes one op per call. Not for training: the map is fixed at the running statistics.
/// </summary>
public static class InferenceFolding
{
    /// <summary>
    /// Puts <paramref name="model"/> in eval mode and folds every batch norm whose input is exactly the output of the
    /// module that ran just before it (found by one traced forward of a <paramref name="inputShape"/> input), when
    /// that module is a dense conv or a HODEC layer. Checks that the folded model's outputs match the unfolded ones
    /// on a random input (within <paramref name="tolerance"/> times the largest output, or throws after undoing).
    /// Dispose the result to unfold.
    /// </summary>
    /// <remarks>
    /// Folding assumes the layer's output feeds nothing but the batch norm, as in every conv-BN pair of the model zoo;
    /// the output check catches a model where it does not.
    /// </remarks>
    public static InferenceFold FoldForInference(nn.Module<Tensor, Tensor> model, long[] inputShape, double tolerance = 1e-4)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        ScalarType dtype = model.parameters().FirstOrDefault()?.dtype ?? ScalarType.Float32;
        var (pairs, batchNorms) = Trace(model, zeros(inputShape, dtype));
        Tensor check = randn(inputShape, dtype, generator: new Generator(20261208));
        Tensor reference = model.call(check).detach().clone();

        var undo = new List<Action>();
        var folded = new List<FoldedBatchNorm>();
        try
        {
            FoldPairs(model, pairs, undo, folded);
        }
        catch
        {
            new InferenceFold(model, folded, [], undo, double.NaN).Dispose();
            throw;
        }

        model.eval();
        InferenceCache.Invalidate(model);
        double diff = (model.call(check) - reference).abs().max().item<float>();
        double bound = tolerance * Math.Max(1.0, reference.abs().max().item<float>());
        var fold = new InferenceFold(model, folded, [.. batchNorms.Except(folded.Select(f => f.BatchNorm))], undo, diff);
        if (!(diff <= bound))
        {
            fold.Dispose();
            throw new HodecException(
                $"Folding the batch norms changed the model's outputs by up to {diff:G3} (allowed {bound:G3}); a folded layer's " +
                "output must feed nothing but its batch norm. The model is left unfolded.");
        }

        return fold;
    }

    private static void FoldPairs(nn.Module<Tensor, Tensor> model, List<(string Layer, string BatchNorm)> pairs, List<Action> undo, List<FoldedBatchNorm> folded)
    {
        foreach (var (layerPath, bnPath) in pairs)
        {
            var layer = ModuleSurgery.Get(model, layerPath);
            var bn = (BatchNorm2d)ModuleSurgery.Get(model, bnPath);
            if (!BatchNormFolding.IsFoldable(bn))
            {
                continue;
            }

            bool foldable = layer switch
            {
                Conv2d conv => BatchNormFolding.CanFold(conv, bn),
                HodecConv2d hodec => bn.num_features == hodec.Layout.OutChannels,
                _ => false,
            };
            if (!foldable)
            {
                continue;
            }

            // The batch norm leaves first: a parent whose field is typed BatchNorm2d cannot take the identity, and
            // then the pair stays unfolded.
            var identity = nn.Identity();
            nn.Module old;
            try
            {
                old = ModuleSurgery.Replace(model, bnPath, identity);
            }
            catch (HodecException)
            {
                identity.Dispose();
                continue;
            }

            undo.Add(() => ModuleSurgery.Replace(model, bnPath, old).Dispose());
            if (layer is Conv2d dense)
            {
                FoldConv(dense, bn, undo);
            }
            else
            {
                FoldHodec((HodecConv2d)layer, bn, undo);
            }

            folded.Add(new FoldedBatchNorm(layerPath, bnPath));
        }
    }

    private static void FoldConv(Conv2d conv, BatchNorm2d bn, List<Action> undo)
    {
        using var scope = NewDisposeScope();
        (Tensor weight, Tensor bias) = BatchNormFolding.Fold(conv, bn);
        Tensor oldWeight = conv.weight!.detach().clone().DetachFromDisposeScope();
        Parameter? oldBias = conv.bias;
        bool hadBias = oldBias is not null;
        Tensor? oldBiasValue = hadBias ? oldBias!.detach().clone().DetachFromDisposeScope() : null;
        conv.weight!.copy_(weight);
        if (hadBias)
        {
            conv.bias!.copy_(bias);
        }
        else
        {
            var p = new Parameter(bias.detach().clone(), requires_grad: conv.weight.requires_grad);
            p.DetachFromDisposeScope();
            conv.bias = p;
        }

        undo.Add(() =>
        {
            using (no_grad())
            {
                conv.weight!.copy_(oldWeight);
                if (hadBias)
                {
                    conv.bias!.copy_(oldBiasValue!);
                }
                else
                {
                    var added = conv.bias;
                    conv.bias = null;
                    added?.Dispose();
                }
            }

            oldWeight.Dispose();
            oldBiasValue?.Dispose();
        });
    }

    private static void FoldHodec(HodecConv2d layer, BatchNorm2d bn, List<Action> undo)
    {
        ChannelAffine affine = BatchNormFolding.Affine(bn);
        try
        {
            layer.FoldOutputAffine(affine.Scale, affine.Shift);
        }
        finally
        {
            affine.Scale.Dispose();
            affine.Shift.Dispose();
        }

        undo.Add(layer.UnfoldOutputAffine);
    }

    // One traced forward: a BN is paired with the module that finished last before it (containers finish after their
    // children, so a conv wrapped in a container is not paired), when the BN's input is that module's output tensor
    // (the same native tensor). Modules that run more than once are not paired.
    private static (List<(string Layer, string BatchNorm)> Pairs, List<string> BatchNorms) Trace(nn.Module<Tensor, Tensor> model, Tensor input)
    {
        var leaves = model.named_modules()
            .Where(m => m.module is nn.Module<Tensor, Tensor>)
            .Select(m => (m.name, module: (nn.Module<Tensor, Tensor>)m.module))
            .ToList();
        var removers = new List<Action>();
        var pairs = new List<(string Layer, string BatchNorm)>();
        var calls = new Dictionary<string, int>(StringComparer.Ordinal);
        string? lastPath = null;
        IntPtr lastOutput = IntPtr.Zero;
        try
        {
            foreach (var (name, module) in leaves)
            {
                string path = name;
                if (module is BatchNorm2d)
                {
                    var pre = module.register_forward_pre_hook((_, input) =>
                    {
                        if (lastPath is not null && input.Handle == lastOutput)
                        {
                            pairs.Add((lastPath, path));
                        }

                        return input;
                    });
                    removers.Add(pre.remove);
                }

                var post = module.register_forward_hook((_, _, output) =>
                {
                    calls[path] = calls.GetValueOrDefault(path) + 1;
                    lastPath = path;
                    lastOutput = output.Handle;
                    return output;
                });
                removers.Add(post.remove);
            }

            using var scope = NewDisposeScope();
            _ = model.call(input);
        }
        finally
        {
            removers.ForEach(r => r());
        }

        var once = pairs.Where(p => calls.GetValueOrDefault(p.Layer) == 1 && calls.GetValueOrDefault(p.BatchNorm) == 1).ToList();
        return (once, [.. leaves.Where(l => l.module is BatchNorm2d).Select(l => l.name)]);
    }
}
