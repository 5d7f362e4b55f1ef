using Hodec.Recipes;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Compression;

/// <summary>
/// <c>Proj(W)</c> written out in the test, sharing no code with the library (no layout, reorder or TT-SVD helper of
/// Hodec.Core): the weight's indices are permuted into the format's TT modes by hand, then a plain left-to-right sweep of
/// truncated SVDs (float64) keeps the best rank-<c>r_k</c> part of each unfolding, and the result is permuted back.
/// </summary>
internal static class BruteForceProjection
{
    /// <param name="format">HODEC: modes (i_1..i_d, kh*kw, o_1..o_d). Classical: (kh*kw, o_1 i_1, ..., o_d i_d). TT-FC: (o_1 i_1, ..., o_d i_d).</param>
    /// <param name="inF">Input channel factors (row-major: <c>i = i_1 I_2...I_d + ... + i_d</c>).</param>
    /// <param name="outF">Output channel factors.</param>
    /// <param name="weight"><c>[O, I, KH, KW]</c> or <c>[O, I]</c>.</param>
    /// <param name="ranks">Bond caps, one per bond.</param>
    /// <returns>The projection in float64, the weight's shape.</returns>
    public static Tensor Project(CompressionFormat format, IReadOnlyList<int> inF, IReadOnlyList<int> outF, Tensor weight, IReadOnlyList<int> ranks)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (perm, modes) = Layout(format, inF, outF, weight);
        long[] split = [.. outF.Select(v => (long)v), .. inF.Select(v => (long)v), .. weight.shape.Skip(2)];
        Tensor tt = weight.detach().to(float64).reshape(split).permute(perm).contiguous();
        long[] permutedShape = tt.shape;
        Tensor projected = Sweep(tt.reshape(modes), modes, ranks);
        long[] inverse = new long[perm.Length];
        for (int k = 0; k < perm.Length; k++)
        {
            inverse[perm[k]] = k;
        }

        return projected.reshape(permutedShape).permute(inverse).reshape(weight.shape).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The same TT modes of a tensor of the weight's shape, for checking ranks of unfoldings.</summary>
    public static Tensor Modes(CompressionFormat format, IReadOnlyList<int> inF, IReadOnlyList<int> outF, Tensor weight)
    {
        var (perm, modes) = Layout(format, inF, outF, weight);
        long[] split = [.. outF.Select(v => (long)v), .. inF.Select(v => (long)v), .. weight.shape.Skip(2)];
        return weight.reshape(split).permute(perm).reshape(modes);
    }

    // Index axes of the split weight: outputs 0..d-1, inputs d..2d-1, then kh, kw (2d, 2d+1) for a conv.
    private static (long[] Perm, long[] Modes) Layout(CompressionFormat format, IReadOnlyList<int> inF, IReadOnlyList<int> outF, Tensor weight)
    {
        int d = inF.Count;
        long kk = weight.dim() == 4 ? weight.shape[2] * weight.shape[3] : 1;
        long[] outputs = [.. Enumerable.Range(0, d).Select(j => (long)j)];
        long[] inputs = [.. Enumerable.Range(d, d).Select(j => (long)j)];
        long[] pairs = [.. Enumerable.Range(0, d).SelectMany(j => new long[] { j, d + j })];
        long[] kernel = weight.dim() == 4 ? [2 * d, (2 * d) + 1] : [];
        long[] pairModes = [.. Enumerable.Range(0, d).Select(j => (long)outF[j] * inF[j])];
        return format switch
        {
            CompressionFormat.Hodec => ([.. inputs, .. kernel, .. outputs], [.. inF.Select(v => (long)v), kk, .. outF.Select(v => (long)v)]),
            CompressionFormat.TtClassical => ([.. kernel, .. pairs], [kk, .. pairModes]),
            _ => ([.. pairs], pairModes),
        };
    }

    // Left-to-right: split off the best rank-r part of [r_(k-1) n_k, rest], keep its left factor, carry S V^T on.
    private static Tensor Sweep(Tensor t, long[] modes, IReadOnlyList<int> ranks)
    {
        Tensor left = ones(1, 1, float64);
        Tensor carry = t.reshape(1, -1);
        long r = 1;
        for (int k = 0; k < modes.Length - 1; k++)
        {
            Tensor m = carry.reshape(r * modes[k], -1);
            var (u, s, vh) = linalg.svd(m, fullMatrices: false);
            long keep = Math.Min(ranks[k], s.shape[0]);
            left = left.matmul(u.narrow(1, 0, keep).reshape(r, -1)).reshape(-1, keep);
            carry = s.narrow(0, 0, keep).unsqueeze(1) * vh.narrow(0, 0, keep);
            r = keep;
        }

        return left.matmul(carry.reshape(r, -1));
    }
}
