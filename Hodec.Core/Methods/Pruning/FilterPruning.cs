using Hodec.Compression;
using Hodec.Export;
using Hodec.Layers;
using Hodec.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Methods.Pruning;

/// <summary>
/// Structured filter pruning of residual blocks (<see cref="IPrunableBlock"/>), whatever the criterion: which filters
/// a block keeps, the surgery that keeps them (smaller <c>Conv2d</c>, <c>BatchNorm2d</c>, <c>Conv2d</c>), and the
/// metadata that lets a loader rebuild the smaller blocks. Block outputs, and so the residual additions, keep their
/// widths.
/// </summary>
public static class FilterPruning
{
    /// <summary>
    /// The <paramref name="kept"/> filters of <paramref name="weight"/> (<c>O x I x KH x KW</c>) of highest
    /// importance under <paramref name="method"/>, in ascending channel order (ties go to the lower channel).
    /// </summary>
    public static long[] Kept(IPruningMethod method, Tensor weight, int kept)
    {
        ArgumentNullException.ThrowIfNull(method);
        long filters = weight.shape[0];
        if (kept < 1 || kept > filters)
        {
            throw new HodecException($"A conv with {filters} filters can keep 1..{filters} of them; {kept} were asked for.");
        }

        double[] importance;
        using (var scope = NewDisposeScope())
        {
            importance = method.Importance(weight).data<double>().ToArray();
        }

        return [.. Enumerable.Range(0, importance.Length)
            .OrderByDescending(i => importance[i]).ThenBy(i => i)
            .Take(kept)
            .Order()
            .Select(i => (long)i)];
    }

    /// <summary>
    /// The <c>project</c> stage for one planned block: keeps the filters <paramref name="method"/> ranks highest on the
    /// current weights, at the plan's kept count, and returns <c>||W - Proj(W)||_F / ||W||_F</c> of the block's inner
    /// conv, where <c>Proj</c> zeroes the removed filters.
    /// </summary>
    public static double Apply(nn.Module model, LayerPlan plan, IPruningMethod method)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var (block, producer, _, _) = Parts(model, plan.Path);
        if (plan.Ranks.Count != 1 || plan.InputFactors.Count != 1 || plan.OutputFactors.Count != 1)
        {
            throw new HodecException($"Block '{plan.Path}': a filter-pruning plan has one kept count and whole channels; got kept [{string.Join(", ", plan.Ranks)}].");
        }

        if (producer.in_channels != plan.InputFactors[0] || producer.out_channels != plan.OutputFactors[0] || block.InnerWidth != plan.OutputFactors[0])
        {
            throw new HodecException(
                $"Block '{plan.Path}' has an inner conv {producer.in_channels} -> {producer.out_channels} (architecture width {block.InnerWidth}), " +
                $"but the plan was made for {plan.InputFactors[0]} -> {plan.OutputFactors[0]}; the plan was made for another model, or the block is already pruned.");
        }

        long[] kept = Kept(method, producer.weight!, plan.Ranks[0]);
        double error;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            Tensor w = producer.weight!.detach().to_type(ScalarType.Float64);
            Tensor removed = ones(w.shape[0], dtype: ScalarType.Bool);
            removed.index_put_(tensor(false), tensor(kept));
            error = w[removed].norm().item<double>() / Math.Max(w.norm().item<double>(), double.Epsilon);
        }

        Prune(model, plan.Path, kept);
        return error;
    }

    /// <summary>
    /// In place: the block at <paramref name="blockPath"/> keeps only the inner channels <paramref name="kept"/>
    /// (ascending): its producer conv's filters, its batch norm's channels (affine weights and running statistics) and
    /// its consumer conv's input channels. The replaced modules are disposed; the new ones copy their training flag.
    /// </summary>
    public static void Prune(nn.Module model, string blockPath, IReadOnlyList<long> kept)
    {
        var (block, producer, norm, consumer) = Parts(model, blockPath);
        if (kept.Count == 0 || kept.Any(c => c < 0 || c >= producer.out_channels) || kept.Distinct().Count() != kept.Count)
        {
            throw new HodecException($"Block '{blockPath}': kept channels [{string.Join(", ", kept)}] must be distinct and within 0..{producer.out_channels - 1}.");
        }

        nn.Module newProducer, newNorm, newConsumer;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            Tensor index = tensor(kept.ToArray());
            newProducer = Conv(producer, producer.in_channels, kept.Count, producer.weight!.index_select(0, index), producer.bias?.index_select(0, index));
            newNorm = Norm(norm, index);
            newConsumer = Conv(consumer, kept.Count, consumer.out_channels, consumer.weight!.index_select(1, index), consumer.bias);
        }

        string at = blockPath.Length == 0 ? "" : blockPath + ".";
        ModuleSurgery.Replace(model, at + block.Producer, newProducer).Dispose();
        ModuleSurgery.Replace(model, at + block.Norm, newNorm).Dispose();
        ModuleSurgery.Replace(model, at + block.Consumer, newConsumer).Dispose();
    }

    /// <summary>The metadata entry of a pruned block (null when it keeps its architecture width): ranks <c>(1, kept, 1)</c>.</summary>
    public static LayerMetadata? Describe(nn.Module model, string blockPath)
    {
        if (ModuleSurgery.Get(model, blockPath) is not IPrunableBlock block || ModuleSurgery.Get((nn.Module)block, block.Producer) is not Conv2d producer ||
            producer.out_channels == block.InnerWidth)
        {
            return null;
        }

        return new LayerMetadata(blockPath, LayerFormats.FilterPruned, [(int)producer.in_channels], [block.InnerWidth], [1, (int)producer.out_channels, 1]);
    }

    /// <summary>
    /// Gives the fresh block that <paramref name="layer"/> names the recorded kept width (its first channels, zeros to
    /// be overwritten by the weights a loader reads).
    /// </summary>
    public static void Resize(nn.Module model, LayerMetadata layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var (block, producer, _, _) = Parts(model, layer.Name);
        if (layer.Ranks.Count != 3 || layer.Ranks[0] != 1 || layer.Ranks[2] != 1 || layer.Ranks[1] < 1 || layer.Ranks[1] > block.InnerWidth ||
            layer.InputFactors.Count != 1 || layer.InputFactors[0] != producer.in_channels || layer.OutputFactors.Count != 1 || layer.OutputFactors[0] != block.InnerWidth)
        {
            throw new HodecException(
                $"Metadata of '{layer.Name}' ({layer.Format}) is inconsistent with the architecture's block ({producer.in_channels} -> {block.InnerWidth} inner channels): " +
                $"in [{string.Join(", ", layer.InputFactors)}], out [{string.Join(", ", layer.OutputFactors)}], ranks [{string.Join(", ", layer.Ranks)}]; expected ranks (1, kept, 1).");
        }

        Prune(model, layer.Name, [.. Enumerable.Range(0, layer.Ranks[1]).Select(i => (long)i)]);
    }

    /// <summary>The block at <paramref name="blockPath"/> and its producer conv, batch norm and consumer conv, checked to be prunable.</summary>
    internal static (IPrunableBlock Block, Conv2d Producer, BatchNorm2d Norm, Conv2d Consumer) Parts(nn.Module model, string blockPath)
    {
        var module = ModuleSurgery.Get(model, blockPath);
        if (module is not IPrunableBlock block)
        {
            throw new HodecException($"'{blockPath}' is a {module.GetType().Name}, not a residual block whose inner channels can be pruned.");
        }

        var producer = ModuleSurgery.Get(module, block.Producer);
        var norm = ModuleSurgery.Get(module, block.Norm);
        var consumer = ModuleSurgery.Get(module, block.Consumer);
        if (producer is not Conv2d p || norm is not BatchNorm2d n || consumer is not Conv2d c)
        {
            throw new HodecException(
                $"Block '{blockPath}' holds a {producer.GetType().Name}, {norm.GetType().Name} and {consumer.GetType().Name} at {block.Producer}, {block.Norm} and {block.Consumer}; " +
                "filter pruning needs dense Conv2d, BatchNorm2d and Conv2d there (a block compressed by another method cannot also be pruned).");
        }

        if (p.groups != 1 || c.groups != 1 || n.num_features != p.out_channels || c.in_channels != p.out_channels)
        {
            throw new HodecException($"Block '{blockPath}': its inner conv, batch norm and next conv do not share their channels one to one (groups {p.groups} and {c.groups}), so it cannot be pruned.");
        }

        return (block, p, n, c);
    }

    // A dense conv of the same geometry and dtype with the given channels and (copied) weights.
    private static Conv2d Conv(Conv2d like, long inChannels, long outChannels, Tensor weight, Tensor? bias)
    {
        var g = ConvGeometry.FromConv(like);
        var conv = nn.Conv2d(inChannels, outChannels, (like.kernel_size[0], like.kernel_size[1]), (g.Stride[0], g.Stride[1]), (g.Padding[0], g.Padding[1]),
            (g.Dilation[0], g.Dilation[1]), bias: bias is not null, dtype: weight.dtype);
        conv.weight!.copy_(weight);
        conv.bias?.copy_(bias!);
        conv.train(like.training);
        return conv;
    }

    // The batch norm's channels at index, with its settings, affine weights and running statistics.
    private static BatchNorm2d Norm(BatchNorm2d like, Tensor index)
    {
        var norm = nn.BatchNorm2d(index.shape[0], like.eps, like.momentum ?? 0.1, like.affine, like.track_running_stats, dtype: like.weight?.dtype ?? like.running_mean?.dtype);
        norm.weight?.copy_(like.weight!.index_select(0, index));
        norm.bias?.copy_(like.bias!.index_select(0, index));
        norm.running_mean?.copy_(like.running_mean!.index_select(0, index));
        norm.running_var?.copy_(like.running_var!.index_select(0, index));
        norm.num_batches_tracked?.copy_(like.num_batches_tracked!);
        norm.train(like.training);
        return norm;
    }
}
