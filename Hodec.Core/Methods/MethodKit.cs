using Hodec.Export;
using Hodec.Layers;
using Hodec.Recipes;
using Hodec.TensorTrain;
using static TorchSharp.torch;

namespace Hodec.Methods;

/// <summary>Helpers the methods share: factored layouts, TT-SVD with padding to the planned ranks, metadata checks.</summary>
internal static class MethodKit
{
    /// <summary>Channels split into <paramref name="order"/> factors (or the given factorisation).</summary>
    public static HodecLayout FactoredLayout(int inChannels, int outChannels, int kernelH, int kernelW, int order, FactorizationSpec? f)
    {
        var (inF, outF) = new HodecConvOptions(order, f?.In, f?.Out).Factorise(inChannels, outChannels);
        return new HodecLayout(inF, outF, kernelH, kernelW);
    }

    /// <summary>Channels kept whole (order 1): the layout of methods that work on the <c>O x I x K x K</c> weight directly.</summary>
    public static HodecLayout WholeLayout(int inChannels, int outChannels, int kernelH, int kernelW) =>
        new([inChannels], [outChannels], kernelH, kernelW);

    /// <summary><c>O_j I_j</c> for each factor pair.</summary>
    public static IEnumerable<long> Pairs(HodecLayout layout) =>
        layout.InputFactors.Zip(layout.OutputFactors, (i, o) => (long)i * o);

    /// <summary>TT-SVD of the reordered weight truncated at <paramref name="ranks"/>, reconstructed to the dense shape.</summary>
    public static Tensor TtSvdProject(ICompressionMethod method, HodecLayout layout, Tensor weight, IReadOnlyList<int> ranks)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            using TtTensor tt = TtSvd.Decompose(method.Reorder(layout, weight.detach()), new TtSvdOptions(MaxRanks: ranks));
            return method.Restore(layout, tt.ToDense()).contiguous().MoveToOuterDisposeScope();
        }
    }

    /// <summary>
    /// TT-SVD cores at exactly <paramref name="ranks"/>: a bond a rank-deficient weight left smaller is zero padded
    /// (padding changes nothing the layer computes). The cores belong to the caller's dispose scope.
    /// </summary>
    public static Tensor[] TtSvdCores(ICompressionMethod method, HodecLayout layout, Tensor weight, IReadOnlyList<int> ranks)
    {
        using TtTensor tt = TtSvd.Decompose(method.Reorder(layout, weight.detach()), new TtSvdOptions(MaxRanks: ranks));
        long[] r = [1, .. ranks.Select(v => (long)v), 1];
        var result = new Tensor[tt.Cores.Count];
        for (int k = 0; k < result.Length; k++)
        {
            Tensor c = tt.Cores[k];
            if (c.shape[0] > r[k] || c.shape[2] > r[k + 1])
            {
                throw new InvalidOperationException($"TT-SVD produced core {k} of shape [{string.Join(", ", c.shape)}] above the planned ranks.");
            }

            Tensor p = zeros(r[k], c.shape[1], r[k + 1], c.dtype);
            p.narrow(0, 0, c.shape[0]).narrow(2, 0, c.shape[2]).copy_(c);
            result[k] = p;
        }

        return result;
    }

    /// <summary>Stored ranks with the boundary 1s.</summary>
    public static int[] Bonds(IReadOnlyList<long> ranks) => [1, .. ranks.Select(v => (int)v), 1];

    /// <summary>The recorded ranks, checked to number <paramref name="count"/> with boundary 1s.</summary>
    public static long[] ExpectRanks(LayerMetadata layer, int count, string shape)
    {
        long[] r = [.. layer.Ranks.Select(v => (long)v)];
        int d = layer.InputFactors.Count;
        if (layer.OutputFactors.Count != d || r.Length != count || r[0] != 1 || r[^1] != 1)
        {
            throw new HodecException(
                $"Metadata of '{layer.Name}' ({layer.Format}) is inconsistent: {d} input and {layer.OutputFactors.Count} output factors, " +
                $"ranks [{string.Join(", ", r)}]; expected {count} ranks {shape} starting and ending with 1.");
        }

        return r;
    }

    /// <summary><paramref name="dense"/> as the layer type <paramref name="method"/> replaces, or an error naming what replaces what.</summary>
    public static T Dense<T>(ICompressionMethod method, LayerMetadata layer, nn.Module dense)
        where T : nn.Module =>
        dense as T ?? throw new HodecException(
            $"Metadata says '{layer.Name}' is a {layer.Format} layer, but the {dense.GetType().Name} at that path in the " +
            $"architecture cannot be one ({Replacements(method.Family)}).");

    // "hodec and classical-tt replace Conv2d, tt-fc replaces Linear" for the methods of one family.
    private static string Replacements(string family) => string.Join(", ", CompressionMethods.All
        .Where(m => m.Family == family)
        .GroupBy(m => m.AppliesTo)
        .Select(g => g.Count() == 1 ? $"{g.First().LayerFormat} replaces {g.Key}" : $"{string.Join(", ", g.SkipLast(1).Select(m => m.LayerFormat))} and {g.Last().LayerFormat} replace {g.Key}"));
}
