using Hodec.Layers;
using Hodec.Methods.Pruning;
using Hodec.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Compression;

/// <summary>What <see cref="Projector.Project"/> replaced, and the relative error <c>||W - Proj(W)||_F / ||W||_F</c> it incurred per layer.</summary>
public sealed record ProjectionResult(IReadOnlyList<LayerPlan> Replaced, IReadOnlyDictionary<string, double> ApproximationErrors);

/// <summary>
/// The <c>project</c> stage: model surgery from dense layers to TT layers at the planned ranks, or, for filter pruning,
/// from dense residual blocks to blocks with fewer inner channels (<see cref="FilterPruning"/>).
/// </summary>
public static class Projector
{
    /// <summary>
    /// In place: replaces each planned layer by its TT layer (HODEC TT-conv, classical TT-conv or TT-FC), initialised by
    /// TT-SVD of the current weight at the planned ranks, with the dense bias copied. Every other module, parameter and
    /// buffer is left as it is (the same objects). The replaced dense layers are disposed.
    /// </summary>
    /// <exception cref="HodecException">A planned path is missing, not dense, or its shape does not match the plan.</exception>
    public static ProjectionResult Project(nn.Module<Tensor, Tensor> model, CompressionPlan plan)
    {
        var errors = new Dictionary<string, double>();
        foreach (var layer in plan.Layers)
        {
            errors[layer.Path] = Replace(model, layer);
        }

        return new ProjectionResult(plan.Layers, errors);
    }

    /// <summary>
    /// Gives a fresh dense model the TT structure of <paramref name="plan"/> (same layer types and core shapes as
    /// <see cref="Project"/>), so a compressed checkpoint or state dict can be loaded into it. Core values come from the
    /// model's current weights and are meant to be overwritten by the load.
    /// </summary>
    public static void ApplyStructure(nn.Module<Tensor, Tensor> model, CompressionPlan plan)
    {
        foreach (var layer in plan.Layers)
        {
            _ = Replace(model, layer);
        }
    }

    private static double Replace(nn.Module<Tensor, Tensor> model, LayerPlan layer)
    {
        if (PruningMethods.Find(layer.Format) is { } pruning)
        {
            return FilterPruning.Apply(model, layer, pruning);
        }

        var module = ModuleSurgery.Get(model, layer.Path);
        var (weight, bias) = TtFormats.DenseParameters(module, layer.Path);
        var layout = TtFormats.Layout(layer, module);
        layout.CheckWeightShape(weight, layer.Path);
        var method = layer.Method();
        nn.Module<Tensor, Tensor> tt = method.Build(layout, weight, bias, TtFormats.Geometry(module), layer.Ranks);
        if (!((ITtLayer)tt).Ranks.SequenceEqual(layer.Ranks.Select(r => (long)r)))
        {
            throw new HodecException($"Layer '{layer.Path}': the plan's ranks [{string.Join(", ", layer.Ranks)}] are not realisable for modes [{string.Join(", ", method.Modes(layout))}] (built [{string.Join(", ", ((ITtLayer)tt).Ranks)}]); re-plan the model.");
        }

        tt.train(module.training);
        double error;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            Tensor w = weight.detach();
            error = (w - ((ITtLayer)tt).ReconstructWeight()).norm().item<float>() / Math.Max(w.norm().item<float>(), float.Epsilon);
        }

        ModuleSurgery.Replace(model, layer.Path, tt).Dispose();
        return error;
    }
}

/// <summary>Shape check with the layer's path in the message.</summary>
internal static class LayoutChecks
{
    public static void CheckWeightShape(this HodecLayout layout, Tensor weight, string path)
    {
        long[] expected = weight.dim() == 2 ? [layout.OutChannels, layout.InChannels] : [layout.OutChannels, layout.InChannels, layout.KernelH, layout.KernelW];
        if (!weight.shape.SequenceEqual(expected))
        {
            throw new HodecException($"Layer '{path}' has weight [{string.Join(", ", weight.shape)}] but the plan's factors give [{string.Join(", ", expected)}]; the plan was made for another model.");
        }
    }
}
