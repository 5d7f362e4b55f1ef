using TorchSharp.Modules;

namespace Hodec.Export;

/// <summary>Stride, zero padding and dilation of a 2-D convolution, per axis (height, width).</summary>
public readonly record struct ConvGeometry(int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW)
{
    /// <summary>The same stride, padding and dilation on both axes.</summary>
    public static ConvGeometry Of(int stride = 1, int padding = 0, int dilation = 1) =>
        new(stride, stride, padding, padding, dilation, dilation);

    /// <summary>The geometry of a TorchSharp <see cref="Conv2d"/> (explicit or "same"/"valid" padding).</summary>
    public static ConvGeometry Of(Conv2d conv)
    {
        ArgumentNullException.ThrowIfNull(conv);
        if (conv.padding_mode != TorchSharp.PaddingModes.Zeros)
        {
            throw new HodecException(
                $"Conv2d with padding_mode {conv.padding_mode} cannot be exported: ONNX Conv pads with zeros only. " +
                "Use zero padding, or export the padding as an explicit module.");
        }

        long[] stride = conv.stride ?? [1, 1];
        long[] dilation = conv.dilation ?? [1, 1];
        long[] padding = conv.padding_type switch
        {
            TorchSharp.Padding.Valid => [0, 0],
            TorchSharp.Padding.Same => SamePadding(conv.kernel_size, stride, dilation),
            _ => conv.padding ?? [0, 0],
        };
        return new((int)stride[0], (int)stride[1], (int)padding[0], (int)padding[1], (int)dilation[0], (int)dilation[1]);
    }

    /// <summary>Output size along one axis for an input of <paramref name="size"/> and a kernel of <paramref name="kernel"/>.</summary>
    public static long OutputSize(long size, long kernel, int stride, int padding, int dilation) =>
        ((size + (2 * padding) - (dilation * (kernel - 1)) - 1) / stride) + 1;

    private static long[] SamePadding(long[] kernel, long[] stride, long[] dilation)
    {
        var pads = new long[2];
        for (int axis = 0; axis < 2; axis++)
        {
            long total = dilation[axis] * (kernel[axis] - 1);
            if (stride[axis] != 1 || total % 2 != 0)
            {
                // PyTorch pads asymmetric "same" on the far side only; ONNX's symmetric pads cannot say that.
                throw new HodecException(
                    "Conv2d with padding 'same' and an even effective kernel (or stride > 1) pads asymmetrically " +
                    "and cannot be exported with symmetric pads; give explicit padding instead.");
            }

            pads[axis] = total / 2;
        }

        return pads;
    }
}
