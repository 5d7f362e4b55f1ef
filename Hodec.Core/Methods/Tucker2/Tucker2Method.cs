using Hodec.Costs;
using Hodec.Export;
using Hodec.Layers;
using Hodec.Recipes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Methods;

/// <summary>
/// Tucker-2 (Kim et al. 2016) on the two channel modes of a conv, initialised and projected by partial HOSVD: the top
/// <c>r1</c> left singular vectors of the input-mode unfolding <c>I x (K^2 O)</c> and the top <c>r2</c> of the
/// output-mode unfolding <c>O x (I K^2)</c>, with the core <c>W x_O U_out^T x_I U_in^T</c>
/// (<see cref="Tucker2Conv2d"/>). Its ranks <c>(r1, r2)</c> sit between the modes <c>(I, K^2, O)</c>, whose two
/// unfoldings are exactly those two. HOSVD's error is at most <c>sqrt(2)</c> times the best rank-<c>(r1, r2)</c> error.
/// </summary>
public sealed class Tucker2Method : ICompressionMethod
{
    public CompressionFormat Format => CompressionFormat.Tucker2;

    public string LayerFormat => LayerFormats.Tucker2;

    public string Label => "Tucker-2";

    public string ReportLabel(bool adal) => adal ? Label + " + ADAL" : Label;

    public string Family => "Tucker";

    public DenseLayerKind AppliesTo => DenseLayerKind.Conv2d;

    public bool NeedsFactorization => false;

    public Type LayerType => typeof(Tucker2Conv2d);

    public HodecLayout Layout(int inChannels, int outChannels, int kernelH, int kernelW, int order, FactorizationSpec? factorization) =>
        MethodKit.WholeLayout(inChannels, outChannels, kernelH, kernelW);

    public int? RankCount(FactorizationSpec? factorization) => 2;

    public long[] Modes(HodecLayout layout) => [layout.InChannels, (long)layout.KernelH * layout.KernelW, layout.OutChannels];

    public long Widest(LayerInfo layer)
    {
        long i = layer.InChannels, o = layer.OutChannels, k2 = (long)layer.KernelSize * layer.KernelSize;
        return Math.Max(Math.Min(i, k2 * o), Math.Min(o, i * k2));
    }

    public Tensor Reorder(HodecLayout layout, Tensor weight)
    {
        layout.CheckWeight(weight);
        return weight.permute(1, 2, 3, 0).reshape(layout.InChannels, (long)layout.KernelH * layout.KernelW, layout.OutChannels).contiguous();
    }

    public Tensor Restore(HodecLayout layout, Tensor reordered) =>
        reordered.reshape(layout.InChannels, layout.KernelH, layout.KernelW, layout.OutChannels).permute(3, 0, 1, 2);

    public Tensor Project(HodecLayout layout, Tensor weight, IReadOnlyList<int> ranks)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            var (uIn, core, uOut) = Hosvd(layout, weight, ranks);
            return einsum("os,stab,it->oiab", uOut, core, uIn).to_type(weight.dtype).contiguous().MoveToOuterDisposeScope();
        }
    }

    public nn.Module<Tensor, Tensor> Build(HodecLayout layout, Tensor weight, Tensor? bias, ConvGeometry geometry, IReadOnlyList<int> ranks)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (uIn, core, uOut) = Hosvd(layout, weight, ranks);
        return new Tucker2Conv2d(uIn.t().to_type(weight.dtype), core.to_type(weight.dtype), uOut.to_type(weight.dtype), bias?.detach(), geometry);
    }

    public LayerCost Cost(HodecLayout layout, IReadOnlyList<int> ranks, ConvGeometry geometry, long inH, long inW, bool bias, long rowsPerImage) =>
        Tucker2Conv2d.EstimateCost(layout.InChannels, layout.OutChannels, layout.KernelH, layout.KernelW, ranks[0], ranks[1], geometry, inH, inW, bias);

    public OnnxExporterRegistry RegisterOnnx(OnnxExporterRegistry registry) =>
        registry.With<Tucker2Conv2d>((m, g, x, affine) =>
        {
            using var scope = NewDisposeScope();
            string y = g.PointwiseConv(x, m.InputFactor.detach());
            string z = g.Conv(y, m.Core.detach(), null, m.Geometry);
            Tensor w = m.OutputFactor.detach();
            Tensor? b = m.Bias?.detach();
            if (affine is not null)
            {
                (w, b) = affine.FoldInto(w, b);
            }

            return g.PointwiseConv(z, w, b);
        });

    public LayerMetadata Describe(string path, ITtLayer layer)
    {
        var t = (Tucker2Conv2d)layer;
        return new(path, LayerFormat, [(int)t.InChannels], [(int)t.OutChannels], MethodKit.Bonds(t.Ranks));
    }

    public nn.Module Placeholder(LayerMetadata layer, nn.Module dense)
    {
        var conv = MethodKit.Dense<Conv2d>(this, layer, dense);
        long[] r = MethodKit.ExpectRanks(layer, 4, "(1, r1, r2, 1)");
        using var scope = NewDisposeScope();
        return new Tucker2Conv2d(
            zeros(r[1], conv.in_channels),
            zeros(r[2], r[1], conv.kernel_size[0], conv.kernel_size[1]),
            zeros(conv.out_channels, r[2]),
            conv.bias is null ? null : zeros(conv.out_channels),
            ConvGeometry.FromConv(conv));
    }

    // Partial HOSVD in float64: U_in (I x r1), core (r2 x r1 x KH x KW), U_out (O x r2).
    private (Tensor UIn, Tensor Core, Tensor UOut) Hosvd(HodecLayout layout, Tensor weight, IReadOnlyList<int> ranks)
    {
        if (ranks.Count != 2)
        {
            throw new HodecException($"A Tucker-2 layer has two ranks (r1 on the input side, r2 on the output side); got {ranks.Count}.");
        }

        Tensor w = weight.detach().to_type(ScalarType.Float64);
        Tensor uIn = LeadingVectors(Reorder(layout, w).reshape(layout.InChannels, -1), ranks[0], "r1");
        Tensor uOut = LeadingVectors(w.reshape(layout.OutChannels, -1), ranks[1], "r2");
        Tensor core = einsum("oiab,os,it->stab", w, uOut, uIn);
        return (uIn, core, uOut);
    }

    private static Tensor LeadingVectors(Tensor unfolding, int rank, string name)
    {
        var (u, _, _) = linalg.svd(unfolding, fullMatrices: false);
        if (rank < 1 || rank > u.shape[1])
        {
            throw new HodecException($"Tucker-2 rank {name} = {rank} is outside 1..{u.shape[1]} for an unfolding of shape [{string.Join(", ", unfolding.shape)}].");
        }

        return u.narrow(1, 0, rank);
    }
}
