using static TorchSharp.torch;

namespace Hodec.Export;

/// <summary>
/// A per-channel affine map <c>y = x * Scale + Shift</c> (1-D tensors, one entry per channel): what an
/// eval-mode batch norm is, and what a layer exporter can absorb into its last weight and bias.
/// </summary>
public sealed record ChannelAffine(Tensor Scale, Tensor Shift)
{
    /// <summary>Number of channels.</summary>
    public long Channels => Scale.shape[0];

    /// <summary>
    /// Folds the map into a layer whose output is <c>W x + b</c> with <paramref name="weight"/>'s first dim
    /// the output channels: returns <c>(W * Scale, b * Scale + Shift)</c> in the weight's dtype.
    /// </summary>
    public (Tensor Weight, Tensor Bias) FoldInto(Tensor weight, Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.shape[0] != Channels)
        {
            throw new HodecException(
                $"A batch norm over {Channels} channels cannot fold into a layer with {weight.shape[0]} outputs; " +
                "the batch norm must follow the layer it normalises.");
        }

        using var scope = NewDisposeScope();
        Tensor scale = Scale.to_type(ScalarType.Float64);
        Tensor b = bias is null ? zeros(Channels, ScalarType.Float64) : bias.detach().to_type(ScalarType.Float64);
        long[] broadcast = [Channels, .. Enumerable.Repeat(1L, (int)weight.dim() - 1)];
        Tensor w = weight.detach().to_type(ScalarType.Float64) * scale.reshape(broadcast);
        Tensor folded = (b * scale) + Shift.to_type(ScalarType.Float64);
        return (w.to_type(weight.dtype).MoveToOuterDisposeScope(), folded.to_type(weight.dtype).MoveToOuterDisposeScope());
    }
}
