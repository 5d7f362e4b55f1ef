using Hodec.Costs;
using Hodec.Export;
using Hodec.Layers;
using Hodec.Recipes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Methods;

/// <summary>TT-FC (Novikov et al.) for linear layers: modes <c>(O_1 I_1, ..., O_d I_d)</c>, <c>d-1</c> bond ranks.</summary>
public sealed class TtFcMethod : ICompressionMethod
{
    public CompressionFormat Format => CompressionFormat.TtFc;

    public string LayerFormat => LayerFormats.TtFc;

    public string Label => "TT-FC";

    public string ReportLabel(bool adal) => Label;

    public string Family => "tensor train";

    public DenseLayerKind AppliesTo => DenseLayerKind.Linear;

    public bool NeedsFactorization => true;

    public Type LayerType => typeof(TtLinear);

    public HodecLayout Layout(int inChannels, int outChannels, int kernelH, int kernelW, int order, FactorizationSpec? factorization) =>
        MethodKit.FactoredLayout(inChannels, outChannels, 1, 1, order, factorization);

    public int? RankCount(FactorizationSpec? factorization) => factorization is null ? null : factorization.In.Count - 1;

    public long[] Modes(HodecLayout layout) => [.. MethodKit.Pairs(layout)];

    public long Widest(LayerInfo layer) => (long)Math.Floor(Math.Sqrt((double)layer.InChannels * layer.OutChannels));

    public Tensor Reorder(HodecLayout layout, Tensor weight) => TtLinear.Reorder(weight, layout.InputFactors, layout.OutputFactors);

    public Tensor Restore(HodecLayout layout, Tensor reordered)
    {
        int d = layout.Order;
        long[] split = [.. Enumerable.Range(0, d).SelectMany(j => new long[] { layout.OutputFactors[j], layout.InputFactors[j] })];
        long[] perm = [.. Enumerable.Range(0, d).Select(j => 2L * j), .. Enumerable.Range(0, d).Select(j => (2L * j) + 1)];
        return reordered.reshape(split).permute(perm).reshape(layout.OutChannels, layout.InChannels);
    }

    public Tensor Project(HodecLayout layout, Tensor weight, IReadOnlyList<int> ranks) => MethodKit.TtSvdProject(this, layout, weight, ranks);

    public nn.Module<Tensor, Tensor> Build(HodecLayout layout, Tensor weight, Tensor? bias, ConvGeometry geometry, IReadOnlyList<int> ranks)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor[] cores = MethodKit.TtSvdCores(this, layout, weight, ranks);
        Tensor[] g = [.. cores.Select((c, j) => c.reshape(c.shape[0], layout.OutputFactors[j], layout.InputFactors[j], c.shape[2]))];
        return new TtLinear(g, bias?.detach());
    }

    public LayerCost Cost(HodecLayout layout, IReadOnlyList<int> ranks, ConvGeometry geometry, long inH, long inW, bool bias, long rowsPerImage)
    {
        int d = layout.Order;
        if (ranks.Count != d - 1)
        {
            throw new HodecException($"A TT-FC layer of order {d} has {d - 1} bond ranks; got {ranks.Count}.");
        }

        var (stages, coreParams) = TtMatrixChainCost.Of(layout, [1, .. ranks.Select(v => (long)v), 1], rowsPerImage);
        long biasParams = bias ? layout.OutChannels : 0;
        long dense = (long)layout.OutChannels * layout.InChannels;
        return new LayerCost("tt-fc", "sequential", coreParams + biasParams, stages.Sum(s => s.Macs), dense + biasParams, dense * rowsPerImage, 0, stages);
    }

    public OnnxExporterRegistry RegisterOnnx(OnnxExporterRegistry registry) =>
        registry.With<TtLinear>((m, g, x) => TtOnnxLowering.TtLinear(g, x, m));

    public LayerMetadata Describe(string path, ITtLayer layer)
    {
        var t = (TtLinear)layer;
        return new(path, LayerFormat, t.InputFactors, t.OutputFactors, MethodKit.Bonds(t.Ranks));
    }

    public nn.Module Placeholder(LayerMetadata layer, nn.Module dense)
    {
        var linear = MethodKit.Dense<Linear>(this, layer, dense);
        int d = layer.InputFactors.Count;
        long[] r = MethodKit.ExpectRanks(layer, d + 1, "(r_0..r_d)");
        long[] i = [.. layer.InputFactors.Select(v => (long)v)];
        long[] o = [.. layer.OutputFactors.Select(v => (long)v)];
        using var scope = NewDisposeScope();
        return new TtLinear(
            [.. Enumerable.Range(0, d).Select(j => zeros(r[j], o[j], i[j], r[j + 1]))],
            linear.bias is null ? null : zeros(o.Aggregate(1L, (a, b) => a * b)));
    }
}
