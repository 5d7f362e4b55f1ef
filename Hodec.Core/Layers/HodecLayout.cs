using static TorchSharp.torch;

namespace Hodec.Layers;

/// <summary>
/// Channel factorisation and kernel of a HODEC layer, and the reordering between a dense conv weight
/// <c>O x I x KH x KW</c> and the order-<c>2d+1</c> tensor <c>(I_1..I_d, KH*KW, O_1..O_d)</c> it is stored as.
/// </summary>
public sealed record HodecLayout(IReadOnlyList<int> InputFactors, IReadOnlyList<int> OutputFactors, int KernelH, int KernelW)
{
    /// <summary>Number of channel factors <c>d</c>.</summary>
    public int Order => InputFactors.Count;

    /// <summary>Input channels <c>I</c>.</summary>
    public int InChannels => InputFactors.Aggregate(1, (a, b) => a * b);

    /// <summary>Output channels <c>O</c>.</summary>
    public int OutChannels => OutputFactors.Aggregate(1, (a, b) => a * b);

    /// <summary>Mode sizes of the reordered tensor, <c>(I_1..I_d, KH*KW, O_1..O_d)</c>.</summary>
    public long[] TtShape => [.. InputFactors.Select(v => (long)v), (long)KernelH * KernelW, .. OutputFactors.Select(v => (long)v)];

    /// <summary>Dense weight <c>O x I x KH x KW</c> to the order-<c>2d+1</c> tensor.</summary>
    public Tensor Reorder(Tensor weight)
    {
        CheckWeight(weight);
        int d = Order;
        long[] split = [.. OutputFactors.Select(v => (long)v), .. InputFactors.Select(v => (long)v), (long)KernelH * KernelW];
        long[] perm = [.. Enumerable.Range(d, d).Select(v => (long)v), 2 * d, .. Enumerable.Range(0, d).Select(v => (long)v)];
        return weight.reshape(split).permute(perm).contiguous();
    }

    /// <summary>The order-<c>2d+1</c> tensor back to the dense weight <c>O x I x KH x KW</c>.</summary>
    public Tensor Restore(Tensor tt)
    {
        int d = Order;
        long[] perm = [.. Enumerable.Range(d + 1, d).Select(v => (long)v), .. Enumerable.Range(0, d).Select(v => (long)v), d];
        return tt.reshape(TtShape).permute(perm).reshape(OutChannels, InChannels, KernelH, KernelW);
    }

    internal void CheckWeight(Tensor weight)
    {
        long[] expected = [OutChannels, InChannels, KernelH, KernelW];
        if (!weight.shape.SequenceEqual(expected))
        {
            throw new HodecException($"Weight of shape [{string.Join(", ", weight.shape)}] does not match the layout, which expects [{string.Join(", ", expected)}] (O x I x KH x KW).");
        }
    }
}
