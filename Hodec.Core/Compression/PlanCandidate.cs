using Hodec.Costs;
using Hodec.Layers;
using Hodec.Recipes;

namespace Hodec.Compression;

/// <summary>A selected layer with everything the planner needs to price a rank choice.</summary>
internal sealed record PlanCandidate(
    string Path,
    CompressionFormat Format,
    HodecLayout Layout,
    ConvGeometry Geometry,
    long InH,
    long InW,
    bool HasBias,
    long RowsPerImage,
    LayerCost Before,
    long[] Modes,
    IReadOnlyList<long> Limits,
    RankSpec? Explicit)
{
    /// <summary>Channel scale used by the scale search: the geometric mean of input and output channels.</summary>
    public double Channels => Math.Sqrt((double)Layout.InChannels * Layout.OutChannels);

    /// <summary>The largest bond limit (a cap at or above it keeps every bond full).</summary>
    public long Widest => Limits.Max();

    /// <summary>Effective ranks under one cap for every bond.</summary>
    public int[] RanksForCap(long cap) => TtFormats.EffectiveRanks(Modes, [.. Limits.Select(_ => cap)]);

    /// <summary>Effective ranks for the explicit rank spec.</summary>
    public int[] ExplicitRanks()
    {
        RankSpec spec = Explicit ?? throw new InvalidOperationException("no explicit ranks");
        if (spec.Uniform is { } u)
        {
            return RanksForCap(u);
        }

        var perBond = spec.PerBond!;
        if (perBond.Count != Limits.Count)
        {
            throw new HodecException($"Layer '{Path}': {YamlNames.Of(Format)} with factors in [{string.Join(", ", Layout.InputFactors)}], out [{string.Join(", ", Layout.OutputFactors)}] has {Limits.Count} bonds, but {perBond.Count} ranks were given.");
        }

        for (int k = 0; k < perBond.Count; k++)
        {
            if (perBond[k] < 1 || perBond[k] > Limits[k])
            {
                throw new HodecException($"Layer '{Path}': rank r_{k + 1} = {perBond[k]} is outside 1..{Limits[k]}, what the bond allows for modes [{string.Join(", ", Modes)}].");
            }
        }

        // A rank above what its neighbours can feed would be silently lowered by TT-SVD: say so instead.
        long prev = 1;
        for (int k = 0; k < perBond.Count; k++)
        {
            long right = Modes.Skip(k + 1).Aggregate(1L, (a, b) => a * b);
            if (perBond[k] > prev * Modes[k] || perBond[k] > right)
            {
                throw new HodecException(perBond[k] > prev * Modes[k]
                    ? $"Layer '{Path}': r_{k + 1} = {perBond[k]} exceeds {(k == 0 ? "" : $"r_{k} x ")}n_{k + 1} = {prev * Modes[k]}, so a TT cannot have it (modes [{string.Join(", ", Modes)}]); lower it."
                    : $"Layer '{Path}': r_{k + 1} = {perBond[k]} exceeds the product of the later modes, {right} (modes [{string.Join(", ", Modes)}]); lower it.");
            }

            prev = perBond[k];
        }

        return [.. perBond];
    }

    /// <summary>Cost of the TT layer at <paramref name="ranks"/>.</summary>
    public LayerCost Cost(IReadOnlyList<int> ranks) => Methods.CompressionMethods.Of(Format).Cost(Layout, ranks, Geometry, InH, InW, HasBias, RowsPerImage);

    /// <summary>The final plan entry.</summary>
    public LayerPlan ToPlan(IReadOnlyList<int> ranks) =>
        new(Path, Format, Layout.InputFactors, Layout.OutputFactors, ranks, Before, Cost(ranks), InH, InW);
}
