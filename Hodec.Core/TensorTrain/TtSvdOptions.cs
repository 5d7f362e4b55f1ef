namespace Hodec.TensorTrain;

/// <summary>
/// Truncation settings for TT-SVD and TT rounding (method.md section 1). Each bond rank is the smallest of
/// the per-bond cap, the uniform cap, the bond limit and the δ-truncation rank for <paramref name="Eps"/>.
/// </summary>
/// <param name="MaxRanks">Per-bond caps <c>r_1..r_{d-1}</c>; null for none.</param>
/// <param name="MaxRank">One cap applied to every bond; null for none.</param>
/// <param name="Eps">Relative Frobenius error tolerance; 0 keeps everything (exact).</param>
public sealed record TtSvdOptions(IReadOnlyList<int>? MaxRanks = null, int? MaxRank = null, double Eps = 0)
{
    /// <summary>No caps, no tolerance: exact decomposition.</summary>
    public static TtSvdOptions Exact { get; } = new();

    /// <summary>Per-bond caps only.</summary>
    public static TtSvdOptions WithRanks(params int[] ranks) => new(MaxRanks: ranks);

    /// <summary>Cap for bond <paramref name="bond"/> (1-based), or <see cref="int.MaxValue"/>.</summary>
    internal int CapFor(int bond)
    {
        int cap = MaxRank ?? int.MaxValue;
        if (MaxRanks is not null)
        {
            cap = Math.Min(cap, MaxRanks[bond - 1]);
        }

        return cap;
    }

    /// <summary>Throws a <see cref="HodecException"/> unless these options fit a tensor of the given order.</summary>
    internal void Validate(int order)
    {
        var errors = new List<string>();
        if (double.IsNaN(Eps) || Eps < 0)
        {
            errors.Add($"Eps must be >= 0 (got {Eps}).");
        }

        if (MaxRank is < 1)
        {
            errors.Add($"MaxRank must be >= 1 (got {MaxRank}).");
        }

        if (MaxRanks is not null)
        {
            if (MaxRanks.Count != order - 1)
            {
                errors.Add($"MaxRanks has {MaxRanks.Count} entries but a tensor of order {order} has {order - 1} bonds; give one cap per bond.");
            }

            for (int i = 0; i < MaxRanks.Count; i++)
            {
                if (MaxRanks[i] < 1)
                {
                    errors.Add($"MaxRanks[{i}] must be >= 1 (got {MaxRanks[i]}).");
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new HodecException("Invalid TT truncation options:\n  " + string.Join("\n  ", errors));
        }
    }
}
