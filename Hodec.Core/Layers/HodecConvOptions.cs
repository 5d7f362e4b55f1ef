using Hodec.TensorTrain;

namespace Hodec.Layers;

/// <summary>
/// How to tensorise a dense layer. Factorisations default to balanced factors of order <paramref name="Order"/>;
/// ranks are capped by <paramref name="Ranks"/> (one per bond of the layer's format), <paramref name="MaxRank"/>
/// and the tolerance <paramref name="Eps"/> (see <see cref="TtSvdOptions"/>).
/// </summary>
/// <param name="Order">Number of channel factors <c>d</c> when none are given.</param>
/// <param name="InputFactors">Override of <c>I_1..I_d</c>; product must equal the input channels.</param>
/// <param name="OutputFactors">Override of <c>O_1..O_d</c>; product must equal the output channels.</param>
/// <param name="Ranks">Per-bond caps: HODEC <c>2d</c>, classical TT-conv <c>d</c>, TT-FC <c>d-1</c>.</param>
/// <param name="MaxRank">Uniform cap on every bond.</param>
/// <param name="Eps">Relative error tolerance of the weight decomposition.</param>
/// <param name="Path">HODEC execution path (ignored by the other formats).</param>
public sealed record HodecConvOptions(
    int Order = 2,
    IReadOnlyList<int>? InputFactors = null,
    IReadOnlyList<int>? OutputFactors = null,
    IReadOnlyList<int>? Ranks = null,
    int? MaxRank = null,
    double Eps = 0,
    TtExecutionPath Path = TtExecutionPath.Auto)
{
    /// <summary>Resolves the input and output factorisations (balanced or validated overrides) of equal length.</summary>
    internal (int[] Input, int[] Output) Factorise(int inChannels, int outChannels)
    {
        int[] input = InputFactors is null
            ? ChannelFactorization.Balanced(inChannels, OrderFor(OutputFactors))
            : ChannelFactorization.Validate(inChannels, InputFactors, "input channels");
        int[] output = OutputFactors is null
            ? ChannelFactorization.Balanced(outChannels, input.Length)
            : ChannelFactorization.Validate(outChannels, OutputFactors, "output channels");
        if (input.Length != output.Length)
        {
            throw new HodecException(
                $"Input factors [{string.Join(", ", input)}] and output factors [{string.Join(", ", output)}] have different lengths; " +
                "TT layers pair I_j with O_j, so give the same number of factors for both.");
        }

        return (input, output);
    }

    /// <summary>The TT-SVD truncation these options ask for.</summary>
    internal TtSvdOptions SvdOptions() => new(Ranks, MaxRank, Eps);

    private int OrderFor(IReadOnlyList<int>? other) => other?.Count ?? Order;
}
