using System.Globalization;
using Hodec.Compression.Latency;
using Hodec.Costs;
using Hodec.Layers;
using Hodec.Methods;
using Hodec.Methods.Pruning;
using Hodec.Models;
using Hodec.Recipes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Compression;

/// <summary>
/// Chooses, for every selected layer, its TT factorisation and bond ranks, and prices the result on the executed
/// path (<c>HodecConv2d.EstimateCost</c> etc.) against the whole model (<see cref="ModelCost"/>).
/// Explicit ranks are honoured; the other layers get ranks that meet the recipe's budget, rounded to multiples of
/// <see cref="RankAlignment"/> where the bonds allow and the budget still holds (CPU kernels run much faster then).
/// </summary>
public static class CompressionPlanner
{
    /// <summary>Planned ranks are multiples of this where the bond and the budget allow.</summary>
    public const int RankAlignment = 8;

    /// <summary>
    /// Plans the compression of <paramref name="model"/> (dense, not modified). <paramref name="selection"/> comes from
    /// <see cref="LayerSelector.Resolve"/>; <paramref name="spec"/> gives the order and the budget. With
    /// <paramref name="useWeights"/> false, ranks scale with each layer's channel count and the scale is found by
    /// bisection; with true, rank goes where the singular-value energy kept per unit of cost is highest.
    /// </summary>
    /// <exception cref="HodecException">The selection has errors, a layer has no ranks and there is no budget, or the budget is unreachable (the message names the best reachable reductions).</exception>
    public static CompressionPlan Plan(nn.Module<Tensor, Tensor> model, long[] inputShape, LayerSelection selection, CompressionSpec spec, bool useWeights) =>
        Plan(model, inputShape, selection, spec, useWeights, null);

    /// <summary>
    /// As <see cref="Plan(nn.Module{Tensor, Tensor}, long[], LayerSelection, CompressionSpec, bool)"/>; a time budget
    /// (<c>latency_reduction</c>) is planned with <paramref name="latency"/> (null: <see cref="LatencyPlanning.Default"/>),
    /// by per-layer times measured on this machine and the weights' approximation error.
    /// </summary>
    public static CompressionPlan Plan(nn.Module<Tensor, Tensor> model, long[] inputShape, LayerSelection selection, CompressionSpec spec, bool useWeights, LatencyPlanning? latency)
    {
        if (!selection.Succeeded)
        {
            throw new HodecException("The layer selection has errors:\n  " + string.Join("\n  ", selection.Diagnostics.Select(d => d.ToString())));
        }

        if (selection.Layers.Count == 0)
        {
            throw new HodecException("No layer is selected for compression; check compression.include / exclude.");
        }

        BudgetSpec? target = spec.Target;
        ValidateBudget(target);
        ModelCostReport report = ModelCost.Measure(model, inputShape);
        // Filter pruning plans whole blocks, not per-layer rank chains.
        if (selection.Layers.Select(l => PruningMethods.Find(l.Format)).FirstOrDefault(p => p is not null) is { } pruning)
        {
            if (target?.LatencyReduction is not null)
            {
                throw new HodecException(
                    $"Filter pruning ('{YamlNames.Of(selection.Layers.First(l => PruningMethods.Find(l.Format) is not null).Format)}') has no latency planner: it prunes every block by one ratio found from a MAC or parameter budget. " +
                    "Give compression.target { macs_reduction } or { params_reduction } instead of latency_reduction, or use a rank method (hodec, tt-classical, low-rank, tucker2).");
            }

            return FilterPruningPlanner.Plan(model, report, selection, target, pruning);
        }

        var candidates = selection.Layers.Select(l => Candidate(model, report, l, spec, inputShape[0])).ToList();
        if (target?.LatencyReduction is not null)
        {
            return LatencyPlanner.Plan(model, inputShape, report, candidates, selection.Skipped, target, latency ?? LatencyPlanning.Default());
        }
        var totals = new Totals(report.TotalParams, report.TotalMacs, candidates.Sum(c => c.Before.Params), candidates.Sum(c => c.Before.Macs));

        var ranks = new Dictionary<string, int[]>();
        foreach (var c in candidates.Where(c => c.Explicit is not null))
        {
            ranks[c.Path] = c.ExplicitRanks();
        }

        var open = candidates.Where(c => c.Explicit is null).ToList();
        if (open.Count > 0)
        {
            if (target is null)
            {
                throw new HodecException(
                    $"No ranks for {string.Join(", ", open.Select(c => c.Path).Take(5))}{(open.Count > 5 ? ", ..." : "")}: give compression.ranks (or per-layer rule ranks), " +
                    "or a budget compression.target { macs_reduction, params_reduction } for the planner to meet.");
            }

            var fixedCost = Sum(candidates.Where(c => c.Explicit is not null).Select(c => c.Cost(ranks[c.Path])));
            var allocation = new RankAllocation(open, totals.With(fixedCost), target);
            foreach (var (path, r) in useWeights ? allocation.ByEnergy(WeightsOf(model, open)) : allocation.ByScale())
            {
                ranks[path] = r;
            }
        }

        var layers = candidates.Select(c => c.ToPlan(ranks[c.Path])).ToList();
        var plan = new CompressionPlan(
            layers,
            report.TotalParams,
            report.TotalMacs,
            totals.CompressedParams(layers.Sum(l => l.After.Params)),
            totals.CompressedMacs(layers.Sum(l => l.After.Macs)))
        { Skipped = selection.Skipped };
        if (target is not null && !RankAllocation.Meets(plan.MacsReduction, plan.ParamsReduction, target))
        {
            throw new HodecException(
                $"The explicit ranks give {Describe(plan.MacsReduction, plan.ParamsReduction)}, short of the budget ({Describe(target)}). " +
                "Lower the ranks, remove them so the planner chooses, or lower the target.");
        }

        return plan;
    }

    /// <summary>The model's Conv2d and Linear layers as recipes see them (traced on <paramref name="inputShape"/>).</summary>
    public static ILayerCatalog Catalog(nn.Module<Tensor, Tensor> model, long[] inputShape)
    {
        var report = ModelCost.Measure(model, inputShape);
        var layers = new List<LayerInfo>();
        foreach (var row in report.Rows)
        {
            switch (ModuleSurgery.Get(model, row.Path))
            {
                case Conv2d conv:
                    layers.Add(new LayerInfo(row.Path, "Conv2d", (int)conv.in_channels, (int)conv.out_channels, (int)conv.kernel_size[0], (int)conv.stride[0], (int)conv.groups));
                    break;
                case Linear linear:
                    layers.Add(new LayerInfo(row.Path, "Linear", (int)linear.in_features, (int)linear.out_features, 1, 1));
                    break;
            }
        }

        return new LayerCatalog(layers);
    }

    internal static string Describe(double macs, double parameters) =>
        string.Create(CultureInfo.InvariantCulture, $"macs_reduction {macs:0.####}, params_reduction {parameters:0.####}");

    internal static string Describe(BudgetSpec b) =>
        string.Join(", ", new[]
        {
            b.MacsReduction is { } m ? string.Create(CultureInfo.InvariantCulture, $"macs_reduction {m:0.####}") : null,
            b.ParamsReduction is { } p ? string.Create(CultureInfo.InvariantCulture, $"params_reduction {p:0.####}") : null,
        }.Where(s => s is not null));

    private static void ValidateBudget(BudgetSpec? b)
    {
        if (b is null)
        {
            return;
        }

        if (b.MacsReduction is null && b.ParamsReduction is null && b.LatencyReduction is null)
        {
            throw new HodecException("compression.target is empty: give macs_reduction and/or params_reduction, or latency_reduction (fractions between 0 and 1).");
        }

        if (b.LatencyReduction is not null && (b.MacsReduction is not null || b.ParamsReduction is not null))
        {
            throw new HodecException("compression.target.latency_reduction is a budget on its own: give it without macs_reduction / params_reduction.");
        }

        if (b.BatchSize < 1)
        {
            throw new HodecException(string.Create(CultureInfo.InvariantCulture, $"compression.target.batch_size = {b.BatchSize} must be at least 1."));
        }

        foreach (var (name, v) in new[] { ("macs_reduction", b.MacsReduction), ("params_reduction", b.ParamsReduction), ("latency_reduction", b.LatencyReduction) })
        {
            if (v is { } x && (double.IsNaN(x) || x <= 0 || x >= 1))
            {
                throw new HodecException(string.Create(CultureInfo.InvariantCulture, $"compression.target.{name} = {x} must be a fraction between 0 and 1 (e.g. 0.6 for 60% fewer)."));
            }
        }
    }

    private static PlanCandidate Candidate(nn.Module<Tensor, Tensor> model, ModelCostReport report, LayerCompressionSpec layer, CompressionSpec spec, long batch)
    {
        var module = ModuleSurgery.Get(model, layer.Path);
        var (weight, bias) = TtFormats.DenseParameters(module, layer.Path);
        LayerCostRow row = report.Rows.FirstOrDefault(r => r.Path == layer.Path)
            ?? throw new HodecException($"Layer '{layer.Path}' did not run in a forward pass on the given input shape, so its cost is unknown; select layers the model uses.");
        bool isLinear = module is Linear;
        var method = CompressionMethods.Of(layer.Format);
        if (isLinear != (method.AppliesTo == DenseLayerKind.Linear))
        {
            throw new HodecException($"Layer '{layer.Path}' is a {module.GetType().Name}; format '{YamlNames.Of(layer.Format)}' does not apply to it ({YamlNames.Of(layer.Format)} is for {method.AppliesTo} layers).");
        }

        int order = spec.Order > 0 ? spec.Order : CompressionSpec.DefaultOrder;
        int inCh = (int)weight.shape[1], outCh = (int)weight.shape[0];
        var layout = method.Layout(inCh, outCh, isLinear ? 1 : (int)weight.shape[2], isLinear ? 1 : (int)weight.shape[3], order, layer.Factorization);
        long inH = isLinear ? 1 : row.InputShape[^2], inW = isLinear ? 1 : row.InputShape[^1];
        long rows = isLinear ? row.InputShape.Aggregate(1L, (a, b) => a * b) / inCh / batch : 1;
        long[] modes = method.Modes(layout);
        return new PlanCandidate(
            layer.Path, layer.Format, layout, TtFormats.Geometry(module), inH, inW, bias is not null, rows,
            TtFormats.DenseCost(row.Params, row.Macs), modes, BondLimits.Of(modes), layer.Ranks);
    }

    private static Dictionary<string, Tensor> WeightsOf(nn.Module<Tensor, Tensor> model, IEnumerable<PlanCandidate> layers) =>
        layers.ToDictionary(c => c.Path, c => (Tensor)TtFormats.DenseParameters(ModuleSurgery.Get(model, c.Path), c.Path).Weight);

    private static (long Params, long Macs) Sum(IEnumerable<LayerCost> costs)
    {
        long p = 0, m = 0;
        foreach (var c in costs)
        {
            p += c.Params;
            m += c.Macs;
        }

        return (p, m);
    }
}

/// <summary>Whole-model totals with the selected layers taken out, so a rank choice is priced by adding TT costs.</summary>
internal sealed record Totals(long BaselineParams, long BaselineMacs, long SelectedDenseParams, long SelectedDenseMacs, long FixedParams = 0, long FixedMacs = 0)
{
    public Totals With((long Params, long Macs) fixedCost) => this with { FixedParams = fixedCost.Params, FixedMacs = fixedCost.Macs };

    public long CompressedParams(long ttParams) => BaselineParams - SelectedDenseParams + ttParams;

    public long CompressedMacs(long ttMacs) => BaselineMacs - SelectedDenseMacs + ttMacs;

    /// <summary>Reductions when the open layers cost <paramref name="openParams"/> / <paramref name="openMacs"/> (fixed layers included).</summary>
    public (double Macs, double Params) Reductions(long openParams, long openMacs) =>
        (1 - ((double)CompressedMacs(FixedMacs + openMacs) / BaselineMacs), 1 - ((double)CompressedParams(FixedParams + openParams) / BaselineParams));
}
