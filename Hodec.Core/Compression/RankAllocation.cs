using Hodec.Recipes;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Compression;

/// <summary>
/// Chooses ranks for the layers without explicit ones so that the whole model meets the budget. Tries ranks that are
/// multiples of <see cref="CompressionPlanner.RankAlignment"/> first and falls back to any rank when the aligned
/// minimum is already over budget; throws naming the best reachable reductions when even rank 1 is.
/// </summary>
internal sealed class RankAllocation(IReadOnlyList<PlanCandidate> open, Totals totals, BudgetSpec target)
{
    private const int ScaleIterations = 60;

    /// <summary>Whether reductions meet every target given (a hair of tolerance for rounding).</summary>
    public static bool Meets(double macs, double parameters, BudgetSpec target) =>
        (target.MacsReduction is not { } m || macs >= m - 1e-12) && (target.ParamsReduction is not { } p || parameters >= p - 1e-12);

    /// <summary>Before training: <c>cap = scale x sqrt(I O)</c> per layer, the largest scale that meets the budget (bisection).</summary>
    public IEnumerable<(string Path, int[] Ranks)> ByScale()
    {
        bool aligned = Feasible(Caps(0, aligned: true));
        if (!aligned)
        {
            EnsureReachable();
        }

        double lo = 0, hi = open.Max(c => c.Widest / c.Channels) + 1;
        if (Feasible(Caps(hi, aligned)))
        {
            lo = hi;
        }
        else
        {
            for (int i = 0; i < ScaleIterations; i++)
            {
                double mid = (lo + hi) / 2;
                if (Feasible(Caps(mid, aligned)))
                {
                    lo = mid;
                }
                else
                {
                    hi = mid;
                }
            }
        }

        var caps = Caps(lo, aligned);
        return open.Select((c, i) => (c.Path, c.RanksForCap(caps[i])));
    }

    /// <summary>
    /// With weights: start every layer at its smallest rank and repeatedly raise the one whose next rank keeps the most
    /// singular-value energy per unit of added cost, while the budget holds. Energy lost at ranks <c>r</c> is estimated
    /// by the TT-SVD bound <c>sum_k sum_{i&gt;r_k} sigma_{k,i}^2 / ||W||^2</c> over the bond unfoldings.
    /// </summary>
    public IEnumerable<(string Path, int[] Ranks)> ByEnergy(IReadOnlyDictionary<string, Tensor> weights)
    {
        bool aligned = Feasible(Caps(0, aligned: true));
        if (!aligned)
        {
            EnsureReachable();
        }

        var levels = open.Select(c => Levels(c, aligned, Tails(c, weights[c.Path]))).ToList();
        var at = new int[open.Count];
        long p = levels.Sum(l => l[0].Params), m = levels.Sum(l => l[0].Macs);
        double wm = target.MacsReduction is null ? 0 : 1.0 / totals.BaselineMacs;
        double wp = target.ParamsReduction is null ? 0 : 1.0 / totals.BaselineParams;
        while (true)
        {
            int best = -1;
            double bestRatio = double.NegativeInfinity;
            for (int i = 0; i < open.Count; i++)
            {
                if (at[i] + 1 >= levels[i].Count)
                {
                    continue;
                }

                Level now = levels[i][at[i]], next = levels[i][at[i] + 1];
                long dp = next.Params - now.Params, dm = next.Macs - now.Macs;
                var (rm, rp) = totals.Reductions(p + dp, m + dm);
                if (!Meets(rm, rp, target))
                {
                    continue;
                }

                double cost = (dm * wm) + (dp * wp);
                double ratio = cost <= 0 ? double.PositiveInfinity : (now.Error - next.Error) / cost;
                if (ratio > bestRatio)
                {
                    (best, bestRatio) = (i, ratio);
                }
            }

            if (best < 0)
            {
                break;
            }

            p += levels[best][at[best] + 1].Params - levels[best][at[best]].Params;
            m += levels[best][at[best] + 1].Macs - levels[best][at[best]].Macs;
            at[best]++;
        }

        return open.Select((c, i) => (c.Path, levels[i][at[i]].Ranks));
    }

    private sealed record Level(int[] Ranks, long Params, long Macs, double Error);

    private long[] Caps(double scale, bool aligned)
    {
        const int a = CompressionPlanner.RankAlignment;
        return [.. open.Select(c => aligned
            ? Math.Max(a, a * (long)Math.Round(scale * c.Channels / a))
            : Math.Max(1, (long)Math.Round(scale * c.Channels)))];
    }

    private bool Feasible(long[] caps)
    {
        long p = 0, m = 0;
        for (int i = 0; i < open.Count; i++)
        {
            var cost = open[i].Cost(open[i].RanksForCap(caps[i]));
            p += cost.Params;
            m += cost.Macs;
        }

        var (rm, rp) = totals.Reductions(p, m);
        return Meets(rm, rp, target);
    }

    private void EnsureReachable()
    {
        long[] ones = [.. open.Select(_ => 1L)];
        if (Feasible(ones))
        {
            return;
        }

        long p = 0, m = 0;
        foreach (var c in open)
        {
            var cost = c.Cost(c.RanksForCap(1));
            p += cost.Params;
            m += cost.Macs;
        }

        var (rm, rp) = totals.Reductions(p, m);
        throw new HodecException(
            $"The budget ({CompressionPlanner.Describe(target)}) is unreachable with the selected layers: even at rank 1 on every bond, " +
            $"the best reachable is {CompressionPlanner.Describe(rm, rp)}. Lower the target, compress more layers (compression.include), or give explicit ranks.");
    }

    // Distinct rank vectors for increasing caps (aligned: multiples of 8), each with its cost and estimated error.
    private static List<Level> Levels(PlanCandidate c, bool aligned, double[][] tails)
    {
        int step = aligned ? CompressionPlanner.RankAlignment : 1;
        var result = new List<Level>();
        for (long cap = step; ; cap += step)
        {
            int[] ranks = c.RanksForCap(cap);
            if (result.Count == 0 || !result[^1].Ranks.SequenceEqual(ranks))
            {
                var cost = c.Cost(ranks);
                double err = ranks.Select((r, k) => r < tails[k].Length ? tails[k][r] : 0).Sum();
                result.Add(new Level(ranks, cost.Params, cost.Macs, err));
            }

            if (cap >= c.Widest)
            {
                return result;
            }
        }
    }

    // tails[k][r] = sum_{i >= r} sigma_{k,i}^2 / ||W||^2 for the unfolding at bond k.
    private static double[][] Tails(PlanCandidate c, Tensor weight)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor t = TtFormats.Reorder(c.Format, c.Layout, weight.detach()).to(float64);
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
