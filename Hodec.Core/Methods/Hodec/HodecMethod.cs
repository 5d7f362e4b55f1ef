using Hodec.Compression;
using Hodec.Costs;
using Hodec.Export;
using Hodec.Layers;
using Hodec.Recipes;
using Hodec.TensorTrain;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Methods;

/// <summary>HODEC TT-conv: modes <c>(I_1..I_d, K*K, O_1..O_d)</c>, <c>2d</c> bond ranks, executed as 1x1, KxK, 1x1 (method.md sections 1-3).</summary>
public sealed class HodecMethod : ICompressionMethod
{
    public CompressionFormat Format => CompressionFormat.Hodec;

    public string LayerFormat => LayerFormats.Hodec;

    public string Label => "HODEC";

    public string ReportLabel(bool adal) => adal ? Label : Label + " (no ADAL)";

    public string Family => "tensor train";

    public DenseLayerKind AppliesTo => DenseLayerKind.Conv2d;

    public bool NeedsFactorization => true;

    public Type LayerType => typeof(HodecConv2d);

    public HodecLayout Layout(int inChannels, int outChannels, int kernelH, int kernelW, int order, FactorizationSpec? factorization) =>
        MethodKit.FactoredLayout(inChannels, outChannels, kernelH, kernelW, order, factorization);

    public int? RankCount(FactorizationSpec? factorization) => factorization is null ? null : 2 * factorization.In.Count;

    public long[] Modes(HodecLayout layout) => layout.TtShape;

    public long Widest(LayerInfo layer)
    {
        long i = layer.InChannels, o = layer.OutChannels, k2 = (long)layer.KernelSize * layer.KernelSize;
        return Math.Max(Math.Min(i, k2 * o), Math.Min(i * k2, o));
    }

    public Tensor Reorder(HodecLayout layout, Tensor weight) => layout.Reorder(weight);

    public Tensor Restore(HodecLayout layout, Tensor reordered) => layout.Restore(reordered);

    public Tensor Project(HodecLayout layout, Tensor weight, IReadOnlyList<int> ranks) => MethodKit.TtSvdProject(this, layout, weight, ranks);

    public nn.Module<Tensor, Tensor> Build(HodecLayout layout, Tensor weight, Tensor? bias, ConvGeometry geometry, IReadOnlyList<int> ranks)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor[] cores = MethodKit.TtSvdCores(this, layout, weight, ranks);
        return HodecConv2d.FromTt(new TtTensor(cores), layout, bias?.detach(), geometry, TtExecutionPath.Auto);
    }

    public LayerCost Cost(HodecLayout layout, IReadOnlyList<int> ranks, ConvGeometry geometry, long inH, long inW, bool bias, long rowsPerImage) =>
        HodecConv2d.EstimateCost(layout, [.. ranks.Select(v => (long)v)], geometry, inH, inW, TtExecutionPath.Auto, bias);

    public OnnxExporterRegistry RegisterOnnx(OnnxExporterRegistry registry) =>
        registry.With<HodecConv2d>((m, g, x, bn) => TtOnnxLowering.HodecConv(g, x, m, bn));

    public LayerMetadata Describe(string path, ITtLayer layer)
    {
        var h = (HodecConv2d)layer;
        return new(path, LayerFormat, h.Layout.InputFactors, h.Layout.OutputFactors, MethodKit.Bonds(h.Ranks));
    }

    public nn.Module Placeholder(LayerMetadata layer, nn.Module dense)
    {
        var conv = MethodKit.Dense<Conv2d>(this, layer, dense);
        int d = layer.InputFactors.Count;
        long[] r = MethodKit.ExpectRanks(layer, (2 * d) + 2, "(r_0..r_2d+1)");
        long[] i = [.. layer.InputFactors.Select(v => (long)v)];
        long[] o = [.. layer.OutputFactors.Select(v => (long)v)];
        using var scope = NewDisposeScope();
        return new HodecConv2d(
            [.. Enumerable.Range(0, d).Select(j => zeros(r[j], i[j], r[j + 1]))],
            zeros(r[d], conv.kernel_size[0], conv.kernel_size[1], r[d + 1]),
            [.. Enumerable.Range(0, d).Select(j => zeros(r[d + 1 + j], o[j], r[d + 2 + j]))],
            conv.bias is null ? null : zeros(o.Aggregate(1L, (a, b) => a * b)),
            ConvGeometry.FromConv(conv));
    }
}
