using Hodec.Layers;
using static TorchSharp.torch;

namespace Hodec.Export;

/// <summary>
/// Standard ONNX operators (opset 17) as one-line calls on an <see cref="OnnxGraphBuilder"/>.
/// Each returns the name of the value it produced.
/// </summary>
public static class OnnxOps
{
    /// <summary>Conv with weight <c>[O, I/groups, kH, kW]</c> and optional bias <c>[O]</c>.</summary>
    public static string Conv(this OnnxGraphBuilder g, string input, Tensor weight, Tensor? bias, ConvGeometry geometry, long groups = 1)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.dim() != 4)
        {
            throw new HodecException($"Conv weight must be 4-D [out, in/groups, kH, kW]; got shape [{string.Join(", ", weight.shape)}].");
        }

        var inputs = new List<string> { input, g.AddInitializer("conv.weight", weight) };
        if (bias is not null)
        {
            inputs.Add(g.AddInitializer("conv.bias", bias));
        }

        return g.AddNode("Conv", inputs,
            OnnxAttr.Ints("kernel_shape", weight.shape[2], weight.shape[3]),
            OnnxAttr.Ints("strides", geometry.Stride),
            OnnxAttr.Ints("pads", geometry.Padding[0], geometry.Padding[1], geometry.Padding[0], geometry.Padding[1]),
            OnnxAttr.Ints("dilations", geometry.Dilation),
            OnnxAttr.Int("group", groups));
    }

    /// <summary>A 1x1 convolution with weight <c>[O, I]</c> (a per-pixel matrix product).</summary>
    public static string PointwiseConv(this OnnxGraphBuilder g, string input, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        using var scope = NewDisposeScope();
        return g.Conv(input, weight.reshape(weight.shape[0], weight.shape[1], 1, 1), bias, ConvGeometry.Default);
    }

    public static string Relu(this OnnxGraphBuilder g, string input) => g.AddNode("Relu", [input]);

    public static string Add(this OnnxGraphBuilder g, string a, string b) => g.AddNode("Add", [a, b]);

    /// <summary>Reshape to <paramref name="shape"/> (ONNX semantics: 0 copies the input's dim, -1 infers).</summary>
    public static string Reshape(this OnnxGraphBuilder g, string input, params long[] shape) =>
        g.AddNode("Reshape", [input, g.AddInt64("shape", shape)]);

    /// <summary>Reshape to a shape held in another value (e.g. built with <see cref="Concat"/>).</summary>
    public static string ReshapeTo(this OnnxGraphBuilder g, string input, string shape) =>
        g.AddNode("Reshape", [input, shape]);

    /// <summary>MatMul with a constant left operand (numpy broadcasting over the batch dims of the right).</summary>
    public static string MatMulConstLeft(this OnnxGraphBuilder g, Tensor left, string right) =>
        g.AddNode("MatMul", [g.AddInitializer("matmul.weight", left), right]);

    public static string Transpose(this OnnxGraphBuilder g, string input, params long[] perm) =>
        g.AddNode("Transpose", [input], OnnxAttr.Ints("perm", perm));

    /// <summary>Gemm computing <c>x W^T + b</c> for a weight <c>[O, I]</c>, as a Linear layer does.</summary>
    public static string Linear(this OnnxGraphBuilder g, string input, Tensor weight, Tensor? bias)
    {
        var inputs = new List<string> { input, g.AddInitializer("gemm.weight", weight) };
        if (bias is not null)
        {
            inputs.Add(g.AddInitializer("gemm.bias", bias));
        }

        return g.AddNode("Gemm", inputs, OnnxAttr.Int("transB", 1));
    }

    /// <summary>The runtime shape of a value, as a 1-D int64 tensor.</summary>
    public static string Shape(this OnnxGraphBuilder g, string input) => g.AddNode("Shape", [input]);

    /// <summary>Dims <c>[start, end)</c> of a runtime shape.</summary>
    public static string ShapeSlice(this OnnxGraphBuilder g, string input, long start, long end) =>
        g.AddNode("Shape", [input], OnnxAttr.Int("start", start), OnnxAttr.Int("end", end));

    /// <summary>Concatenation along axis 0 (used to assemble shapes).</summary>
    public static string Concat(this OnnxGraphBuilder g, params string[] inputs) =>
        g.AddNode("Concat", inputs, OnnxAttr.Int("axis", 0));

    /// <summary>
    /// Reshapes a value whose first dim is the batch to <c>[N, channels, H, W]</c>, with H and W
    /// taken from the runtime shape of <paramref name="spatialSource"/> (an NCHW value).
    /// </summary>
    public static string ReshapeToImage(this OnnxGraphBuilder g, string input, long channels, string spatialSource)
    {
        string hw = g.ShapeSlice(spatialSource, 2, 4);
        return g.ReshapeTo(input, g.Concat(g.AddInt64("shape", 0, channels), hw));
    }

    /// <summary>Strided slice on the spatial axes: <c>x[:, :, ::stride, ::stride]</c>.</summary>
    public static string SubsampleSpatial(this OnnxGraphBuilder g, string input, long stride) =>
        g.AddNode("Slice", [
            input,
            g.AddInt64("starts", 0, 0),
            g.AddInt64("ends", long.MaxValue, long.MaxValue),
            g.AddInt64("axes", 2, 3),
            g.AddInt64("steps", stride, stride),
        ]);

    /// <summary>Zero-pads the channel axis of an NCHW value by <paramref name="before"/> and <paramref name="after"/>.</summary>
    public static string PadChannels(this OnnxGraphBuilder g, string input, long before, long after) =>
        g.AddNode("Pad", [input, g.AddInt64("pads", 0, before, 0, 0, 0, after, 0, 0)], OnnxAttr.String("mode", "constant"));

    /// <summary>
    /// The "option A" ResNet shortcut: subsample by <paramref name="stride"/>, then zero-pad the channels
    /// (<paramref name="padBefore"/> in front, <paramref name="padAfter"/> behind).
    /// </summary>
    public static string OptionAShortcut(this OnnxGraphBuilder g, string input, long stride, long padBefore, long padAfter)
    {
        string x = stride == 1 ? input : g.SubsampleSpatial(input, stride);
        return padBefore == 0 && padAfter == 0 ? x : g.PadChannels(x, padBefore, padAfter);
    }

    /// <summary>MaxPool with a square kernel, stride and symmetric padding (floor mode), as <c>max_pool2d</c>.</summary>
    public static string MaxPool(this OnnxGraphBuilder g, string input, long kernel, long stride, long padding = 0) =>
        g.AddNode("MaxPool", [input],
            OnnxAttr.Ints("kernel_shape", kernel, kernel),
            OnnxAttr.Ints("strides", stride, stride),
            OnnxAttr.Ints("pads", padding, padding, padding, padding));

    public static string GlobalAveragePool(this OnnxGraphBuilder g, string input) => g.AddNode("GlobalAveragePool", [input]);

    /// <summary>Flattens to 2-D <c>[d0 * ... * d(axis-1), rest]</c>.</summary>
    public static string Flatten(this OnnxGraphBuilder g, string input, long axis = 1) =>
        g.AddNode("Flatten", [input], OnnxAttr.Int("axis", axis));
}
