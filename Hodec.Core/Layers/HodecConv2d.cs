using Hodec.Costs;
using Hodec.TensorTrain;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Layers;

/// <summary>
/// HODEC TT-conv (Yin et al., CVPR 2022; method.md section 2): input cores <c>A_j</c> (<c>r_{j-1} x I_j x r_j</c>),
/// one spatial core <c>C</c> (<c>r_d x KH x KW x r_{d+1}</c>) and output cores <c>B_j</c>
/// (<c>r_{d+j} x O_j x r_{d+j+1}</c>). Forward: contract-in, core conv (stride, padding, dilation), contract-out.
/// Each chain runs sequentially or merged into one 1x1 conv, executed as a matmul (<see cref="TtExecutionPath"/>); <see cref="Cost"/>
/// counts the path that runs. In inference (eval mode, gradients off) the weight-only work (merged chain matrices,
/// core matrices, the permuted spatial core) is done once and cached (<see cref="InferenceCache"/>); the same ops then
/// run on the activations, in contiguous layouts, with the bias (and a folded batch norm) fused into the last matmul.
/// </summary>
public sealed class HodecConv2d : nn.Module<Tensor, Tensor>, ITtLayer, IInferenceCached
{
    private readonly ParameterList input_cores;
    private readonly Parameter core;
    private readonly ParameterList output_cores;
    private readonly Parameter? bias;
    private readonly InferenceCache inference = new();
    private OutputAffine? outputAffine;

    /// <summary>Builds the layer from cores (copied into parameters). Ranks must chain; boundary ranks are 1.</summary>
    public HodecConv2d(
        IReadOnlyList<Tensor> inputCores,
        Tensor spatialCore,
        IReadOnlyList<Tensor> outputCores,
        Tensor? bias = null,
        ConvGeometry? geometry = null,
        TtExecutionPath path = TtExecutionPath.Auto)
        : base(nameof(HodecConv2d))
    {
        if (inputCores.Count == 0 || inputCores.Count != outputCores.Count)
        {
            throw new HodecException($"HODEC needs the same positive number of input and output cores (got {inputCores.Count} and {outputCores.Count}).");
        }

        if (spatialCore.dim() != 4)
        {
            throw new HodecException($"The spatial core must be 4-D (r_d x KH x KW x r_(d+1)); got shape [{string.Join(", ", spatialCore.shape)}].");
        }

        // Validate the rank chain by viewing all cores as one TT of order 2d+1.
        Tensor[] chain = [.. inputCores, spatialCore.reshape(spatialCore.shape[0], -1, spatialCore.shape[3]), .. outputCores];
        _ = new TtTensor(chain);

        Layout = new HodecLayout(
            [.. inputCores.Select(c => (int)c.shape[1])],
            [.. outputCores.Select(c => (int)c.shape[1])],
            (int)spatialCore.shape[1],
            (int)spatialCore.shape[2]);
        if (bias is not null && (bias.dim() != 1 || bias.shape[0] != Layout.OutChannels))
        {
            throw new HodecException($"Bias must have shape [{Layout.OutChannels}] (one per output channel); got [{string.Join(", ", bias.shape)}].");
        }

        Geometry = geometry ?? ConvGeometry.Default;
        RequestedPath = path;
        Ranks = [.. chain.Take(chain.Length - 1).Select(c => c.shape[2])];
        using (no_grad())
        {
            input_cores = new ParameterList([.. inputCores.Select(AsParameter)]);
            core = AsParameter(spatialCore);
            output_cores = new ParameterList([.. outputCores.Select(AsParameter)]);
            this.bias = bias is null ? null : AsParameter(bias);
        }

        (MergeIn, MergeOut) = ChoosePlan(HodecCostModel.For(Layout, Ranks), path);
        RegisterComponents();
    }

    /// <summary>Factorisation and kernel.</summary>
    public HodecLayout Layout { get; }

    /// <summary>Stride, padding, dilation of the core conv.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>The path asked for at construction.</summary>
    public TtExecutionPath RequestedPath { get; }

    /// <summary>Whether the input chain runs as one merged 1x1 conv.</summary>
    public bool MergeIn { get; }

    /// <summary>Whether the output chain runs as one merged 1x1 conv.</summary>
    public bool MergeOut { get; }

    /// <inheritdoc/>
    public string Format => "hodec";

    /// <summary>Bond ranks <c>r_1..r_{2d}</c>.</summary>
    public IReadOnlyList<long> Ranks { get; }

    /// <inheritdoc/>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Executed path in words, e.g. "in:merged,out:sequential".</summary>
    public string PathName => $"in:{(MergeIn ? "merged" : "sequential")},out:{(MergeOut ? "merged" : "sequential")}";

    /// <summary>Input cores <c>A_1..A_d</c>.</summary>
    public IReadOnlyList<Parameter> InputCores => [.. input_cores];

    /// <summary>Spatial core <c>r_d x KH x KW x r_{d+1}</c>.</summary>
    public Parameter SpatialCore => core;

    /// <summary>Output cores <c>B_1..B_d</c>.</summary>
    public IReadOnlyList<Parameter> OutputCores => [.. output_cores];

    /// <summary>Optional bias.</summary>
    public Parameter? Bias => bias;

    /// <inheritdoc/>
    public InferenceCache InferenceCache => inference;

    /// <summary>
    /// Whether an eval-mode batch norm has been folded into this layer for TorchSharp inference
    /// (<see cref="FoldOutputAffine"/>): its output is then <c>layer(x) * scale + shift</c> per channel in every mode.
    /// </summary>
    public bool HasFoldedAffine => outputAffine is not null;

    /// <summary>Decomposes a dense conv's weight (TT-SVD of the reordered weight) into a HODEC layer.</summary>
    public static HodecConv2d FromDense(Conv2d conv, HodecConvOptions options)
    {
        var geometry = ConvGeometry.FromConv(conv);
        var (inputFactors, outputFactors) = options.Factorise((int)conv.in_channels, (int)conv.out_channels);
        var layout = new HodecLayout(inputFactors, outputFactors, (int)conv.kernel_size[0], (int)conv.kernel_size[1]);
        using var scope = NewDisposeScope();
        using TtTensor tt = Decompose(conv.weight!.detach(), layout, options.SvdOptions());
        return FromTt(tt, layout, conv.bias?.detach(), geometry, options.Path);
    }

    /// <summary>TT-SVD of <c>layout.Reorder(weight)</c>, an order-<c>2d+1</c> TT with <c>2d</c> bonds.</summary>
    public static TtTensor Decompose(Tensor weight, HodecLayout layout, TtSvdOptions options) =>
        TtSvd.Decompose(layout.Reorder(weight), options);

    /// <summary>
    /// <c>Proj(W)</c>: the dense weight closest (in the TT-SVD sense) to <paramref name="weight"/> with HODEC bond ranks
    /// at most <paramref name="ranks"/> (<c>2d</c> values). Same dtype and shape as the input; not differentiable.
    /// </summary>
    public static Tensor ProjectWeight(Tensor weight, HodecLayout layout, IReadOnlyList<int> ranks) =>
        ProjectWeight(weight, layout, new TtSvdOptions(MaxRanks: ranks));

    /// <summary><c>Proj(W)</c> under any truncation options.</summary>
    public static Tensor ProjectWeight(Tensor weight, HodecLayout layout, TtSvdOptions options)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            using TtTensor tt = Decompose(weight.detach(), layout, options);
            return layout.Restore(tt.ToDense()).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Builds a layer from an order-<c>2d+1</c> TT of a reordered weight.</summary>
    public static HodecConv2d FromTt(TtTensor tt, HodecLayout layout, Tensor? bias = null, ConvGeometry? geometry = null, TtExecutionPath path = TtExecutionPath.Auto)
    {
        int d = layout.Order;
        if (tt.Order != (2 * d) + 1 || !tt.Shape.SequenceEqual(layout.TtShape))
        {
            throw new HodecException($"TT of shape [{string.Join(", ", tt.Shape)}] does not match the HODEC layout [{string.Join(", ", layout.TtShape)}].");
        }

        Tensor c = tt.Cores[d];
        Tensor spatial = c.reshape(c.shape[0], layout.KernelH, layout.KernelW, c.shape[2]);
        return new HodecConv2d([.. tt.Cores.Take(d)], spatial, [.. tt.Cores.Skip(d + 1)], bias, geometry, path);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != Layout.InChannels)
        {
            throw new HodecException($"HodecConv2d expects input [N, {Layout.InChannels}, H, W]; got [{string.Join(", ", x.shape)}].");
        }

        if (InferenceCache.IsInference(training))
        {
            return InferenceForward(x);
        }

        inference.Invalidate();
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        long rIn = core.shape[0], rOut = core.shape[3];
        // Merged chains run as one matmul over [N, C, H*W]: on CPU that is several times faster than conv2d with
        // a 1x1 kernel (no layout reorders), and it counts the same MACs.
        Tensor t = MergeIn
            ? ExecutedOps.MatMul(TtChains.Matrix([.. input_cores]).t(), x.reshape(n, Layout.InChannels, h * w), "hodec.contract-in.merged")
            : ContractIn(x.reshape(n, Layout.InputFactors[0], -1));
        t = ExecutedOps.Conv2d(t.reshape(n, rIn, h, w), core.permute(3, 0, 1, 2), null, Geometry.Stride, Geometry.Padding, Geometry.Dilation, "hodec.core-conv");
        long ho = t.shape[2], wo = t.shape[3];
        Tensor y = MergeOut
            ? ExecutedOps.MatMul(TtChains.Matrix([.. output_cores]).reshape(rOut, Layout.OutChannels).t(), t.reshape(n, rOut, ho * wo), "hodec.contract-out.merged")
            : ContractOut(t.reshape(n, rOut, ho * wo));
        y = y.reshape(n, Layout.OutChannels, ho, wo);
        y = bias is null ? y : y + bias.reshape(1, -1, 1, 1);
        return outputAffine is null ? y : (y * outputAffine.Scale.reshape(1, -1, 1, 1)) + outputAffine.Shift.reshape(1, -1, 1, 1);
    }

    /// <summary>Drops the tensors cached for inference (after an in-place change of the cores).</summary>
    public void InvalidateInferenceCache() => inference.Invalidate();

    /// <summary>Setting the mode drops the inference cache, so <c>eval()</c> after a weight change starts fresh.</summary>
    public override void train(bool train = true)
    {
        inference.Invalidate();
        base.train(train);
    }

    /// <summary>
    /// Folds a per-output-channel affine map <c>y * scale + shift</c> (an eval-mode batch norm that follows this layer)
    /// into the layer, for TorchSharp inference. A per-channel scale is not a TT core of the same ranks, so it is kept
    /// beside the cores and absorbed into the cached merged output matrix and bias (or applied by one fused
    /// multiply-add after a sequential contract-out); the cores are unchanged. A layer with a folded map cannot be
    /// exported to ONNX (export the unfolded model: the exporter folds batch norms itself).
    /// </summary>
    public void FoldOutputAffine(Tensor scale, Tensor shift)
    {
        ArgumentNullException.ThrowIfNull(scale);
        ArgumentNullException.ThrowIfNull(shift);
        long o = Layout.OutChannels;
        if (scale.numel() != o || shift.numel() != o)
        {
            throw new HodecException($"A per-channel map over {scale.numel()} channels cannot fold into a HODEC layer with {o} outputs.");
        }

        if (outputAffine is not null)
        {
            throw new HodecException("This HODEC layer already has a batch norm folded in; unfold it first.");
        }

        using (NewDisposeScope())
        using (no_grad())
        {
            outputAffine = new OutputAffine(Owned(scale.detach().reshape(o).to_type(core.dtype)), Owned(shift.detach().reshape(o).to_type(core.dtype)));
        }

        inference.Invalidate();
    }

    /// <summary>Removes the map <see cref="FoldOutputAffine"/> folded in (no-op without one).</summary>
    public void UnfoldOutputAffine()
    {
        outputAffine?.Dispose();
        outputAffine = null;
        inference.Invalidate();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inference.Dispose();
            outputAffine?.Dispose();
            outputAffine = null;
        }

        base.Dispose(disposing);
    }

    // The inference forward: the same matmuls and conv as the training path (same MACs, same ExecutedOps sites), on
    // weights built once. At batch 1 the activations stay 2-D ([C, H*W]) so every matmul is a plain mm on contiguous
    // operands; the bias and a folded affine ride on the last matmul (addmm) or one fused multiply-add.
    private Tensor InferenceForward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor[] cached = inference.Get(Sources(), BuildInferenceWeights);
        long[] shape = x.shape;
        long n = shape[0], h = shape[2], w = shape[3];
        long ho = Geometry.OutputSize(h, Layout.KernelH, 0), wo = Geometry.OutputSize(w, Layout.KernelW, 1);
        long rIn = Ranks[Layout.Order - 1], rOut = Ranks[Layout.Order];
        long o = Layout.OutChannels, p = ho * wo;
        int d = Layout.Order, next = 1;
        Tensor coreWeight = cached[0];
        Tensor t;
        if (MergeIn)
        {
            Tensor m = cached[next++];
            t = n == 1
                ? ExecutedOps.MatMul(m, x.reshape(Layout.InChannels, h * w), "hodec.contract-in.merged")
                : ExecutedOps.MatMul(m, x.reshape(n, Layout.InChannels, h * w), "hodec.contract-in.merged");
        }
        else
        {
            t = n == 1 ? x.reshape(Layout.InputFactors[0], -1) : x.reshape(n, Layout.InputFactors[0], -1);
            for (int j = 0; j < d; j++)
            {
                Tensor m = cached[next++];
                t = ExecutedOps.MatMul(m, t, "hodec.contract-in");
                long rows = Ranks[j] * (j + 1 < d ? Layout.InputFactors[j + 1] : 1);
                t = n == 1 ? t.reshape(rows, -1) : t.reshape(n, rows, -1);
            }
        }

        t = ExecutedOps.Conv2d(t.reshape(n, rIn, h, w), coreWeight, null, Geometry.Stride, Geometry.Padding, Geometry.Dilation, "hodec.core-conv");
        Tensor? fusedBias = cached.Length > next + (MergeOut ? 1 : d) ? cached[^1] : null;
        Tensor? fusedScale = !MergeOut && outputAffine is not null ? cached[next + d] : null;
        Tensor y;
        if (MergeOut)
        {
            Tensor m = cached[next];
            Tensor z = n == 1 ? t.reshape(rOut, p) : t.reshape(n, rOut, p);
            y = fusedBias is null
                ? ExecutedOps.MatMul(m, z, "hodec.contract-out.merged")
                : ExecutedOps.AddMatMul(fusedBias, m, z, "hodec.contract-out.merged");
        }
        else
        {
            y = t.reshape(n, rOut, p);
            for (int j = 0; j < d; j++)
            {
                y = ExecutedOps.MatMul(cached[next + j], y, "hodec.contract-out").reshape(-1, OutputRank(j), p);
            }

            y = y.reshape(n, o, p);
            if (fusedScale is not null)
            {
                y = addcmul(fusedBias!, y, fusedScale, 1);
            }
            else if (fusedBias is not null)
            {
                y = y.add_(fusedBias);
            }
        }

        return y.reshape(n, o, ho, wo).MoveToOuterDisposeScope();
    }

    private long OutputRank(int j) => j + 1 < Layout.Order ? Ranks[Layout.Order + j + 1] : 1;

    private Tensor[] Sources()
    {
        var sources = new List<Tensor>(2 * (Layout.Order + 1)) { core };
        sources.AddRange(input_cores);
        sources.AddRange(output_cores);
        if (bias is not null)
        {
            sources.Add(bias);
        }

        return [.. sources];
    }

    // [0] the core conv weight [rOut, rIn, KH, KW]; the contract-in matrices (one merged [rIn, I], or one
    // [r_j, r_{j-1} I_j] per core); the contract-out matrices (one merged [O, rOut], or one [O_j r_{j+1}, r_j] per
    // core); with a folded affine and sequential out, the scale [O, 1]; last, the bias [O, 1] when there is one (the
    // layer's bias, with a folded affine applied). All contiguous, in the cores' dtype.
    private Tensor[] BuildInferenceWeights()
    {
        var built = new List<Tensor> { core.permute(3, 0, 1, 2).contiguous() };
        if (MergeIn)
        {
            built.Add(TtChains.Matrix([.. input_cores]).t().contiguous());
        }
        else
        {
            built.AddRange(input_cores.Select(a => a.reshape(a.shape[0] * a.shape[1], a.shape[2]).t().contiguous()));
        }

        long o = Layout.OutChannels, rOut = core.shape[3];
        Tensor? scale = outputAffine?.Scale.reshape(o, 1);
        if (MergeOut)
        {
            Tensor m = TtChains.Matrix([.. output_cores]).reshape(rOut, o).t();
            built.Add((scale is null ? m : m * scale).contiguous());
        }
        else
        {
            built.AddRange(output_cores.Select(b => b.reshape(b.shape[0], b.shape[1] * b.shape[2]).t().contiguous()));
            if (scale is not null)
            {
                built.Add(scale.contiguous());
            }
        }

        Tensor? b0 = bias?.reshape(o, 1);
        Tensor? fused = outputAffine is null
            ? b0
            : (b0 is null ? outputAffine.Shift.reshape(o, 1) : (b0 * scale!) + outputAffine.Shift.reshape(o, 1));
        if (fused is not null)
        {
            built.Add(fused.contiguous().clone());
        }

        return [.. built];
    }

    private static Tensor Owned(Tensor t)
    {
        Tensor owned = t.contiguous().clone();
        owned.DetachFromDisposeScope();
        return owned;
    }

    // A folded batch norm's map, owned by the layer (kept out of its parameters and state).
    private sealed class OutputAffine(Tensor scale, Tensor shift) : IDisposable
    {
        public Tensor Scale { get; } = scale;

        public Tensor Shift { get; } = shift;

        public void Dispose()
        {
            Scale.Dispose();
            Shift.Dispose();
        }
    }

    /// <inheritdoc/>
    public Tensor ReconstructWeight()
    {
        Tensor spatial = core.reshape(core.shape[0], -1, core.shape[3]);
        return Layout.Restore(TtTensor.Contract([.. input_cores, spatial, .. output_cores]));
    }

    /// <inheritdoc/>
    public LayerCost Cost(long inH, long inW) =>
        EstimateCost(Layout, Ranks, Geometry, inH, inW, MergeIn, MergeOut, bias is not null) with { Params = ParameterCount };

    /// <summary>
    /// Cost of a HODEC layer with the given layout and bond ranks <c>r_1..r_{2d}</c> without building it (for rank
    /// planning); the path is resolved as the layer would resolve it.
    /// </summary>
    public static LayerCost EstimateCost(HodecLayout layout, IReadOnlyList<long> ranks, ConvGeometry geometry, long inH, long inW, TtExecutionPath path = TtExecutionPath.Auto, bool bias = false)
    {
        var (mergeIn, mergeOut) = ChoosePlan(HodecCostModel.For(layout, ranks), path);
        return EstimateCost(layout, ranks, geometry, inH, inW, mergeIn, mergeOut, bias);
    }

    private static LayerCost EstimateCost(HodecLayout layout, IReadOnlyList<long> ranks, ConvGeometry geometry, long inH, long inW, bool mergeIn, bool mergeOut, bool bias)
    {
        var plan = HodecCostModel.For(layout, ranks);
        long ho = geometry.OutputSize(inH, layout.KernelH, 0), wo = geometry.OutputSize(inW, layout.KernelW, 1);
        long inPixels = inH * inW, outPixels = ho * wo;
        long contractIn = (mergeIn ? plan.MergedIn : plan.SequentialIn) * inPixels;
        long coreConv = plan.Core * outPixels;
        long contractOut = (mergeOut ? plan.MergedOut : plan.SequentialOut) * outPixels;
        long rebuild = (mergeIn ? plan.RebuildIn : 0) + (mergeOut ? plan.RebuildOut : 0);
        long biasParams = bias ? layout.OutChannels : 0;
        long[] r = [1, .. ranks, 1];
        long[] modes = layout.TtShape;
        long coreParams = Enumerable.Range(0, modes.Length).Sum(k => r[k] * modes[k] * r[k + 1]);
        long denseWeight = (long)layout.OutChannels * layout.InChannels * layout.KernelH * layout.KernelW;
        return new LayerCost(
            "hodec",
            $"in:{(mergeIn ? "merged" : "sequential")},out:{(mergeOut ? "merged" : "sequential")}",
            coreParams + biasParams,
            contractIn + coreConv + contractOut,
            denseWeight + biasParams,
            denseWeight * outPixels,
            rebuild,
            [new("contract-in", contractIn), new("core-conv", coreConv), new("contract-out", contractOut)]);
    }

    // Sequential contract-in on [N, r_{j-1} I_j, rest]: one matmul per core, no permutes.
    private Tensor ContractIn(Tensor t)
    {
        long n = t.shape[0];
        for (int j = 0; j < input_cores.Count; j++)
        {
            Tensor a = input_cores[j];
            Tensor m = a.reshape(a.shape[0] * a.shape[1], a.shape[2]).t();
            t = ExecutedOps.MatMul(m, t, "hodec.contract-in");
            long nextMode = j + 1 < input_cores.Count ? Layout.InputFactors[j + 1] : 1;
            t = t.reshape(n, a.shape[2] * nextMode, -1);
        }

        return t;
    }

    // Sequential contract-out: [M, r, P] -> [M, O_j r', P] -> [M O_j, r', P]; output modes stay in front.
    private Tensor ContractOut(Tensor t)
    {
        long p = t.shape[2];
        foreach (Tensor b in output_cores)
        {
            Tensor m = b.reshape(b.shape[0], b.shape[1] * b.shape[2]).t();
            t = ExecutedOps.MatMul(m, t, "hodec.contract-out").reshape(-1, b.shape[2], p);
        }

        return t;
    }

    /// <summary>Which chains run merged for a layout, ranks and requested path (the choice the layer and its ONNX export share).</summary>
    internal static (bool MergeIn, bool MergeOut) Plan(HodecLayout layout, IReadOnlyList<long> ranks, TtExecutionPath path) =>
        ChoosePlan(HodecCostModel.For(layout, ranks), path);

    private static (bool MergeIn, bool MergeOut) ChoosePlan(HodecCostModel plan, TtExecutionPath path) =>
        path switch
        {
            TtExecutionPath.Sequential => (false, false),
            TtExecutionPath.Merged => (true, true),
            _ => (plan.MergedIn <= plan.SequentialIn, plan.MergedOut <= plan.SequentialOut),
        };

    private static Parameter AsParameter(Tensor t) => TtParameter.From(t);
}
