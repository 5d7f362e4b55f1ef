using Hodec.Costs;
using Hodec.Export;
using Hodec.Layers;
using Hodec.Recipes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Methods;

/// <summary>
/// Low-rank matrix (channel) decomposition: the conv weight reshaped to <c>O x (I K^2)</c>, truncated SVD at rank
/// <c>r</c>, executed as a <c>K x K</c> conv <c>I -&gt; r</c> and a <c>1 x 1</c> conv <c>r -&gt; O</c>
/// (<see cref="LowRankConv2d"/>). Its one rank sits between the modes <c>(O, I K^2)</c>; <c>Proj</c> is the SVD
/// truncation, so ADAL regularises towards the best rank-<c>r</c> weight (Eckart-Young).
/// </summary>
public sealed class LowRankMethod : ICompressionMethod
{
    public CompressionFormat Format => CompressionFormat.LowRank;

    public string LayerFormat => LayerFormats.LowRank;

    public string Label => "low-rank (SVD)";

    public string ReportLabel(bool adal) => adal ? Label + " + ADAL" : Label;

    public string Family => "low-rank matrix";

    public DenseLayerKind AppliesTo => DenseLayerKind.Conv2d;

    public bool NeedsFactorization => false;

    public Type LayerType => typeof(LowRankConv2d);

    public HodecLayout Layout(int inChannels, int outChannels, int kernelH, int kernelW, int order, FactorizationSpec? factorization) =>
        MethodKit.WholeLayout(inChannels, outChannels, kernelH, kernelW);

    public int? RankCount(FactorizationSpec? factorization) => 1;

    public long[] Modes(HodecLayout layout) => [layout.OutChannels, (long)layout.InChannels * layout.KernelH * layout.KernelW];

    public long Widest(LayerInfo layer) => Math.Min(layer.OutChannels, (long)layer.InChannels * layer.KernelSize * layer.KernelSize);

    public Tensor Reorder(HodecLayout layout, Tensor weight)
    {
        layout.CheckWeight(weight);
        return weight.reshape(layout.OutChannels, -1);
    }

    public Tensor Restore(HodecLayout layout, Tensor reordered) =>
        reordered.reshape(layout.OutChannels, layout.InChannels, layout.KernelH, layout.KernelW);

    public Tensor Project(HodecLayout layout, Tensor weight, IReadOnlyList<int> ranks)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            var (u, v) = Factors(layout, weight, ranks);
            return Restore(layout, u.matmul(v)).to_type(weight.dtype).contiguous().MoveToOuterDisposeScope();
        }
    }

    public nn.Module<Tensor, Tensor> Build(HodecLayout layout, Tensor weight, Tensor? bias, ConvGeometry geometry, IReadOnlyList<int> ranks)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (u, v) = Factors(layout, weight, ranks);
        return new LowRankConv2d(
            v.reshape(ranks[0], layout.InChannels, layout.KernelH, layout.KernelW).to_type(weight.dtype),
            u.to_type(weight.dtype),
            bias?.detach(),
            geometry);
    }

    public LayerCost Cost(HodecLayout layout, IReadOnlyList<int> ranks, ConvGeometry geometry, long inH, long inW, bool bias, long rowsPerImage) =>
        LowRankConv2d.EstimateCost(layout.InChannels, layout.OutChannels, layout.KernelH, layout.KernelW, ranks[0], geometry, inH, inW, bias);

    public OnnxExporterRegistry RegisterOnnx(OnnxExporterRegistry registry) =>
        registry.With<LowRankConv2d>((m, g, x, affine) =>
        {
            using var scope = NewDisposeScope();
            string y = g.Conv(x, m.SpatialWeight.detach(), null, m.Geometry);
            Tensor w = m.PointwiseWeight.detach();
            Tensor? b = m.Bias?.detach();
            if (affine is not null)
            {
                (w, b) = affine.FoldInto(w, b);
            }

            return g.PointwiseConv(y, w, b);
        });

    public LayerMetadata Describe(string path, ITtLayer layer)
    {
        var l = (LowRankConv2d)layer;
        return new(path, LayerFormat, [(int)l.InChannels], [(int)l.OutChannels], MethodKit.Bonds(l.Ranks));
    }

    public nn.Module Placeholder(LayerMetadata layer, nn.Module dense)
    {
        var conv = MethodKit.Dense<Conv2d>(this, layer, dense);
        long[] r = MethodKit.ExpectRanks(layer, 3, "(1, r, 1)");
        using var scope = NewDisposeScope();
        return new LowRankConv2d(
            zeros(r[1], conv.in_channels, conv.kernel_size[0], conv.kernel_size[1]),
            zeros(conv.out_channels, r[1]),
            conv.bias is null ? null : zeros(conv.out_channels),
            ConvGeometry.FromConv(conv));
    }

    // W = U V at rank r, in float64: U = U_r sqrt(S_r) (O x r), V = sqrt(S_r) V_r^T (r x I K^2), balanced so neither factor dominates training.
    private (Tensor U, Tensor V) Factors(HodecLayout layout, Tensor weight, IReadOnlyList<int> ranks)
    {
        if (ranks.Count != 1)
        {
            throw new HodecException($"A low-rank layer has one rank; got {ranks.Count}.");
        }

        int r = ranks[0];
        var (u, s, vh) = linalg.svd(Reorder(layout, weight.detach()).to_type(ScalarType.Float64), fullMatrices: false);
        if (r < 1 || r > s.shape[0])
        {
            throw new HodecException($"Rank {r} is outside 1..{s.shape[0]} for a {layout.OutChannels} x {(long)layout.InChannels * layout.KernelH * layout.KernelW} weight.");
        }

        Tensor root = s.narrow(0, 0, r).sqrt();
        return (u.narrow(1, 0, r) * root.unsqueeze(0), root.unsqueeze(1) * vh.narrow(0, 0, r));
    }
}
