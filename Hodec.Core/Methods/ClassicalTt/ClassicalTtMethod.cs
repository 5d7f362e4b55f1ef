using Hodec.Costs;
using Hodec.Export;
using Hodec.Layers;
using Hodec.Recipes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Methods;

/// <summary>Classical TT-conv (Garipov et al.): modes <c>(K*K, O_1 I_1, ..., O_d I_d)</c>, <c>d</c> bond ranks.</summary>
public sealed class ClassicalTtMethod : ICompressionMethod
{
    public CompressionFormat Format => CompressionFormat.TtClassical;

    public string LayerFormat => LayerFormats.ClassicalTt;

    public string Label => "classical TT";

    public string ReportLabel(bool adal) => Label;

    public string Family => "tensor train";

    public DenseLayerKind AppliesTo => DenseLayerKind.Conv2d;

    public bool NeedsFactorization => true;

    public Type LayerType => typeof(ClassicalTtConv2d);

    public HodecLayout Layout(int inChannels, int outChannels, int kernelH, int kernelW, int order, FactorizationSpec? factorization) =>
        MethodKit.FactoredLayout(inChannels, outChannels, kernelH, kernelW, order, factorization);

    public int? RankCount(FactorizationSpec? factorization) => factorization?.In.Count;

    public long[] Modes(HodecLayout layout) => [(long)layout.KernelH * layout.KernelW, .. MethodKit.Pairs(layout)];

    // min(left, right) never exceeds the square root of the product of all modes.
    public long Widest(LayerInfo layer) => (long)Math.Floor(Math.Sqrt((double)layer.KernelSize * layer.KernelSize * layer.InChannels * layer.OutChannels));

    public Tensor Reorder(HodecLayout layout, Tensor weight) => ClassicalTtConv2d.Reorder(weight, layout);

    public Tensor Restore(HodecLayout layout, Tensor reordered) => ClassicalTtConv2d.Restore(reordered, layout);

    public Tensor Project(HodecLayout layout, Tensor weight, IReadOnlyList<int> ranks) => MethodKit.TtSvdProject(this, layout, weight, ranks);

    public nn.Module<Tensor, Tensor> Build(HodecLayout layout, Tensor weight, Tensor? bias, ConvGeometry geometry, IReadOnlyList<int> ranks)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor[] cores = MethodKit.TtSvdCores(this, layout, weight, ranks);
        Tensor g0 = cores[0].reshape(layout.KernelH, layout.KernelW, cores[0].shape[2]);
        Tensor[] g = [.. cores.Skip(1).Select((c, j) => c.reshape(c.shape[0], layout.OutputFactors[j], layout.InputFactors[j], c.shape[2]))];
        return new ClassicalTtConv2d(g0, g, bias?.detach(), geometry);
    }

    public LayerCost Cost(HodecLayout layout, IReadOnlyList<int> ranks, ConvGeometry geometry, long inH, long inW, bool bias, long rowsPerImage) =>
        ClassicalTtConv2d.EstimateCost(layout, [.. ranks.Select(v => (long)v)], geometry, inH, inW, bias);

    public OnnxExporterRegistry RegisterOnnx(OnnxExporterRegistry registry) =>
        registry.With<ClassicalTtConv2d>((m, g, x, bn) => TtOnnxLowering.ClassicalTtConv(g, x, m, bn));

    public LayerMetadata Describe(string path, ITtLayer layer)
    {
        var c = (ClassicalTtConv2d)layer;
        return new(path, LayerFormat, c.InputFactors, c.OutputFactors, MethodKit.Bonds(c.Ranks));
    }

    public nn.Module Placeholder(LayerMetadata layer, nn.Module dense)
    {
        var conv = MethodKit.Dense<Conv2d>(this, layer, dense);
        int d = layer.InputFactors.Count;
        long[] r = MethodKit.ExpectRanks(layer, d + 2, "(1, r_1..r_d, 1)");
        long[] i = [.. layer.InputFactors.Select(v => (long)v)];
        long[] o = [.. layer.OutputFactors.Select(v => (long)v)];
        using var scope = NewDisposeScope();
        return new ClassicalTtConv2d(
            zeros(conv.kernel_size[0], conv.kernel_size[1], r[1]),
            [.. Enumerable.Range(0, d).Select(j => zeros(r[j + 1], o[j], i[j], r[j + 2]))],
            conv.bias is null ? null : zeros(o.Aggregate(1L, (a, b) => a * b)),
            ConvGeometry.FromConv(conv));
    }
}
