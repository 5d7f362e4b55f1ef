using Hodec.Recipes;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Compression;

/// <summary>
/// Chooses ranks for the layers without explicit ones so that the whole model meets the budget. Each layer has a
/// ladder of levels: the distinct rank vectors for caps 8, 16, 24, ... (multiples of
/// <see cref="CompressionPlanner.RankAlignment"/>), stopping before the TT layer would cost more than the dense one in
/// params (or in MACs, when MACs are targeted).
/// When even the lowest aligned levels are over budget, the ladders use every cap 1, 2, 3, ... instead; when even
/// rank 1 is over budget, the budget is unreachable and the error names the best reachable reductions.
/// </summary>
internal sealed class RankAllocation(IReadOnlyList<PlanCandidate> open, Totals totals, BudgetSpec target)
{
    private const int ScaleIterations = 60;

    // Relative energy below float32 rounding of an exactly low-rank weight.
    private const double NoGain = 1e-9;

    /// <summary>Whether reductions meet every target given (a hair of tolerance for rounding).</summary>
    public static bool Meets(double macs, double parameters, BudgetSpec target) =>
        (target.MacsReduction is not { } m || macs >= m - 1e-12) && (target.ParamsReduction is not { } p || parameters >= p - 1e-12);

    /// <summary>
    /// Before training: <c>cap = scale x sqrt(I O)</c> per layer with the largest scale that meets the budget
    /// (bisection), then the slack left by rounding to aligned ranks is filled by raising, one level at a time, the
    /// layer whose cap is smallest relative to its channels, while the budget holds.
    /// </summary>
    public IEnumerable<(string Path, int[] Ranks)> ByScale()
    {
        var levels = Ladders(null);
        double lo = 0, hi = open.Max(c => c.Widest / c.Channels) + 1;
        if (Feasible(levels, AtScale(levels, hi)))
        {
            lo = hi;
        }
        else
        {
            for (int i = 0; i < ScaleIterations; i++)
            {
                double mid = (lo + hi) / 2;
                (lo, hi) = Feasible(levels, AtScale(levels, mid)) ? (mid, hi) : (lo, mid);
            }
        }

        int[] at = AtScale(levels, lo);
        Climb(levels, at, (i, now, next) => -(double)next.Cap / open[i].Channels);
        return open.Select((c, i) => (c.Path, levels[i][at[i]].Ranks));
    }

    /// <summary>
    /// With weights: start every layer at its lowest level and repeatedly raise the one whose next level keeps the most
    /// singular-value energy per unit of added cost, while the budget holds. The energy lost at ranks <c>r</c> is
    /// estimated by the TT-SVD bound <c>sum_k sum_{i&gt;r_k} sigma_{k,i}^2 / ||W||^2</c> over the bond unfoldings.
    /// </summary>
    public IEnumerable<(string Path, int[] Ranks)> ByEnergy(IReadOnlyDictionary<string, Tensor> weights)
    {
        var levels = Ladders(weights);
        int[] at = new int[open.Count];
        double wm = target.MacsReduction is null ? 0 : 1.0 / totals.BaselineMacs;
        double wp = target.ParamsReduction is null ? 0 : 1.0 / totals.BaselineParams;
        Climb(levels, at, (_, now, next) =>
        {
            double cost = ((next.Macs - now.Macs) * wm) + ((next.Params - now.Params) * wp);
            double gain = now.Error - next.Error;
            // A step that keeps no more energy is not worth any cost (e.g. a layer already of low TT rank).
            return cost <= 0 ? double.PositiveInfinity : gain <= NoGain ? double.NegativeInfinity : gain / cost;
        });
        return open.Select((c, i) => (c.Path, levels[i][at[i]].Ranks));
    }

    private sealed record Level(int[] Ranks, long Cap, long Params, long Macs, double Error);

    // Raises one layer by one level at a time, always the feasible step that scores highest, until none is feasible.
    private void Climb(List<Level>[] levels, int[] at, Func<int, Level, Level, double> score)
    {
        long p = Enumerable.Range(0, open.Count).Sum(i => levels[i][at[i]].Params);
        long m = Enumerable.Range(0, open.Count).Sum(i => levels[i][at[i]].Macs);
        while (true)
        {
            int best = -1;
            double bestScore = double.NegativeInfinity;
            for (int i = 0; i < open.Count; i++)
            {
                if (at[i] + 1 >= levels[i].Count)
                {
                    continue;
                }

                Level now = levels[i][at[i]], next = levels[i][at[i] + 1];
                var (rm, rp) = totals.Reductions(p + next.Params - now.Params, m + next.Macs - now.Macs);
                double s = score(i, now, next);
                if (Meets(rm, rp, target) && s > bestScore) // a no-gain step (-inf) never beats the starting -inf
                {
                    (best, bestScore) = (i, s);
                }
            }

            if (best < 0)
            {
                return;
            }

            p += levels[best][at[best] + 1].Params - levels[best][at[best]].Params;
            m += levels[best][at[best] + 1].Macs - levels[best][at[best]].Macs;
            at[best]++;
        }
    }

    private List<Level>[] Ladders(IReadOnlyDictionary<string, Tensor>? weights)
    {
        var tails = open.Select(c => weights is null ? null : Tails(c, weights[c.Path])).ToArray();
        bool macsTargeted = target.MacsReduction is not null;
        var aligned = open.Select((c, i) => Ladder(c, CompressionPlanner.RankAlignment, tails[i], macsTargeted)).ToArray();
        if (Feasible(aligned, new int[open.Count]))
        {
            return aligned;
        }

        var any = open.Select((c, i) => Ladder(c, 1, tails[i], macsTargeted)).ToArray();
        if (Feasible(any, new int[open.Count]))
        {
            return any;
        }

        var (rm, rp) = totals.Reductions(any.Sum(l => l[0].Params), any.Sum(l => l[0].Macs));
        throw new HodecException(
            $"The budget ({CompressionPlanner.Describe(target)}) is unreachable with the selected layers: even at rank 1 on every bond{(totals.FixedParams > 0 ? " of the layers without explicit ranks" : "")}, " +
            $"the best reachable is {CompressionPlanner.Describe(rm, rp)}. Lower the target, compress more layers (compression.include), or give explicit ranks.");
    }

    private bool Feasible(List<Level>[] levels, int[] at)
    {
        var (rm, rp) = totals.Reductions(Enumerable.Range(0, open.Count).Sum(i => levels[i][at[i]].Params), Enumerable.Range(0, open.Count).Sum(i => levels[i][at[i]].Macs));
        return Meets(rm, rp, target);
    }

    // The highest level of each ladder whose cap is within scale x channels (at least the lowest level).
    private int[] AtScale(List<Level>[] levels, double scale) =>
        [.. open.Select((c, i) => Math.Max(0, levels[i].FindLastIndex(l => l.Cap <= Math.Max(1, Math.Round(scale * c.Channels)))))];

    // Distinct rank vectors for caps step, 2 step, ...; the first is always kept, later ones only while they have no more
    // params than the dense layer, nor more MACs when MACs are targeted (classical TT-conv may cost more MACs than dense:
    // a params-only budget must still be able to raise its ranks).
    private static List<Level> Ladder(PlanCandidate c, int step, double[][]? tails, bool macsTargeted)
    {
        var result = new List<Level>();
        for (long cap = step; ; cap += step)
        {
            int[] ranks = c.RanksForCap(cap);
            if (result.Count == 0 || !result[^1].Ranks.SequenceEqual(ranks))
            {
                var cost = c.Cost(ranks);
                if (result.Count > 0 && ((macsTargeted && cost.Macs > c.Before.Macs) || cost.Params > c.Before.Params))
                {
                    return result;
                }

                double err = tails is null ? 0 : ranks.Select((r, k) => r < tails[k].Length ? tails[k][r] : 0).Sum();
                result.Add(new Level(ranks, cap, cost.Params, cost.Macs, err));
            }

            if (cap >= c.Widest)
            {
                return result;
            }
        }
    }

    // tails[k][r] = sum_{i >= r} sigma_{k,i}^2 / ||W||^2 for the unfolding at bond k.
    internal static double[][] Tails(PlanCandidate c, Tensor weight)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor t = Methods.CompressionMethods.Of(c.Format).Reorder(c.Layout, weight.detach()).to(float64);
        double total = t.square().sum().item<double>();
        var tails = new double[c.Modes.Length - 1][];
        long left = 1;
        for (int k = 0; k < tails.Length; k++)
        {
            left *= c.Modes[k];
            double[] s = linalg.svdvals(t.reshape(left, -1)).data<double>().ToArray();
            var tail = new double[s.Length + 1];
            for (int i = s.Length - 1; i >= 0; i--)
            {
                tail[i] = tail[i + 1] + (s[i] * s[i] / Math.Max(total, double.Epsilon));
            }

            tails[k] = tail;
        }

        return tails;
    }
}
