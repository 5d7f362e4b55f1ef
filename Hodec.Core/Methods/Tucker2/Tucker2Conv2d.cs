using Hodec.Costs;
using Hodec.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Methods;

/// <summary>
/// Tucker-2 conv (Kim et al. 2016, method.md section 6): a <c>1 x 1</c> conv <c>I -&gt; r1</c> at input resolution, a
/// <c>K x K</c> core conv <c>r1 -&gt; r2</c> with the dense layer's stride, padding and dilation, and a <c>1 x 1</c> conv
/// <c>r2 -&gt; O</c> with the bias. It represents <c>W[o,i,:,:] = sum_{s,t} U_out[o,s] C[s,t,:,:] U_in[t,i]</c>.
/// Training and eval run the same three convs.
/// </summary>
public sealed class Tucker2Conv2d : nn.Module<Tensor, Tensor>, ITtLayer
{
    private readonly Parameter first;
    private readonly Parameter core;
    private readonly Parameter last;
    private readonly Parameter? bias;

    /// <summary>Builds the layer from <c>U_in</c> (<c>r1 x I</c>), the core (<c>r2 x r1 x KH x KW</c>) and <c>U_out</c> (<c>O x r2</c>), copied into parameters.</summary>
    public Tucker2Conv2d(Tensor inputFactor, Tensor core, Tensor outputFactor, Tensor? bias = null, ConvGeometry? geometry = null)
        : base(nameof(Tucker2Conv2d))
    {
        if (inputFactor.dim() != 2 || core.dim() != 4 || outputFactor.dim() != 2 || core.shape[1] != inputFactor.shape[0] || outputFactor.shape[1] != core.shape[0])
        {
            throw new HodecException(
                "A Tucker-2 conv needs U_in r1 x I, a core r2 x r1 x KH x KW and U_out O x r2; got " +
                $"[{string.Join(", ", inputFactor.shape)}], [{string.Join(", ", core.shape)}] and [{string.Join(", ", outputFactor.shape)}].");
        }

        InputRank = inputFactor.shape[0];
        OutputRank = core.shape[0];
        InChannels = inputFactor.shape[1];
        OutChannels = outputFactor.shape[0];
        KernelH = core.shape[2];
        KernelW = core.shape[3];
        if (bias is not null && (bias.dim() != 1 || bias.shape[0] != OutChannels))
        {
            throw new HodecException($"Bias must have shape [{OutChannels}] (one per output channel); got [{string.Join(", ", bias.shape)}].");
        }

        Geometry = geometry ?? ConvGeometry.Default;
        first = TtParameter.From(inputFactor);
        this.core = TtParameter.From(core);
        last = TtParameter.From(outputFactor);
        this.bias = bias is null ? null : TtParameter.From(bias);
        RegisterComponents();
    }

    /// <summary>The input-side rank <c>r1</c>.</summary>
    public long InputRank { get; }

    /// <summary>The output-side rank <c>r2</c>.</summary>
    public long OutputRank { get; }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Kernel height.</summary>
    public long KernelH { get; }

    /// <summary>Kernel width.</summary>
    public long KernelW { get; }

    /// <summary>Stride, padding and dilation of the core conv.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary><c>U_in</c>, <c>r1 x I</c>.</summary>
    public Parameter InputFactor => first;

    /// <summary>The core, <c>r2 x r1 x KH x KW</c>.</summary>
    public Parameter Core => core;

    /// <summary><c>U_out</c>, <c>O x r2</c>.</summary>
    public Parameter OutputFactor => last;

    /// <summary>Optional bias.</summary>
    public Parameter? Bias => bias;

    /// <inheritdoc/>
    public string Format => Export.LayerFormats.Tucker2;

    /// <inheritdoc/>
    public IReadOnlyList<long> Ranks => [InputRank, OutputRank];

    /// <inheritdoc/>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>
    /// Parameters and MACs per image for an input of <c>inH x inW</c> pixels:
    /// <c>H_in W_in I r1 + H W' r1 r2 K^2 + H W' r2 O</c>.
    /// </summary>
    public static LayerCost EstimateCost(long inChannels, long outChannels, long kernelH, long kernelW, long r1, long r2, ConvGeometry geometry, long inH, long inW, bool bias)
    {
        long pixels = geometry.OutputSize(inH, kernelH, 0) * geometry.OutputSize(inW, kernelW, 1);
        long inWeights = inChannels * r1, coreWeights = r2 * r1 * kernelH * kernelW, outWeights = outChannels * r2;
        long dense = outChannels * inChannels * kernelH * kernelW;
        long biasParams = bias ? outChannels : 0;
        StageCost[] stages = [new("in-conv", inH * inW * inWeights), new("core-conv", pixels * coreWeights), new("out-conv", pixels * outWeights)];
        return new LayerCost("tucker2", "three-conv", inWeights + coreWeights + outWeights + biasParams, stages.Sum(s => s.Macs), dense + biasParams, dense * pixels, 0, stages);
    }

    /// <inheritdoc/>
    public LayerCost Cost(long inH, long inW) => EstimateCost(InChannels, OutChannels, KernelH, KernelW, InputRank, OutputRank, Geometry, inH, inW, bias is not null);

    /// <inheritdoc/>
    public Tensor ReconstructWeight() => einsum("os,stab,ti->oiab", last, core, first);

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != InChannels)
        {
            throw new HodecException($"Tucker2Conv2d expects input [N, {InChannels}, H, W]; got [{string.Join(", ", x.shape)}].");
        }

        using var scope = NewDisposeScope();
        Tensor y = ExecutedOps.Conv2d(x, first.reshape(InputRank, InChannels, 1, 1), null, [1, 1], [0, 0], [1, 1], "tucker2.in-conv");
        Tensor z = ExecutedOps.Conv2d(y, core, null, Geometry.Stride, Geometry.Padding, Geometry.Dilation, "tucker2.core-conv");
        return ExecutedOps.Conv2d(z, last.reshape(OutChannels, OutputRank, 1, 1), bias, [1, 1], [0, 0], [1, 1], "tucker2.out-conv").MoveToOuterDisposeScope();
    }
}
