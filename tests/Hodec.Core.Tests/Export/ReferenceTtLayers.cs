using Hodec.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

/// <summary>
/// Stand-ins for the real TT layers: cores as parameters, forward through the dense weight of
/// <see cref="TtReference"/>. They reach ONNX through <see cref="Registry"/>, the way the real layers will.
/// </summary>
internal static class ReferenceTtLayers
{
    public static OnnxExporterRegistry Registry { get; } = OnnxExporterRegistry.Default
        .With<ReferenceHodecConv2d>((m, g, x, bn) => TtOnnxLowering.HodecConv(g, x, m.InputCores, m.SpatialCore, m.OutputCores, m.Bias, m.Geometry, bn))
        .With<ReferenceClassicalTtConv2d>((m, g, x, bn) => TtOnnxLowering.ClassicalTtConv(g, x, m.SpatialCore, m.Cores, m.Bias, m.Geometry, bn))
        .With<ReferenceTtLinear>((m, g, x) => TtOnnxLowering.TtLinear(g, x, m.Cores, m.Bias));
}

internal sealed class ReferenceHodecConv2d : Module<Tensor, Tensor>
{
    private readonly ParameterList inputCores;
    private readonly Parameter spatialCore;
    private readonly ParameterList outputCores;
    private readonly Parameter? bias;

    public ReferenceHodecConv2d(Tensor[] input, Tensor spatial, Tensor[] output, Tensor? bias, ConvGeometry geometry)
        : base(nameof(ReferenceHodecConv2d))
    {
        inputCores = new ParameterList([.. input.Select(t => new Parameter(t.detach().clone()))]);
        spatialCore = new Parameter(spatial.detach().clone());
        outputCores = new ParameterList([.. output.Select(t => new Parameter(t.detach().clone()))]);
        this.bias = bias is null ? null : new Parameter(bias.detach().clone());
        Geometry = geometry;
        RegisterComponents();
    }

    public IReadOnlyList<Tensor> InputCores => [.. inputCores];

    public Tensor SpatialCore => spatialCore;

    public IReadOnlyList<Tensor> OutputCores => [.. outputCores];

    public Tensor? Bias => bias;

    public ConvGeometry Geometry { get; }

    public override Tensor forward(Tensor x) =>
        functional.conv2d(x, TtReference.HodecWeight(InputCores, spatialCore, OutputCores), bias,
            strides: [Geometry.StrideH, Geometry.StrideW], padding: [Geometry.PadH, Geometry.PadW], dilation: [Geometry.DilationH, Geometry.DilationW]);
}

internal sealed class ReferenceClassicalTtConv2d : Module<Tensor, Tensor>
{
    private readonly Parameter spatialCore;
    private readonly ParameterList cores;
    private readonly Parameter? bias;

    public ReferenceClassicalTtConv2d(Tensor spatial, Tensor[] cores, Tensor? bias, ConvGeometry geometry)
        : base(nameof(ReferenceClassicalTtConv2d))
    {
        spatialCore = new Parameter(spatial.detach().clone());
        this.cores = new ParameterList([.. cores.Select(t => new Parameter(t.detach().clone()))]);
        this.bias = bias is null ? null : new Parameter(bias.detach().clone());
        Geometry = geometry;
        RegisterComponents();
    }

    public Tensor SpatialCore => spatialCore;

    public IReadOnlyList<Tensor> Cores => [.. cores];

    public Tensor? Bias => bias;

    public ConvGeometry Geometry { get; }

    public override Tensor forward(Tensor x) =>
        functional.conv2d(x, TtReference.ClassicalWeight(spatialCore, Cores), bias,
            strides: [Geometry.StrideH, Geometry.StrideW], padding: [Geometry.PadH, Geometry.PadW], dilation: [Geometry.DilationH, Geometry.DilationW]);
}

internal sealed class ReferenceTtLinear : Module<Tensor, Tensor>
{
    private readonly ParameterList cores;
    private readonly Parameter? bias;

    public ReferenceTtLinear(Tensor[] cores, Tensor? bias)
        : base(nameof(ReferenceTtLinear))
    {
        this.cores = new ParameterList([.. cores.Select(t => new Parameter(t.detach().clone()))]);
        this.bias = bias is null ? null : new Parameter(bias.detach().clone());
        RegisterComponents();
    }

    public IReadOnlyList<Tensor> Cores => [.. cores];

    public Tensor? Bias => bias;

    public override Tensor forward(Tensor x) => functional.linear(x, TtReference.LinearWeight(Cores), bias);
}
