using System.Globalization;
using Hodec.Costs;
using Hodec.Layers;
using Hodec.Methods;
using Hodec.Models;
using Hodec.Recipes;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Compression.Latency;

/// <summary>How the latency planner measures: the timer, where profiles are cached, and the key parts of this machine.</summary>
/// <param name="Timer">Measures one configuration (null: the real timer of the budget's runtime).</param>
/// <param name="CacheDirectory">Folder of cached profiles (null: memory only).</param>
/// <param name="Threads">Thread count of the measurements and of the cache key.</param>
/// <param name="Cpu">CPU model of the cache key.</param>
public sealed record LatencyPlanning(ILayerTimer? Timer, string? CacheDirectory, int Threads, string Cpu)
{
    /// <summary>The real timer, the user's cache folder, the current torch thread count and this CPU.</summary>
    public static LatencyPlanning Default() =>
        new(null, LatencyProfile.DefaultDirectory(Environment.GetEnvironmentVariable), torch.get_num_threads(), LatencyProfileKey.ThisCpu());
}

/// <summary>
/// Plans ranks against a time budget: every open layer gets a ladder of configurations (dense, and the method at caps
/// 8, 16, 24, ... 64, then multiples of 16, 32, ... up to full rank while MACs stay under dense), each timed alone
/// (<see cref="ILayerTimer"/>, cached in a <see cref="LatencyProfile"/>) and scored by the TT-SVD energy bound the
/// MAC planner uses. The choice with the least summed error whose summed time meets the budget is exact: by
/// enumeration on small problems, else by dynamic programming on times rounded up (so the budget still holds).
/// </summary>
internal static class LatencyPlanner
{
    private const long EnumerationLimit = 200_000;
    internal const int TimeBuckets = 4000;

    /// <summary>One configuration of one layer: ranks (null: dense), its time alone and its error.</summary>
    internal sealed record Option(int[]? Ranks, double Ms, double Error);

    public static CompressionPlan Plan(
        nn.Module<Tensor, Tensor> model,
        long[] inputShape,
        ModelCostReport report,
        IReadOnlyList<PlanCandidate> candidates,
        IReadOnlyList<string> skipped,
        BudgetSpec target,
        LatencyPlanning planning)
    {
        double reduction = target.LatencyReduction!.Value;
        var key = new LatencyProfileKey(planning.Cpu, target.Runtime, target.BatchSize, planning.Threads);
        var profile = LatencyProfile.Open(key, planning.CacheDirectory);
        var timer = planning.Timer ?? LayerTimers.For(target.Runtime, planning.Threads);
        try
        {
            long[] modelShape = [target.BatchSize, .. inputShape.Skip(1)];
            double modelMs = profile.Get(
                string.Create(CultureInfo.InvariantCulture, $"model|{model.GetType().Name}|{report.TotalParams}|{report.TotalMacs}|{string.Join("x", modelShape)}"),
                () => timer.Milliseconds(new LayerTimingRequest("", null, null, modelShape, () => model, Owned: false)));
            var options = new List<Option>[candidates.Count];
            var denseMs = new double[candidates.Count];
            for (int i = 0; i < candidates.Count; i++)
            {
                options[i] = Options(model, report, candidates[i], target.BatchSize, profile, timer);
                denseMs[i] = options[i][0].Ms;
            }

            double denseSum = denseMs.Sum();
            double share = modelMs <= 0 ? 1 : Math.Min(1, denseSum / modelMs);
            // The model's time outside the selected layers stays; the layers' sum must fall by reduction x the model's time.
            double modelTotal = Math.Max(modelMs, denseSum);
            double allowed = denseSum - (reduction * modelTotal);
            int[]? choice = Choose(options, allowed);
            if (choice is null)
            {
                double best = options.Sum(o => o.Min(x => x.Ms));
                double reachable = (denseSum - best) / modelTotal;
                throw new HodecException(string.Create(CultureInfo.InvariantCulture,
                    $"The budget (latency_reduction {reduction:0.####} on {YamlNames.Of(target.Runtime)}, batch {target.BatchSize}, {planning.Threads} thread(s)) is unreachable with the selected layers: " +
                    $"their fastest measured configurations give latency_reduction {reachable:0.####} (the layers take {share:P0} of the model's time). Lower the target or compress more layers (compression.include)."));
            }

            var layers = new List<LayerPlan>();
            var kept = new List<string>(skipped);
            double chosenSum = 0;
            for (int i = 0; i < candidates.Count; i++)
            {
                var o = options[i][choice[i]];
                chosenSum += o.Ms;
                if (o.Ranks is null)
                {
                    kept.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{candidates[i].Path}: kept dense by the latency planner ({YamlNames.Of(candidates[i].Format)} at every measured rank is slower than dense, or not worth its error)"));
                    continue;
                }

                layers.Add(candidates[i].ToPlan(o.Ranks) with { DenseMs = denseMs[i], PredictedMs = o.Ms });
            }

            var plan = new CompressionPlan(
                layers,
                report.TotalParams,
                report.TotalMacs,
                report.TotalParams - layers.Sum(l => l.Before.Params) + layers.Sum(l => l.After.Params),
                report.TotalMacs - layers.Sum(l => l.Before.Macs) + layers.Sum(l => l.After.Macs))
            {
                Skipped = kept,
                Latency = new LatencyPrediction(target.Runtime, target.BatchSize, planning.Threads, planning.Cpu, modelTotal, modelTotal - denseSum + chosenSum, share),
            };
            return plan;
        }
        finally
        {
            profile.Save();
        }
    }

    /// <summary>
    /// The index of one option per layer with the least summed error whose summed time is at most <paramref name="allowed"/>
    /// (ties: the faster), or null when even the fastest options exceed it.
    /// </summary>
    internal static int[]? Choose(IReadOnlyList<IReadOnlyList<Option>> options, double allowed, long enumerationLimit = EnumerationLimit)
    {
        const double Slack = 1e-9;
        if (options.Sum(o => o.Min(x => x.Ms)) > allowed + Slack)
        {
            return null;
        }

        double combos = options.Aggregate(1.0, (a, o) => a * o.Count);
        return combos <= enumerationLimit ? Enumerate(options, allowed + Slack) : Knapsack(options, allowed);
    }

    private static int[]? Enumerate(IReadOnlyList<IReadOnlyList<Option>> options, double allowed)
    {
        int n = options.Count;
        var at = new int[n];
        int[]? best = null;
        double bestErr = double.PositiveInfinity, bestMs = double.PositiveInfinity;
        while (true)
        {
            double ms = 0, err = 0;
            for (int i = 0; i < n; i++)
            {
                ms += options[i][at[i]].Ms;
                err += options[i][at[i]].Error;
            }

            if (ms <= allowed && (err < bestErr - 1e-15 || (Math.Abs(err - bestErr) <= 1e-15 && ms < bestMs)))
            {
                (best, bestErr, bestMs) = ((int[])at.Clone(), err, ms);
            }

            int k = 0;
            while (k < n && ++at[k] == options[k].Count)
            {
                at[k++] = 0;
            }

            if (k == n)
            {
                return best;
            }
        }
    }

    // Multiple-choice knapsack on times rounded up to buckets of allowed / TimeBuckets: every plan it returns meets the budget.
    private static int[]? Knapsack(IReadOnlyList<IReadOnlyList<Option>> options, double allowed)
    {
        int n = options.Count;
        double unit = Math.Max(allowed, 1e-12) / TimeBuckets;
        var err = new double[n + 1][];
        var pick = new int[n][];
        err[0] = new double[TimeBuckets + 1];
        for (int i = 0; i < n; i++)
        {
            var next = Enumerable.Repeat(double.PositiveInfinity, TimeBuckets + 1).ToArray();
            pick[i] = new int[TimeBuckets + 1];
            for (int t = 0; t <= TimeBuckets; t++)
            {
                for (int j = 0; j < options[i].Count; j++)
                {
                    long w = (long)Math.Ceiling(Math.Max(0, options[i][j].Ms) / unit);
                    if (w > t || double.IsPositiveInfinity(err[i][t - w]))
                    {
                        continue;
                    }

                    double e = err[i][t - w] + options[i][j].Error;
                    if (e < next[t])
                    {
                        next[t] = e;
                        pick[i][t] = j;
                    }
                }
            }

            err[i + 1] = next;
        }

        int tBest = Enumerable.Range(0, TimeBuckets + 1).Where(t => !double.IsPositiveInfinity(err[n][t])).DefaultIfEmpty(-1).MinBy(t => t < 0 ? double.PositiveInfinity : err[n][t]);
        if (tBest < 0)
        {
            return null;
        }

        var choice = new int[n];
        for (int i = n - 1, t = tBest; i >= 0; i--)
        {
            choice[i] = pick[i][t];
            t -= (int)Math.Ceiling(Math.Max(0, options[i][choice[i]].Ms) / unit);
        }

        return choice;
    }

    // Dense first, then the distinct rank vectors at SIMD-friendly caps (explicit ranks: only those), each timed.
    private static List<Option> Options(nn.Module<Tensor, Tensor> model, ModelCostReport report, PlanCandidate c, int batch, LatencyProfile profile, ILayerTimer timer)
    {
        var module = ModuleSurgery.Get(model, c.Path);
        var row = report.Rows.First(r => r.Path == c.Path);
        long[] shape = [batch, .. row.InputShape.Skip(1)];
        string where = string.Create(CultureInfo.InvariantCulture,
            $"{string.Join("x", shape)}|{c.Layout.InChannels}>{c.Layout.OutChannels}|k{c.Layout.KernelH}x{c.Layout.KernelW}|s{string.Join(",", c.Geometry.Stride)}|p{string.Join(",", c.Geometry.Padding)}|d{string.Join(",", c.Geometry.Dilation)}|bias{c.HasBias}");
        double dense = profile.Get($"dense|{module.GetType().Name}|{where}", () => timer.Milliseconds(new LayerTimingRequest(c.Path, null, null, shape, () => (nn.Module<Tensor, Tensor>)module, Owned: false)));
        var result = new List<Option> { new(null, dense, 0) };
        var rankVectors = new List<int[]>();
        if (c.Explicit is not null)
        {
            rankVectors.Add(c.ExplicitRanks());
            result.Clear(); // explicit ranks are kept
        }
        else
        {
            foreach (long cap in Caps(c.Widest))
            {
                int[] ranks = c.RanksForCap(cap);
                if (rankVectors.Any(r => r.SequenceEqual(ranks)))
                {
                    continue;
                }

                if (rankVectors.Count > 0 && c.Cost(ranks).Macs > c.Before.Macs)
                {
                    break;
                }

                rankVectors.Add(ranks);
            }
        }

        double[][]? tails = null;
        var method = CompressionMethods.Of(c.Format);
        foreach (var ranks in rankVectors)
        {
            string name = $"{YamlNames.Of(c.Format)}|{where}|in{string.Join("x", c.Layout.InputFactors)}|out{string.Join("x", c.Layout.OutputFactors)}|r{string.Join(",", ranks)}";
            double ms = profile.Get(name, () => timer.Milliseconds(new LayerTimingRequest(c.Path, c.Format, ranks, shape, () => Build(module, c, method, ranks), Owned: true)));
            tails ??= Tails(module, c);
            double error = ranks.Select((r, k) => r < tails[k].Length ? tails[k][r] : 0).Sum();
            result.Add(new Option(ranks, ms, error));
        }

        return result;
    }

    private static nn.Module<Tensor, Tensor> Build(nn.Module module, PlanCandidate c, ICompressionMethod method, int[] ranks)
    {
        var (weight, bias) = TtFormats.DenseParameters(module, c.Path);
        using var noGrad = no_grad();
        return method.Build(c.Layout, weight.detach(), bias?.detach(), c.Geometry, ranks);
    }

    private static double[][] Tails(nn.Module module, PlanCandidate c)
    {
        var (weight, _) = TtFormats.DenseParameters(module, c.Path);
        return RankAllocation.Tails(c, weight);
    }

    /// <summary>Caps 8..64 by 8, then by 16 to 128, by 32 to 256, by 64 beyond, up to the widest bond.</summary>
    internal static IEnumerable<long> Caps(long widest)
    {
        long cap = 8;
        while (true)
        {
            yield return Math.Min(cap, widest);
            if (cap >= widest)
            {
                yield break;
            }

            cap += cap < 64 ? 8 : cap < 128 ? 16 : cap < 256 ? 32 : 64;
        }
    }
}
