using TorchSharp;
using TorchSharp.Modules;

namespace Hodec.Layers;

/// <summary>Stride, zero padding and dilation of a 2-D convolution (height, width).</summary>
public sealed record ConvGeometry(long[] Stride, long[] Padding, long[] Dilation)
{
    /// <summary>Stride 1, no padding, no dilation.</summary>
    public static ConvGeometry Default { get; } = new([1, 1], [0, 0], [1, 1]);

    /// <summary>Same geometry on both axes.</summary>
    public static ConvGeometry Of(long stride = 1, long padding = 0, long dilation = 1) =>
        new([stride, stride], [padding, padding], [dilation, dilation]);

    /// <summary>
    /// Reads the geometry of a dense conv; throws for what TT layers (and ONNX's symmetric pads) cannot express.
    /// <paramref name="allowGroups"/> accepts grouped convs, for code that keeps them dense (the ONNX export).
    /// </summary>
    public static ConvGeometry FromConv(Conv2d conv, bool allowGroups = false)
    {
        ArgumentNullException.ThrowIfNull(conv);
        if (conv.groups != 1 && !allowGroups)
        {
            throw new HodecException($"Conv2d with groups={conv.groups} cannot be tensorised; only groups=1 convolutions are supported.");
        }

        if (conv.padding_mode != PaddingModes.Zeros)
        {
            throw new HodecException($"Conv2d with padding_mode={conv.padding_mode} cannot be tensorised; only zero padding is supported.");
        }

        long[] padding = conv.padding ?? SamePadding(conv);
        return new([.. conv.stride], [.. padding], [.. conv.dilation]);
    }

    /// <summary>Output size along one axis, as conv2d computes it.</summary>
    public long OutputSize(long input, long kernel, int axis) =>
        ((input + (2 * Padding[axis]) - (Dilation[axis] * (kernel - 1)) - 1) / Stride[axis]) + 1;

    private static long[] SamePadding(Conv2d conv)
    {
        if (conv.padding_type == TorchSharp.Padding.Valid)
        {
            return [0, 0];
        }

        long[] k = conv.kernel_size;
        if (k.Any(v => v % 2 == 0))
        {
            throw new HodecException("Conv2d with padding='same' and an even kernel cannot be tensorised; use explicit padding.");
        }

        return [conv.dilation[0] * (k[0] - 1) / 2, conv.dilation[1] * (k[1] - 1) / 2];
    }
}
