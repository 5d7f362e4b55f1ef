namespace Hodec.Recipes;

/// <summary>
/// TT modes and the largest rank each bond allows (method.md section 1:
/// <c>r_k &lt;= min(prod_{j&lt;=k} n_j, prod_{j&gt;k} n_j)</c>).
/// </summary>
public static class BondLimits
{
    /// <summary>
    /// The TT modes of a layer: HODEC <c>(I_1..I_d, K*K, O_1..O_d)</c>; classical TT-conv
    /// <c>(K*K, O_1 I_1, ..., O_d I_d)</c>; TT-FC <c>(O_1 I_1, ..., O_d I_d)</c>.
    /// </summary>
    public static IReadOnlyList<long> Modes(CompressionFormat format, LayerInfo layer, FactorizationSpec f)
    {
        long k2 = (long)layer.KernelSize * layer.KernelSize;
        var paired = f.In.Zip(f.Out, (i, o) => (long)i * o);
        return format switch
        {
            CompressionFormat.Hodec => [.. f.In.Select(i => (long)i), k2, .. f.Out.Select(o => (long)o)],
            CompressionFormat.TtClassical => [k2, .. paired],
            _ => [.. paired],
        };
    }

    /// <summary>The bond limits r_1..r_{n-1} for modes n_1..n_n.</summary>
    public static IReadOnlyList<long> Of(IReadOnlyList<long> modes)
    {
        var limits = new List<long>();
        for (var k = 1; k < modes.Count; k++)
        {
            var left = modes.Take(k).Aggregate(1L, (a, b) => a * b);
            var right = modes.Skip(k).Aggregate(1L, (a, b) => a * b);
            limits.Add(Math.Min(left, right));
        }
        return limits;
    }

    /// <summary>
    /// The largest rank any bond of the layer can have, whatever the factorisation: the bonds next to
    /// the spatial mode (HODEC), or the square root of the product of all modes (the other formats).
    /// </summary>
    public static long Widest(CompressionFormat format, LayerInfo layer)
    {
        long i = layer.InChannels, o = layer.OutChannels, k2 = (long)layer.KernelSize * layer.KernelSize;
        return format switch
        {
            CompressionFormat.Hodec => Math.Max(Math.Min(i, k2 * o), Math.Min(i * k2, o)),
            // min(left, right) never exceeds the square root of the product of all modes.
            CompressionFormat.TtClassical => (long)Math.Floor(Math.Sqrt((double)k2 * i * o)),
            _ => (long)Math.Floor(Math.Sqrt((double)i * o)),
        };
    }
}
