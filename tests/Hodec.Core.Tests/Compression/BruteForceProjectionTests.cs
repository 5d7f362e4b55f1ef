using Hodec.Recipes;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Compression;

/// <summary>
/// The test-side projection the ADAL and projector tests rely on, checked by properties alone: the result has the asked
/// TT ranks (matrix ranks of its unfoldings, by SVD), projecting it again changes nothing, and it is closer to W than
/// another tensor of those ranks.
/// </summary>
public sealed class BruteForceProjectionTests
{
    public static TheoryData<CompressionFormat, long[], int[], int[], int[]> Cases() => new()
    {
        { CompressionFormat.Hodec, [6, 8, 3, 3], [2, 4], [3, 2], [2, 3, 4, 2] },
        { CompressionFormat.TtClassical, [6, 8, 3, 3], [2, 4], [3, 2], [4, 3] },
        { CompressionFormat.TtFc, [12, 10], [5, 2], [4, 3], [5] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Projection_HasTheRanks_IsAFixedPoint_AndBeatsAnotherTensorOfThoseRanks(CompressionFormat format, long[] shape, int[] inF, int[] outF, int[] ranks)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        Tensor w = randn(shape, float64, generator: generator);

        Tensor p = BruteForceProjection.Project(format, inF, outF, w, ranks);

        Tensor modes = BruteForceProjection.Modes(format, inF, outF, p);
        for (int k = 0; k < ranks.Length; k++)
        {
            long left = modes.shape.Take(k + 1).Aggregate(1L, (a, b) => a * b);
            Tensor s = linalg.svdvals(modes.reshape(left, -1));
            long rank = s.gt(s[0] * 1e-10).sum().item<long>();
            Assert.Equal(Math.Min(ranks[k], Math.Min(left, modes.numel() / left)), rank);
        }

        Assert.True((BruteForceProjection.Project(format, inF, outF, p, ranks) - p).norm().item<double>() < 1e-10 * p.norm().item<double>());
        // Another tensor of the same ranks (the projection of a perturbed W) is farther from W.
        Tensor other = BruteForceProjection.Project(format, inF, outF, w + (0.3 * randn(shape, float64, generator: generator)), ranks);
        Assert.True((w - p).norm().item<double>() < (w - other).norm().item<double>());
        Assert.Equal(shape, p.shape);
    }
}
