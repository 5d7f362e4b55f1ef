using static TorchSharp.torch;

namespace Hodec.Tests.Export;

/// <summary>
/// Dense weights of the TT layers, built straight from method.md's definitions by chaining cores with
/// tensordot and reordering modes: an independent check of the ONNX lowerings (which merge or chain
/// differently).
/// </summary>
internal static class TtReference
{
    /// <summary>HODEC: the order-(2d+1) tensor (I_1..I_d, kH, kW, O_1..O_d) reordered to [O, I, kH, kW].</summary>
    public static Tensor HodecWeight(IReadOnlyList<Tensor> inputCores, Tensor spatialCore, IReadOnlyList<Tensor> outputCores)
    {
        Tensor full = inputCores[0];
        foreach (Tensor core in inputCores.Skip(1).Append(spatialCore).Concat(outputCores))
        {
            full = tensordot(full, core, [full.dim() - 1], [0]);
        }

        long inChannels = inputCores.Aggregate(1L, (p, c) => p * c.shape[1]);
        long outChannels = outputCores.Aggregate(1L, (p, c) => p * c.shape[1]);
        long kh = spatialCore.shape[1], kw = spatialCore.shape[2];
        // Drop the boundary ranks of 1: [1, I.., kH, kW, O.., 1] -> [I, kH, kW, O] -> [O, I, kH, kW].
        return full.reshape(inChannels, kh, kw, outChannels).permute(3, 0, 1, 2);
    }

    /// <summary>TT-matrix cores [r, O_j, I_j, r'] to [r_first, O, I, r_last].</summary>
    public static Tensor MixedWeight(IReadOnlyList<Tensor> cores)
    {
        Tensor full = cores[0];
        foreach (Tensor core in cores.Skip(1))
        {
            full = tensordot(full, core, [full.dim() - 1], [0]);
        }

        // full: [r_first, O_1, I_1, O_2, I_2, ..., O_d, I_d, r_last]; gather the O modes, then the I modes.
        int d = cores.Count;
        long[] perm = [0, .. Enumerable.Range(0, d).Select(j => 1L + (2 * j)), .. Enumerable.Range(0, d).Select(j => 2L + (2 * j)), 2L * d + 1];
        long outChannels = cores.Aggregate(1L, (p, c) => p * c.shape[1]);
        long inChannels = cores.Aggregate(1L, (p, c) => p * c.shape[2]);
        return full.permute(perm).reshape(cores[0].shape[0], outChannels, inChannels, cores[^1].shape[3]);
    }

    /// <summary>Classical TT-conv: W(o, i, x, y) = sum_r G_0[x, y, r] M[r, o, i].</summary>
    public static Tensor ClassicalWeight(Tensor spatialCore, IReadOnlyList<Tensor> cores) =>
        einsum("xyr,roi->oixy", spatialCore, MixedWeight(cores).squeeze(-1));

    /// <summary>TT-FC: the [O, I] weight.</summary>
    public static Tensor LinearWeight(IReadOnlyList<Tensor> cores) => MixedWeight(cores).squeeze(-1).squeeze(0);

    /// <summary>Random cores of the given shapes, scaled so that products stay near unit size.</summary>
    public static Tensor[] RandomCores(Generator gen, params long[][] shapes) =>
        [.. shapes.Select(s => randn(s, generator: gen) / Math.Sqrt(s.Take(s.Length - 1).Aggregate(1L, (p, v) => p * v)))];

    /// <summary>HODEC cores for channel factors and all 2d+2 bond ranks.</summary>
    public static (Tensor[] Input, Tensor Spatial, Tensor[] Output) RandomHodec(
        Generator gen, long[] inFactors, long[] outFactors, long[] ranks, long kh, long kw)
    {
        int d = inFactors.Length;
        Tensor[] input = RandomCores(gen, [.. Enumerable.Range(0, d).Select(j => new[] { ranks[j], inFactors[j], ranks[j + 1] })]);
        Tensor spatial = RandomCores(gen, [ranks[d], kh, kw, ranks[d + 1]])[0];
        Tensor[] output = RandomCores(gen, [.. Enumerable.Range(0, d).Select(j => new[] { ranks[d + 1 + j], outFactors[j], ranks[d + 2 + j] })]);
        return (input, spatial, output);
    }

    /// <summary>TT-matrix cores [r_j, O_j, I_j, r_{j+1}] for the given ranks (length d+1).</summary>
    public static Tensor[] RandomMixed(Generator gen, long[] outFactors, long[] inFactors, long[] ranks) =>
        RandomCores(gen, [.. Enumerable.Range(0, outFactors.Length).Select(j => new[] { ranks[j], outFactors[j], inFactors[j], ranks[j + 1] })]);
}
