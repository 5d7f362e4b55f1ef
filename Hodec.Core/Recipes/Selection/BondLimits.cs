using Hodec.Methods;

namespace Hodec.Recipes;

/// <summary>
/// TT modes and the largest rank each bond allows (method.md section 1:
/// <c>r_k &lt;= min(prod_{j&lt;=k} n_j, prod_{j&gt;k} n_j)</c>).
/// </summary>
public static class BondLimits
{
    /// <summary>
    /// The modes of a layer's reordered weight, as its method defines them (<see cref="ICompressionMethod.Modes"/>): e.g.
    /// HODEC <c>(I_1..I_d, K*K, O_1..O_d)</c>; classical TT-conv <c>(K*K, O_1 I_1, ..., O_d I_d)</c>; TT-FC
    /// <c>(O_1 I_1, ..., O_d I_d)</c>.
    /// </summary>
    public static IReadOnlyList<long> Modes(CompressionFormat format, LayerInfo layer, FactorizationSpec? f)
    {
        var method = CompressionMethods.Of(format);
        return method.Modes(method.Layout(layer.InChannels, layer.OutChannels, layer.KernelSize, layer.KernelSize, f?.In.Count ?? CompressionSpec.DefaultOrder, f));
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
    public static long Widest(CompressionFormat format, LayerInfo layer) => CompressionMethods.Of(format).Widest(layer);
}
