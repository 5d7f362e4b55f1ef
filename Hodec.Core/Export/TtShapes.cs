using static TorchSharp.torch;

namespace Hodec.Export;

/// <summary>Checks TT core shapes before lowering, with messages that name the offending core.</summary>
internal static class TtShapes
{
    public static void CheckHodec(IReadOnlyList<Tensor> inputCores, Tensor spatialCore, IReadOnlyList<Tensor> outputCores, Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(spatialCore);
        Check3D(inputCores, "input core", firstRank: 1, lastRank: null);
        Check3D(outputCores, "output core", firstRank: null, lastRank: 1);
        if (spatialCore.dim() != 4)
        {
            throw Fail($"The HODEC spatial core must be 4-D [r_d, kH, kW, r_(d+1)]; got {Shape(spatialCore)}.");
        }

        if (spatialCore.shape[0] != inputCores[^1].shape[2])
        {
            throw Fail($"The HODEC spatial core {Shape(spatialCore)} must start with the last input core's rank {inputCores[^1].shape[2]}.");
        }

        if (spatialCore.shape[3] != outputCores[0].shape[0])
        {
            throw Fail($"The HODEC spatial core {Shape(spatialCore)} must end with the first output core's rank {outputCores[0].shape[0]}.");
        }

        CheckBias(bias, outputCores.Aggregate(1L, (p, c) => p * c.shape[1]));
    }

    public static void CheckClassical(Tensor spatialCore, IReadOnlyList<Tensor> cores, Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(spatialCore);
        if (spatialCore.dim() != 3)
        {
            throw Fail($"The classical TT-conv spatial core must be 3-D [kH, kW, r_1]; got {Shape(spatialCore)}.");
        }

        Check4D(cores, "core", firstRank: spatialCore.shape[2], lastRank: 1);
        CheckBias(bias, cores.Aggregate(1L, (p, c) => p * c.shape[1]));
    }

    public static void CheckTtMatrix(IReadOnlyList<Tensor> cores, Tensor? bias)
    {
        Check4D(cores, "TT-FC core", firstRank: 1, lastRank: 1);
        CheckBias(bias, cores.Aggregate(1L, (p, c) => p * c.shape[1]));
    }

    private static void Check3D(IReadOnlyList<Tensor> cores, string what, long? firstRank, long? lastRank) =>
        CheckChain(cores, what, 3, "[r_in, mode, r_out]", firstRank, lastRank);

    private static void Check4D(IReadOnlyList<Tensor> cores, string what, long? firstRank, long? lastRank) =>
        CheckChain(cores, what, 4, "[r_in, O_j, I_j, r_out]", firstRank, lastRank);

    private static void CheckChain(IReadOnlyList<Tensor> cores, string what, int dims, string layout, long? firstRank, long? lastRank)
    {
        if (cores is null || cores.Count == 0)
        {
            throw Fail($"At least one {what} is needed.");
        }

        for (int j = 0; j < cores.Count; j++)
        {
            if (cores[j].dim() != dims)
            {
                throw Fail($"{Capitalise(what)} {j + 1} must be {dims}-D {layout}; got {Shape(cores[j])}.");
            }

            if (j > 0 && cores[j].shape[0] != cores[j - 1].shape[dims - 1])
            {
                throw Fail($"{Capitalise(what)} {j + 1} {Shape(cores[j])} must start with rank {cores[j - 1].shape[dims - 1]}, the last rank of {what} {j}.");
            }
        }

        if (firstRank is long first && cores[0].shape[0] != first)
        {
            throw Fail($"{Capitalise(what)} 1 {Shape(cores[0])} must start with rank {first}.");
        }

        if (lastRank is long last && cores[^1].shape[dims - 1] != last)
        {
            throw Fail($"{Capitalise(what)} {cores.Count} {Shape(cores[^1])} must end with rank {last}.");
        }
    }

    private static void CheckBias(Tensor? bias, long outputs)
    {
        if (bias is not null && (bias.dim() != 1 || bias.shape[0] != outputs))
        {
            throw Fail($"The bias must be 1-D with {outputs} entries (one per output channel); got {Shape(bias)}.");
        }
    }

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    private static string Capitalise(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    private static HodecException Fail(string message) => new(message);
}
