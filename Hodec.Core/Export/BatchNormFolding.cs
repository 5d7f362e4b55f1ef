using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Export;

/// <summary>Folds an eval-mode batch norm into the layer that feeds it.</summary>
public static class BatchNormFolding
{
    /// <summary>True when the BN keeps running statistics, i.e. is a fixed per-channel affine map in eval mode.</summary>
    public static bool IsFoldable(BatchNorm2d batchNorm)
    {
        ArgumentNullException.ThrowIfNull(batchNorm);
        return batchNorm.running_mean is not null && batchNorm.running_var is not null;
    }

    /// <summary>
    /// True when <c>bn(conv(x))</c> in eval mode equals one convolution: the BN keeps running statistics
    /// and normalises exactly the conv's output channels.
    /// </summary>
    public static bool CanFold(Conv2d conv, BatchNorm2d batchNorm)
    {
        ArgumentNullException.ThrowIfNull(conv);
        return IsFoldable(batchNorm) && batchNorm.num_features == conv.out_channels;
    }

    /// <summary>
    /// The eval-mode BN as <c>x * s + t</c> with <c>s = gamma / sqrt(var + eps)</c> and
    /// <c>t = beta - mean * s</c>, computed in float64.
    /// </summary>
    public static ChannelAffine Affine(BatchNorm2d batchNorm)
    {
        if (!IsFoldable(batchNorm))
        {
            throw new HodecException(
                $"BatchNorm2d({batchNorm.num_features}) has no running statistics (track_running_stats: false), so it is not " +
                "a fixed affine map in eval mode and cannot be folded or exported.");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor mean = batchNorm.running_mean!.to_type(ScalarType.Float64);
        Tensor variance = batchNorm.running_var!.to_type(ScalarType.Float64);
        Tensor gamma = batchNorm.weight is null ? ones_like(mean) : batchNorm.weight.detach().to_type(ScalarType.Float64);
        Tensor beta = batchNorm.bias is null ? zeros_like(mean) : batchNorm.bias.detach().to_type(ScalarType.Float64);
        Tensor scale = gamma / (variance + batchNorm.eps).sqrt();
        Tensor shift = beta - (mean * scale);
        return new ChannelAffine(scale.MoveToOuterDisposeScope(), shift.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The folded weight and bias: <c>W' = W * s</c> and <c>b' = (b - mean) * s + beta</c> per output
    /// channel. Computed in float64, returned in the conv's dtype.
    /// </summary>
    public static (Tensor Weight, Tensor Bias) Fold(Conv2d conv, BatchNorm2d batchNorm)
    {
        if (!CanFold(conv, batchNorm))
        {
            throw new HodecException(
                $"Cannot fold BatchNorm2d({batchNorm.num_features}) into Conv2d({conv.in_channels} -> {conv.out_channels}): " +
                "the BN needs running statistics (track_running_stats) and as many features as the conv has output channels.");
        }

        using var scope = NewDisposeScope();
        (Tensor weight, Tensor bias) = Affine(batchNorm).FoldInto(conv.weight!, conv.bias);
        return (weight.MoveToOuterDisposeScope(), bias.MoveToOuterDisposeScope());
    }
}
