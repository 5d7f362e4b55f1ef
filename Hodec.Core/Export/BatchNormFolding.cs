using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Export;

/// <summary>Folds an eval-mode batch norm into the convolution that feeds it.</summary>
public static class BatchNormFolding
{
    /// <summary>
    /// True when <c>bn(conv(x))</c> in eval mode equals one convolution: the BN keeps running statistics
    /// and normalises exactly the conv's output channels.
    /// </summary>
    public static bool CanFold(Conv2d conv, BatchNorm2d batchNorm)
    {
        ArgumentNullException.ThrowIfNull(conv);
        ArgumentNullException.ThrowIfNull(batchNorm);
        return batchNorm.running_mean is not null && batchNorm.running_var is not null
            && batchNorm.num_features == conv.out_channels;
    }

    /// <summary>
    /// The folded weight and bias: <c>W' = W * s</c> and <c>b' = (b - mean) * s + beta</c>, with
    /// <c>s = gamma / sqrt(var + eps)</c> per output channel. Computed in float64, returned in the conv's dtype.
    /// </summary>
    public static (Tensor Weight, Tensor Bias) Fold(Conv2d conv, BatchNorm2d batchNorm)
    {
        if (!CanFold(conv, batchNorm))
        {
            throw new HodecException(
                $"Cannot fold BatchNorm2d({batchNorm.num_features}) into Conv2d({conv.in_channels} -> {conv.out_channels}): " +
                "the BN needs running statistics (track_running_stats) and as many features as the conv has output channels.");
        }

        using var noGrad = no_grad();
        ScalarType dtype = conv.weight!.dtype;
        Tensor mean = batchNorm.running_mean!.to_type(ScalarType.Float64);
        Tensor variance = batchNorm.running_var!.to_type(ScalarType.Float64);
        Tensor gamma = batchNorm.weight is null ? ones_like(mean) : batchNorm.weight.detach().to_type(ScalarType.Float64);
        Tensor beta = batchNorm.bias is null ? zeros_like(mean) : batchNorm.bias.detach().to_type(ScalarType.Float64);
        Tensor convBias = conv.bias is null ? zeros_like(mean) : conv.bias.detach().to_type(ScalarType.Float64);

        Tensor scale = gamma / (variance + batchNorm.eps).sqrt();
        Tensor weight = conv.weight.detach().to_type(ScalarType.Float64) * scale.reshape(-1, 1, 1, 1);
        Tensor bias = ((convBias - mean) * scale) + beta;
        return (weight.to_type(dtype), bias.to_type(dtype));
    }
}
