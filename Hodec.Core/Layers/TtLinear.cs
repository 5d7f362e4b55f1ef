using Hodec.Costs;
using Hodec.TensorTrain;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Layers;

/// <summary>
/// TT-FC (Novikov et al. 2015, method.md section 2): a weight <c>O x I</c> held as TT-matrix cores
/// <c>r_{j-1} x O_j x I_j x r_j</c> (<c>r_0 = r_d = 1</c>), applied by sequential contraction.
/// Accepts inputs <c>[..., I]</c>. In inference (eval mode, gradients off) the core matrices are built once and cached
/// (<see cref="InferenceCache"/>).
/// </summary>
public sealed class TtLinear : nn.Module<Tensor, Tensor>, ITtLayer, IInferenceCached
{
    private readonly ParameterList cores;
    private readonly Parameter? bias;
    private readonly InferenceCache inference = new();

    /// <summary>Builds the layer from cores (copied into parameters).</summary>
    public TtLinear(IReadOnlyList<Tensor> cores, Tensor? bias = null)
        : base(nameof(TtLinear))
    {
        if (cores.Count == 0 || cores.Any(c => c.dim() != 4))
        {
            throw new HodecException("TT-FC needs one or more 4-D cores (r_(j-1) x O_j x I_j x r_j).");
        }

        _ = new TtTensor([.. cores.Select(c => c.reshape(c.shape[0], -1, c.shape[3]))]);
        InputFactors = [.. cores.Select(c => (int)c.shape[2])];
        OutputFactors = [.. cores.Select(c => (int)c.shape[1])];
        if (bias is not null && (bias.dim() != 1 || bias.shape[0] != OutFeatures))
        {
            throw new HodecException($"Bias must have shape [{OutFeatures}] (one per output feature); got [{string.Join(", ", bias.shape)}].");
        }

        Ranks = [.. cores.Take(cores.Count - 1).Select(c => c.shape[3])];
        using (no_grad())
        {
            this.cores = new ParameterList([.. cores.Select(c => TtParameter.From(c))]);
            this.bias = bias is null ? null : TtParameter.From(bias);
        }

        RegisterComponents();
    }

    /// <summary>Input factors <c>I_1..I_d</c>.</summary>
    public IReadOnlyList<int> InputFactors { get; }

    /// <summary>Output factors <c>O_1..O_d</c>.</summary>
    public IReadOnlyList<int> OutputFactors { get; }

    /// <summary>Input features <c>I</c>.</summary>
    public int InFeatures => InputFactors.Aggregate(1, (a, b) => a * b);

    /// <summary>Output features <c>O</c>.</summary>
    public int OutFeatures => OutputFactors.Aggregate(1, (a, b) => a * b);

    /// <inheritdoc/>
    public string Format => "tt-fc";

    /// <summary>Cores <c>G_1..G_d</c>, each <c>r_{j-1} x O_j x I_j x r_j</c>.</summary>
    public IReadOnlyList<Parameter> Cores => [.. cores];

    /// <summary>Optional bias.</summary>
    public Parameter? Bias => bias;

    /// <summary>Bond ranks <c>r_1..r_{d-1}</c>.</summary>
    public IReadOnlyList<long> Ranks { get; }

    /// <inheritdoc/>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Decomposes a dense linear layer (TT-SVD of the weight reordered to <c>(O_1 I_1, ..., O_d I_d)</c>).</summary>
    public static TtLinear FromDense(Linear linear, HodecConvOptions options)
    {
        var (inF, outF) = options.Factorise((int)linear.in_features, (int)linear.out_features);
        using var scope = NewDisposeScope();
        using TtTensor tt = TtSvd.Decompose(Reorder(linear.weight!.detach(), inF, outF), options.SvdOptions());
        Tensor[] g = [.. tt.Cores.Select((c, j) => c.reshape(c.shape[0], outF[j], inF[j], c.shape[2]))];
        return new TtLinear(g, linear.bias?.detach());
    }

    /// <summary>Dense <c>O x I</c> to the order-<c>d</c> tensor <c>(O_1 I_1, ..., O_d I_d)</c>.</summary>
    public static Tensor Reorder(Tensor weight, IReadOnlyList<int> inputFactors, IReadOnlyList<int> outputFactors)
    {
        int d = inputFactors.Count;
        long[] split = [.. outputFactors.Select(v => (long)v), .. inputFactors.Select(v => (long)v)];
        if (weight.dim() != 2 || weight.shape[0] * weight.shape[1] != split.Aggregate(1L, (a, b) => a * b))
        {
            throw new HodecException($"Weight of shape [{string.Join(", ", weight.shape)}] does not match factors O=[{string.Join(", ", outputFactors)}], I=[{string.Join(", ", inputFactors)}].");
        }

        long[] perm = [.. Enumerable.Range(0, d).SelectMany(j => new long[] { j, d + j })];
        long[] shape = [.. Enumerable.Range(0, d).Select(j => (long)outputFactors[j] * inputFactors[j])];
        return weight.reshape(split).permute(perm).reshape(shape).contiguous();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() < 1 || x.shape[^1] != InFeatures)
        {
            throw new HodecException($"TtLinear expects input [..., {InFeatures}]; got [{string.Join(", ", x.shape)}].");
        }

        long[] lead = x.shape[..^1];
        long rows = lead.Aggregate(1L, (a, b) => a * b);
        bool inference = InferenceCache.IsInference(training);
        if (!inference)
        {
            this.inference.Invalidate();
        }

        Tensor[] matrices = inference ? this.inference.Get([.. cores], CoreMatrices) : CoreMatrices();
        long[] r = [.. Ranks, 1];
        Tensor t = x.reshape(rows, InputFactors[0], -1);
        for (int j = 0; j < InputFactors.Count; j++)
        {
            t = ExecutedOps.MatMul(matrices[j], t, "tt-fc.core");
            long nextMode = j + 1 < InputFactors.Count ? InputFactors[j + 1] : 1;
            t = t.reshape(t.shape[0] * OutputFactors[j], r[j] * nextMode, -1);
        }

        Tensor y = t.reshape([.. lead, OutFeatures]);
        return bias is null ? y : y + bias;
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
    public Tensor ReconstructWeight()
    {
        return TtChains.MatrixOperator([.. cores]).reshape(OutFeatures, InFeatures);
    }

    /// <summary>MACs per input row (the spatial arguments are ignored).</summary>
    public LayerCost Cost(long inH = 1, long inW = 1)
    {
        long[] r = [1, .. Ranks, 1];
        var stages = new List<StageCost>();
        for (int j = 0; j < cores.Count; j++)
        {
            long before = OutputFactors.Take(j).Aggregate(1L, (a, b) => a * b);
            long after = InputFactors.Skip(j + 1).Aggregate(1L, (a, b) => a * b);
            stages.Add(new($"core-{j + 1}", before * r[j] * InputFactors[j] * OutputFactors[j] * r[j + 1] * after));
        }

        long dense = (long)OutFeatures * InFeatures;
        return new LayerCost(Format, "sequential", ParameterCount, stages.Sum(s => s.Macs), dense + (bias is null ? 0 : OutFeatures), dense, 0, stages);
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

    // One matrix [O_j r_j, r_{j-1} I_j] per core; differentiable.
    private Tensor[] CoreMatrices() =>
        [.. cores.Select(g => g.permute(1, 3, 0, 2).reshape(g.shape[1] * g.shape[3], g.shape[0] * g.shape[2]).contiguous())];
}
