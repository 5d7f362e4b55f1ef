using Hodec.Compression;
using Hodec.Costs;
using Hodec.Models;
using Hodec.Recipes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Methods.Pruning;

/// <summary>
/// Plans filter pruning as Li et al. and FPGM do: one uniform pruning ratio over the selected residual blocks, the
/// smallest that meets the budget. A block is selected when both its inner convs are (so excluding either conv of a
/// block keeps it whole); other selected layers (the stem, shortcut convs, the classifier) stay dense, since pruning
/// their outputs would change a residual addition's width. Each plan entry is a block: ranks <c>[kept]</c>, in and out
/// the inner conv's input channels and the block's inner width, costs the whole block's (params of all its modules,
/// MACs of its convs) before and after.
/// </summary>
internal static class FilterPruningPlanner
{
    public static CompressionPlan Plan(nn.Module<Tensor, Tensor> model, ModelCostReport report, LayerSelection selection, BudgetSpec? target, IPruningMethod method)
    {
        string format = YamlNames.Of(method.Format);
        var others = selection.Layers.Where(l => l.Format != method.Format).Select(l => l.Path).ToList();
        if (others.Count > 0)
        {
            throw new HodecException($"Filter pruning ('{format}') prunes whole blocks and cannot be mixed with other formats in one recipe; {string.Join(", ", others.Take(5))} {(others.Count == 1 ? "has" : "have")} another format.");
        }

        if (selection.Layers.Any(l => l.Ranks is not null))
        {
            throw new HodecException($"Filter pruning ('{format}') keeps whole channels and has no ranks; remove compression.ranks and give compression.target for the planner to meet.");
        }

        if (target is null)
        {
            throw new HodecException($"Filter pruning ('{format}') needs a budget, compression.target {{ macs_reduction, params_reduction }}: the planner finds the uniform pruning ratio that meets it.");
        }

        var selected = selection.Layers.Select(l => l.Path).ToHashSet();
        var blocks = new List<Block>();
        foreach (var (path, module) in model.named_modules())
        {
            if (module is IPrunableBlock b && selected.Contains(Child(path, b.Producer)) && selected.Contains(Child(path, b.Consumer)))
            {
                blocks.Add(Block.Of(model, report, path));
            }
        }

        if (blocks.Count == 0)
        {
            throw new HodecException(
                $"Filter pruning ('{format}') prunes the inner channels of residual blocks, and no block has both its convs selected " +
                $"(selected: {string.Join(", ", selected.Take(5))}{(selected.Count > 5 ? ", ..." : "")}); select the blocks' convs (e.g. include 'layer*.conv*').");
        }

        var totals = new Totals(report.TotalParams, report.TotalMacs, blocks.Sum(b => b.Dense.Params), blocks.Sum(b => b.Dense.Macs));
        // Keep fractions where some block's kept count changes, largest first: the first that meets the budget prunes least.
        var fractions = blocks.SelectMany(b => Enumerable.Range(1, (int)b.Width).Select(k => (double)k / b.Width)).Distinct().OrderDescending().ToList();
        foreach (double keep in fractions)
        {
            var kept = blocks.Select(b => b.KeptAt(keep)).ToList();
            var after = blocks.Select((b, i) => b.Cost(kept[i])).ToList();
            var (rm, rp) = totals.Reductions(after.Sum(c => c.Params), after.Sum(c => c.Macs));
            if (RankAllocation.Meets(rm, rp, target))
            {
                var layers = blocks.Select((b, i) => new LayerPlan(b.Path, method.Format, [(int)b.InChannels], [(int)b.Width], [kept[i]], b.Dense, after[i], b.InH, b.InW)).ToList();
                return new CompressionPlan(layers, report.TotalParams, report.TotalMacs, totals.CompressedParams(layers.Sum(l => l.After.Params)), totals.CompressedMacs(layers.Sum(l => l.After.Macs)));
            }
        }

        var least = blocks.Select(b => b.Cost(1)).ToList();
        var (bm, bp) = totals.Reductions(least.Sum(c => c.Params), least.Sum(c => c.Macs));
        throw new HodecException(
            $"The budget ({CompressionPlanner.Describe(target)}) is unreachable by filter pruning of the {blocks.Count} selected blocks: even keeping one channel in each, " +
            $"the best reachable is {CompressionPlanner.Describe(bm, bp)}. Lower the target, or select more blocks.");
    }

    private static string Child(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    /// <summary>A prunable block with what its cost depends on: dense costs, and the inner convs' and norm's sizes.</summary>
    private sealed record Block(string Path, long InChannels, long Width, long OutChannels, long InH, long InW, LayerCost Dense,
        long ProducerWeightsPerFilter, long ProducerPixels, bool ProducerBias, long NormParamsPerChannel, long ConsumerWeightsPerInput, long ConsumerPixels)
    {
        public static Block Of(nn.Module model, ModelCostReport report, string path)
        {
            var (block, producer, norm, consumer) = FilterPruning.Parts(model, path);
            LayerCostRow Row(string child) => report.Rows.FirstOrDefault(r => r.Path == Child(path, child))
                ?? throw new HodecException($"Layer '{Child(path, child)}' did not run in a forward pass on the given input shape, so its cost is unknown.");
            var p = Row(block.Producer);
            var c = Row(block.Consumer);
            if (producer.out_channels != block.InnerWidth)
            {
                throw new HodecException($"Block '{path}' is already pruned ({producer.out_channels} of {block.InnerWidth} inner channels); plan a dense model.");
            }

            long parameters = ModuleSurgery.Get(model, path).parameters().Where(t => t.requires_grad).Sum(t => t.numel());
            long macs = report.Rows.Where(r => r.Path.StartsWith(path + ".", StringComparison.Ordinal)).Sum(r => r.Macs);
            long normParams = norm.parameters().Where(t => t.requires_grad).Sum(t => t.numel()) / norm.num_features;
            return new Block(path, producer.in_channels, producer.out_channels, consumer.out_channels, p.InputShape[^2], p.InputShape[^1],
                new LayerCost("dense", "dense", parameters, macs, parameters, macs, 0, []),
                producer.in_channels * producer.kernel_size[0] * producer.kernel_size[1], p.OutputShape[^2] * p.OutputShape[^1], producer.bias is not null,
                normParams, consumer.out_channels * consumer.kernel_size[0] * consumer.kernel_size[1], c.OutputShape[^2] * c.OutputShape[^1]);
        }

        /// <summary>Channels kept at keep fraction <paramref name="keep"/>: <c>ceil(keep x width)</c>, at least 1.</summary>
        public int KeptAt(double keep) => (int)Math.Clamp(Math.Ceiling((keep * Width) - 1e-9), 1, Width);

        /// <summary>
        /// The block with <paramref name="kept"/> inner channels (method.md section 6: a conv costs <c>H W' O_kept I_kept k^2</c>):
        /// the producer loses filters (and bias), the norm channels, the consumer input channels; the rest is unchanged.
        /// </summary>
        public LayerCost Cost(long kept)
        {
            long removed = Width - kept;
            long producerParams = removed * (ProducerWeightsPerFilter + (ProducerBias ? 1 : 0));
            long producerMacs = removed * ProducerWeightsPerFilter * ProducerPixels;
            long consumerMacs = removed * ConsumerWeightsPerInput * ConsumerPixels;
            long parameters = Dense.Params - producerParams - (removed * NormParamsPerChannel) - (removed * ConsumerWeightsPerInput);
            StageCost[] stages = [new("producer-conv", (kept * ProducerWeightsPerFilter * ProducerPixels)), new("consumer-conv", kept * ConsumerWeightsPerInput * ConsumerPixels)];
            return new LayerCost("filter-pruned", "dense-convs", parameters, Dense.Macs - producerMacs - consumerMacs, Dense.Params, Dense.Macs, 0, stages);
        }
    }
}
