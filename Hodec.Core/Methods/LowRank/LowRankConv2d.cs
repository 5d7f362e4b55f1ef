using Hodec.Costs;
using Hodec.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Methods;

/// <summary>
/// Low-rank (channel) decomposition of a conv (the TRP / CC family, method.md section 6): a <c>K x K</c> conv
/// <c>I -&gt; r</c> with the dense layer's stride, padding and dilation, then a <c>1 x 1</c> conv <c>r -&gt; O</c> with the
/// bias. The weight it represents is <c>W = U V</c>, <c>U: O x r</c>, <c>V: r x (I K K)</c>. Training and eval run the
/// same two convs.
/// </summary>
public sealed class LowRankConv2d : nn.Module<Tensor, Tensor>, ITtLayer
{
    private readonly Parameter spatial;
    private readonly Parameter pointwise;
    private readonly Parameter? bias;

    /// <summary>Builds the layer from <paramref name="spatialWeight"/> (<c>r x I x KH x KW</c>) and <paramref name="pointwiseWeight"/> (<c>O x r</c>), copied into parameters.</summary>
    public LowRankConv2d(Tensor spatialWeight, Tensor pointwiseWeight, Tensor? bias = null, ConvGeometry? geometry = null)
        : base(nameof(LowRankConv2d))
    {
        if (spatialWeight.dim() != 4 || pointwiseWeight.dim() != 2 || pointwiseWeight.shape[1] != spatialWeight.shape[0])
        {
            throw new HodecException(
                $"A low-rank conv needs a spatial weight r x I x KH x KW and a pointwise weight O x r; got [{string.Join(", ", spatialWeight.shape)}] and [{string.Join(", ", pointwiseWeight.shape)}].");
        }

        Rank = spatialWeight.shape[0];
        InChannels = spatialWeight.shape[1];
        KernelH = spatialWeight.shape[2];
        KernelW = spatialWeight.shape[3];
        OutChannels = pointwiseWeight.shape[0];
        if (bias is not null && (bias.dim() != 1 || bias.shape[0] != OutChannels))
        {
            throw new HodecException($"Bias must have shape [{OutChannels}] (one per output channel); got [{string.Join(", ", bias.shape)}].");
        }

        Geometry = geometry ?? ConvGeometry.Default;
        spatial = TtParameter.From(spatialWeight);
        pointwise = TtParameter.From(pointwiseWeight);
        this.bias = bias is null ? null : TtParameter.From(bias);
        RegisterComponents();
    }

    /// <summary>The rank <c>r</c>.</summary>
    public long Rank { get; }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Kernel height.</summary>
    public long KernelH { get; }

    /// <summary>Kernel width.</summary>
    public long KernelW { get; }

    /// <summary>Stride, padding and dilation of the spatial conv.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>The <c>K x K</c> conv's weight, <c>r x I x KH x KW</c>.</summary>
    public Parameter SpatialWeight => spatial;

    /// <summary>The <c>1 x 1</c> conv's weight, <c>O x r</c>.</summary>
    public Parameter PointwiseWeight => pointwise;

    /// <summary>Optional bias.</summary>
    public Parameter? Bias => bias;

    /// <inheritdoc/>
    public string Format => Export.LayerFormats.LowRank;

    /// <inheritdoc/>
    public IReadOnlyList<long> Ranks => [Rank];

    /// <inheritdoc/>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Parameters and MACs per image for an input of <c>inH x inW</c> pixels: <c>H W' (r I K^2 + O r)</c>.</summary>
    public static LayerCost EstimateCost(long inChannels, long outChannels, long kernelH, long kernelW, long rank, ConvGeometry geometry, long inH, long inW, bool bias)
    {
        long pixels = geometry.OutputSize(inH, kernelH, 0) * geometry.OutputSize(inW, kernelW, 1);
        long spatialWeights = rank * inChannels * kernelH * kernelW, pointwiseWeights = outChannels * rank;
        long dense = outChannels * inChannels * kernelH * kernelW;
        long biasParams = bias ? outChannels : 0;
        StageCost[] stages = [new("spatial-conv", pixels * spatialWeights), new("pointwise-conv", pixels * pointwiseWeights)];
        return new LayerCost("low-rank", "two-conv", spatialWeights + pointwiseWeights + biasParams, stages.Sum(s => s.Macs), dense + biasParams, dense * pixels, 0, stages);
    }

    /// <inheritdoc/>
    public LayerCost Cost(long inH, long inW) => EstimateCost(InChannels, OutChannels, KernelH, KernelW, Rank, Geometry, inH, inW, bias is not null);

    /// <inheritdoc/>
    public Tensor ReconstructWeight() => pointwise.matmul(spatial.reshape(Rank, -1)).reshape(OutChannels, InChannels, KernelH, KernelW);

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != InChannels)
        {
            throw new HodecException($"LowRankConv2d expects input [N, {InChannels}, H, W]; got [{string.Join(", ", x.shape)}].");
        }

        using var scope = NewDisposeScope();
        Tensor y = ExecutedOps.Conv2d(x, spatial, null, Geometry.Stride, Geometry.Padding, Geometry.Dilation, "low-rank.spatial-conv");
        return ExecutedOps.Conv2d(y, pointwise.reshape(OutChannels, Rank, 1, 1), bias, [1, 1], [0, 0], [1, 1], "low-rank.pointwise-conv").MoveToOuterDisposeScope();
    }
}
