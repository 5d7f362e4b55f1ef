using Hodec.Costs;
using Hodec.TensorTrain;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Layers;

/// <summary>
/// Classical TT-conv (Garipov et al. 2016, method.md section 2): a spatial core <c>G_0</c> (<c>KH x KW x r_1</c>) then
/// 4-D cores <c>G_j</c> (<c>r_j x O_j x I_j x r_{j+1}</c>, <c>r_{d+1} = 1</c>) mixing input and output modes.
/// Forward: the spatial core runs as a conv on every input channel, then the cores are contracted in turn. Its
/// intermediates grow, so it can cost more MACs than the dense conv; it is here as the baseline that shows this.
/// That sequential path is what <see cref="Cost"/> counts and what runs in eval mode (evaluation, latency, export).
/// In training mode the layer rebuilds its kernel and runs one conv instead: the same function and the same core
/// gradients, 11-24x faster per training step on CPU (docs/benchmarks.md): the sequential intermediates are memory-bound.
/// In inference (eval mode, gradients off) the permuted spatial kernel and the core matrices are built once and cached
/// (<see cref="InferenceCache"/>).
/// </summary>
public sealed class ClassicalTtConv2d : nn.Module<Tensor, Tensor>, ITtLayer, IInferenceCached
{
    private readonly Parameter spatial_core;
    private readonly ParameterList cores;
    private readonly Parameter? bias;
    private readonly InferenceCache inference = new();

    /// <summary>Builds the layer from cores (copied into parameters).</summary>
    public ClassicalTtConv2d(Tensor spatialCore, IReadOnlyList<Tensor> cores, Tensor? bias = null, ConvGeometry? geometry = null)
        : base(nameof(ClassicalTtConv2d))
    {
        if (spatialCore.dim() != 3 || cores.Count == 0 || cores.Any(c => c.dim() != 4))
        {
            throw new HodecException("Classical TT-conv needs a 3-D spatial core (KH x KW x r_1) and one or more 4-D cores (r_j x O_j x I_j x r_(j+1)).");
        }

        _ = new TtTensor([spatialCore.reshape(1, -1, spatialCore.shape[2]), .. cores.Select(c => c.reshape(c.shape[0], -1, c.shape[3]))]);
        InputFactors = [.. cores.Select(c => (int)c.shape[2])];
        OutputFactors = [.. cores.Select(c => (int)c.shape[1])];
        KernelH = (int)spatialCore.shape[0];
        KernelW = (int)spatialCore.shape[1];
        if (bias is not null && (bias.dim() != 1 || bias.shape[0] != OutChannels))
        {
            throw new HodecException($"Bias must have shape [{OutChannels}] (one per output channel); got [{string.Join(", ", bias.shape)}].");
        }

        Geometry = geometry ?? ConvGeometry.Default;
        Ranks = [spatialCore.shape[2], .. cores.Take(cores.Count - 1).Select(c => c.shape[3])];
        using (no_grad())
        {
            spatial_core = TtParameter.From(spatialCore);
            this.cores = new ParameterList([.. cores.Select(c => TtParameter.From(c))]);
            this.bias = bias is null ? null : TtParameter.From(bias);
        }

        RegisterComponents();
    }

    /// <summary>Input factors <c>I_1..I_d</c>.</summary>
    public IReadOnlyList<int> InputFactors { get; }

    /// <summary>Output factors <c>O_1..O_d</c>.</summary>
    public IReadOnlyList<int> OutputFactors { get; }

    /// <summary>Kernel height.</summary>
    public int KernelH { get; }

    /// <summary>Kernel width.</summary>
    public int KernelW { get; }

    /// <summary>Input channels.</summary>
    public int InChannels => InputFactors.Aggregate(1, (a, b) => a * b);

    /// <summary>Output channels.</summary>
    public int OutChannels => OutputFactors.Aggregate(1, (a, b) => a * b);

    /// <summary>Stride, padding, dilation of the spatial conv.</summary>
    public ConvGeometry Geometry { get; }

    /// <inheritdoc/>
    public string Format => "classical-tt";

    /// <summary>Spatial core <c>G_0</c>, <c>KH x KW x r_1</c>.</summary>
    public Parameter SpatialCore => spatial_core;

    /// <summary>Channel cores <c>G_1..G_d</c>, each <c>r_j x O_j x I_j x r_{j+1}</c>.</summary>
    public IReadOnlyList<Parameter> Cores => [.. cores];

    /// <summary>Optional bias.</summary>
    public Parameter? Bias => bias;

    /// <summary>Bond ranks <c>r_1..r_d</c>.</summary>
    public IReadOnlyList<long> Ranks { get; }

    /// <inheritdoc/>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Decomposes a dense conv (TT-SVD of the weight reordered to <c>(KH*KW, O_1 I_1, ..., O_d I_d)</c>).</summary>
    public static ClassicalTtConv2d FromDense(Conv2d conv, HodecConvOptions options)
    {
        var geometry = ConvGeometry.FromConv(conv);
        var (inF, outF) = options.Factorise((int)conv.in_channels, (int)conv.out_channels);
        var layout = new HodecLayout(inF, outF, (int)conv.kernel_size[0], (int)conv.kernel_size[1]);
        using var scope = NewDisposeScope();
        using TtTensor tt = TtSvd.Decompose(Reorder(conv.weight!.detach(), layout), options.SvdOptions());
        Tensor g0 = tt.Cores[0].reshape(layout.KernelH, layout.KernelW, tt.Cores[0].shape[2]);
        Tensor[] g = [.. tt.Cores.Skip(1).Select((c, j) => c.reshape(c.shape[0], outF[j], inF[j], c.shape[2]))];
        return new ClassicalTtConv2d(g0, g, conv.bias?.detach(), geometry);
    }

    /// <summary><c>Proj(W)</c> for the classical format: reconstruct(TT-SVD(reorder(W))) with bond ranks at most <paramref name="ranks"/> (<c>d</c> values).</summary>
    public static Tensor ProjectWeight(Tensor weight, HodecLayout layout, IReadOnlyList<int> ranks)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            using TtTensor tt = TtSvd.Decompose(Reorder(weight.detach(), layout), new TtSvdOptions(MaxRanks: ranks));
            return Restore(tt.ToDense(), layout).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Dense <c>O x I x KH x KW</c> to the order-<c>d+1</c> tensor <c>(KH*KW, O_1 I_1, ..., O_d I_d)</c>.</summary>
    public static Tensor Reorder(Tensor weight, HodecLayout layout)
    {
        layout.CheckWeight(weight);
        int d = layout.Order;
        long[] split = [.. layout.OutputFactors.Select(v => (long)v), .. layout.InputFactors.Select(v => (long)v), (long)layout.KernelH * layout.KernelW];
        long[] perm = [2 * d, .. Enumerable.Range(0, d).SelectMany(j => new long[] { j, d + j })];
        long[] shape = [(long)layout.KernelH * layout.KernelW, .. Enumerable.Range(0, d).Select(j => (long)layout.OutputFactors[j] * layout.InputFactors[j])];
        return weight.reshape(split).permute(perm).reshape(shape).contiguous();
    }

    /// <summary>Inverse of <see cref="Reorder"/>.</summary>
    public static Tensor Restore(Tensor tt, HodecLayout layout)
    {
        int d = layout.Order;
        long[] split = [(long)layout.KernelH * layout.KernelW, .. Enumerable.Range(0, d).SelectMany(j => new long[] { layout.OutputFactors[j], layout.InputFactors[j] })];
        long[] perm = [.. Enumerable.Range(0, d).Select(j => 1L + (2 * j)), .. Enumerable.Range(0, d).Select(j => 2L + (2 * j)), 0];
        return tt.reshape(split).permute(perm).reshape(layout.OutChannels, layout.InChannels, layout.KernelH, layout.KernelW);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != InChannels)
        {
            throw new HodecException($"ClassicalTtConv2d expects input [N, {InChannels}, H, W]; got [{string.Join(", ", x.shape)}].");
        }

        bool inference = InferenceCache.IsInference(training);
        if (!inference)
        {
            this.inference.Invalidate();
        }

        return training
            ? ExecutedOps.Conv2d(x, ReconstructWeight(), bias, Geometry.Stride, Geometry.Padding, Geometry.Dilation, "classical-tt.rebuilt-conv")
            : ForwardSequential(x, inference ? this.inference.Get([spatial_core, .. cores], SequentialWeights) : SequentialWeights());
    }

    /// <inheritdoc/>
    public InferenceCache InferenceCache => inference;

    /// <summary>Drops the tensors cached for inference (after an in-place change of the cores).</summary>
    public void InvalidateInferenceCache() => inference.Invalidate();

    /// <summary>Setting the mode drops the inference cache, so <c>eval()</c> after a weight change starts fresh.</summary>
    public override void train(bool train = true)
    {
        inference.Invalidate();
        base.train(train);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inference.Dispose();
        }

        base.Dispose(disposing);
    }

    // The spatial kernel [r_1, 1, KH, KW], then one matrix [O_j r_{j+1}, r_j I_j] per core; differentiable.
    private Tensor[] SequentialWeights() =>
    [
        spatial_core.permute(2, 0, 1).unsqueeze(1).contiguous(),
        .. cores.Select(g => g.permute(1, 3, 0, 2).reshape(g.shape[1] * g.shape[3], g.shape[0] * g.shape[2]).contiguous()),
    ];

    private Tensor ForwardSequential(Tensor x, Tensor[] weights)
    {
        long n = x.shape[0], h = x.shape[2], w = x.shape[3], r1 = Ranks[0];
        // Spatial core on every input channel: [N*I, 1, H, W] -> [N*I, r_1, H', W'].
        Tensor t = ExecutedOps.Conv2d(
            x.reshape(n * InChannels, 1, h, w),
            weights[0],
            null,
            Geometry.Stride,
            Geometry.Padding,
            Geometry.Dilation,
            "classical-tt.spatial-conv");
        long ho = t.shape[2], wo = t.shape[3];
        // [N, I, r_1, P] -> [N, r_1 I_1, rest]: the one permute; the cores then chain without more.
        t = t.reshape(n, InChannels, r1, ho * wo).transpose(1, 2).reshape(n, r1 * InputFactors[0], -1);
        long[] r = [.. Ranks, 1];
        for (int j = 0; j < InputFactors.Count; j++)
        {
            t = ExecutedOps.MatMul(weights[j + 1], t, "classical-tt.core");
            long nextMode = j + 1 < InputFactors.Count ? InputFactors[j + 1] : 1;
            t = t.reshape(t.shape[0] * OutputFactors[j], r[j + 1] * nextMode, -1);
        }

        Tensor y = t.reshape(n, OutChannels, ho, wo);
        return bias is null ? y : y + bias.reshape(1, -1, 1, 1);
    }

    /// <inheritdoc/>
    public Tensor ReconstructWeight()
    {
        var layout = new HodecLayout(InputFactors, OutputFactors, KernelH, KernelW);
        Tensor[] chain = [spatial_core.reshape(1, -1, spatial_core.shape[2]), .. cores.Select(c => c.reshape(c.shape[0], -1, c.shape[3]))];
        return Restore(TtTensor.Contract(chain), layout);
    }

    /// <inheritdoc/>
    public LayerCost Cost(long inH, long inW) =>
        EstimateCost(new HodecLayout(InputFactors, OutputFactors, KernelH, KernelW), Ranks, Geometry, inH, inW, bias is not null) with { Params = ParameterCount };

    /// <summary>Cost of a classical TT-conv with bond ranks <c>r_1..r_d</c> without building it.</summary>
    public static LayerCost EstimateCost(HodecLayout layout, IReadOnlyList<long> ranks, ConvGeometry geometry, long inH, long inW, bool bias = false)
    {
        int d = layout.Order;
        if (ranks.Count != d)
        {
            throw new HodecException($"A classical TT-conv of order {d} has {d} bond ranks; got {ranks.Count}.");
        }

        long ho = geometry.OutputSize(inH, layout.KernelH, 0), wo = geometry.OutputSize(inW, layout.KernelW, 1);
        long pixels = ho * wo;
        long kk = (long)layout.KernelH * layout.KernelW;
        long[] r = [.. ranks, 1];
        var (chain, coreParams) = TtMatrixChainCost.Of(layout, r, pixels);
        List<StageCost> stages = [new("spatial-conv", layout.InChannels * r[0] * kk * pixels), .. chain];
        coreParams += kk * r[0];

        long biasParams = bias ? layout.OutChannels : 0;
        long denseWeight = (long)layout.OutChannels * layout.InChannels * kk;
        return new LayerCost("classical-tt", "sequential", coreParams + biasParams, stages.Sum(s => s.Macs), denseWeight + biasParams, denseWeight * pixels, 0, stages);
    }
}
