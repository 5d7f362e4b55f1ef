using Hodec.Costs;
using Hodec.Layers;
using Hodec.Recipes;
using Hodec.TensorTrain;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Compression;

/// <summary>
/// One place that knows, per TT format, how a dense weight is reordered into a TT, what its modes and bond ranks are,
/// what the TT layer costs and how it is built. Planner, ADAL and projector all go through it, so the ranks planned,
/// the projection regularised towards and the layer built always agree.
/// </summary>
internal static class TtFormats
{
    /// <summary>TT modes of the reordered weight (see <see cref="BondLimits.Modes"/>).</summary>
    public static long[] Modes(CompressionFormat format, HodecLayout layout) => format switch
    {
        CompressionFormat.Hodec => layout.TtShape,
        CompressionFormat.TtClassical => [(long)layout.KernelH * layout.KernelW, .. Pairs(layout)],
        _ => [.. Pairs(layout)],
    };

    /// <summary>
    /// The ranks TT-SVD produces under per-bond caps on a full-rank tensor: <c>r_k = min(cap_k, r_{k-1} n_k,
    /// prod_{j&gt;k} n_j)</c>, so a plan's ranks are exactly the built layer's ranks.
    /// </summary>
    public static int[] EffectiveRanks(IReadOnlyList<long> modes, IReadOnlyList<long> caps)
    {
        var ranks = new int[modes.Count - 1];
        long prev = 1;
        for (int k = 0; k < ranks.Length; k++)
        {
            long right = modes.Skip(k + 1).Aggregate(1L, (a, b) => a > long.MaxValue / b ? long.MaxValue : a * b);
            long r = Math.Max(1, Math.Min(Math.Min(caps[k], prev * modes[k]), right));
            ranks[k] = (int)r;
            prev = r;
        }

        return ranks;
    }

    /// <summary>Cost of the TT layer on its executed path, MACs per image.</summary>
    public static LayerCost Cost(CompressionFormat format, HodecLayout layout, IReadOnlyList<int> ranks, ConvGeometry geometry, long inH, long inW, bool bias, long rowsPerImage)
    {
        long[] r = [.. ranks.Select(v => (long)v)];
        return format switch
        {
            CompressionFormat.Hodec => HodecConv2d.EstimateCost(layout, r, geometry, inH, inW, TtExecutionPath.Auto, bias),
            CompressionFormat.TtClassical => ClassicalTtConv2d.EstimateCost(layout, r, geometry, inH, inW, bias),
            _ => TtFcCost(layout, r, bias, rowsPerImage),
        };
    }

    /// <summary>The dense layer's cost, in the same record.</summary>
    public static LayerCost DenseCost(long parameters, long macs) => new("dense", "dense", parameters, macs, parameters, macs, 0, []);

    /// <summary>The dense weight reordered into the format's TT modes.</summary>
    public static Tensor Reorder(CompressionFormat format, HodecLayout layout, Tensor weight) => format switch
    {
        CompressionFormat.Hodec => layout.Reorder(weight),
        CompressionFormat.TtClassical => ClassicalTtConv2d.Reorder(weight, layout),
        _ => TtLinear.Reorder(weight, layout.InputFactors, layout.OutputFactors),
    };

    /// <summary>Inverse of <see cref="Reorder"/>.</summary>
    public static Tensor Restore(CompressionFormat format, HodecLayout layout, Tensor tt) => format switch
    {
        CompressionFormat.Hodec => layout.Restore(tt),
        CompressionFormat.TtClassical => ClassicalTtConv2d.Restore(tt, layout),
        _ => RestoreFc(layout, tt),
    };

    /// <summary>
    /// <c>Proj(W)</c>: TT-SVD of the reordered weight truncated at <paramref name="ranks"/>, reconstructed to the dense
    /// shape. Without autograd; the result belongs to the caller's dispose scope.
    /// </summary>
    public static Tensor Project(CompressionFormat format, HodecLayout layout, Tensor weight, IReadOnlyList<int> ranks)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            using TtTensor tt = TtSvd.Decompose(Reorder(format, layout, weight.detach()), new TtSvdOptions(MaxRanks: ranks));
            return Restore(format, layout, tt.ToDense()).contiguous().MoveToOuterDisposeScope();
        }
    }

    /// <summary>
    /// The TT layer for <paramref name="weight"/> at exactly <paramref name="ranks"/>: TT-SVD, then zero padding of any
    /// bond a rank-deficient weight left smaller (padding changes nothing the layer computes).
    /// </summary>
    public static nn.Module<Tensor, Tensor> Build(CompressionFormat format, HodecLayout layout, Tensor weight, Tensor? bias, ConvGeometry geometry, IReadOnlyList<int> ranks)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using TtTensor tt = TtSvd.Decompose(Reorder(format, layout, weight.detach()), new TtSvdOptions(MaxRanks: ranks));
        Tensor[] cores = Pad(tt.Cores, ranks);
        Tensor? b = bias?.detach();
        switch (format)
        {
            case CompressionFormat.Hodec:
                return HodecConv2d.FromTt(new TtTensor(cores), layout, b, geometry, TtExecutionPath.Auto);
            case CompressionFormat.TtClassical:
                {
                    Tensor g0 = cores[0].reshape(layout.KernelH, layout.KernelW, cores[0].shape[2]);
                    Tensor[] g = [.. cores.Skip(1).Select((c, j) => c.reshape(c.shape[0], layout.OutputFactors[j], layout.InputFactors[j], c.shape[2]))];
                    return new ClassicalTtConv2d(g0, g, b, geometry);
                }

            default:
                {
                    Tensor[] g = [.. cores.Select((c, j) => c.reshape(c.shape[0], layout.OutputFactors[j], layout.InputFactors[j], c.shape[2]))];
                    return new TtLinear(g, b);
                }
        }
    }

    /// <summary>Weight and bias of a dense Conv2d or Linear; throws for anything else.</summary>
    public static (Parameter Weight, Parameter? Bias) DenseParameters(nn.Module module, string path) => module switch
    {
        Conv2d conv => (conv.weight!, conv.bias),
        Linear linear => (linear.weight!, linear.bias),
        ITtLayer tt => throw new HodecException($"Layer '{path}' is already a {tt.Format} TT layer; plan and project a dense model (load the dense weights, or skip projection when resuming a compressed run)."),
        _ => throw new HodecException($"Layer '{path}' is a {module.GetType().Name}; only Conv2d and Linear layers can be compressed."),
    };

    /// <summary>Geometry of a dense layer (default for linear).</summary>
    public static ConvGeometry Geometry(nn.Module module) => module is Conv2d conv ? ConvGeometry.FromConv(conv) : ConvGeometry.Default;

    /// <summary>Layout of a planned layer (kernel 1 x 1 for linear layers).</summary>
    public static HodecLayout Layout(LayerPlan plan, nn.Module module) =>
        new(plan.InputFactors, plan.OutputFactors, module is Conv2d c ? (int)c.kernel_size[0] : 1, module is Conv2d c2 ? (int)c2.kernel_size[1] : 1);

    private static IEnumerable<long> Pairs(HodecLayout layout) =>
        layout.InputFactors.Zip(layout.OutputFactors, (i, o) => (long)i * o);

    private static Tensor[] Pad(IReadOnlyList<Tensor> cores, IReadOnlyList<int> ranks)
    {
        long[] r = [1, .. ranks.Select(v => (long)v), 1];
        var result = new Tensor[cores.Count];
        for (int k = 0; k < cores.Count; k++)
        {
            Tensor c = cores[k];
            if (c.shape[0] == r[k] && c.shape[2] == r[k + 1])
            {
                result[k] = c;
                continue;
            }

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

    private static Tensor RestoreFc(HodecLayout layout, Tensor tt)
    {
        int d = layout.Order;
        long[] split = [.. Enumerable.Range(0, d).SelectMany(j => new long[] { layout.OutputFactors[j], layout.InputFactors[j] })];
        long[] perm = [.. Enumerable.Range(0, d).Select(j => 2L * j), .. Enumerable.Range(0, d).Select(j => (2L * j) + 1)];
        return tt.reshape(split).permute(perm).reshape(layout.OutChannels, layout.InChannels);
    }

    private static LayerCost TtFcCost(HodecLayout layout, long[] ranks, bool bias, long rowsPerImage)
    {
        int d = layout.Order;
        if (ranks.Length != d - 1)
        {
            throw new HodecException($"A TT-FC layer of order {d} has {d - 1} bond ranks; got {ranks.Length}.");
        }

        var (stages, coreParams) = TtMatrixChainCost.Of(layout, [1, .. ranks, 1], rowsPerImage);

        long biasParams = bias ? layout.OutChannels : 0;
        long dense = (long)layout.OutChannels * layout.InChannels;
        return new LayerCost("tt-fc", "sequential", coreParams + biasParams, stages.Sum(s => s.Macs), dense + biasParams, dense * rowsPerImage, 0, stages);
    }
}
