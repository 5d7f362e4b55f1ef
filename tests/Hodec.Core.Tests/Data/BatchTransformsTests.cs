using Hodec.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Data;

public sealed class BatchTransformsTests
{
    private static Tensor RandomBytes(int b, int c, int h, int w, int seed)
    {
        var rng = new Random(seed);
        var bytes = new byte[b * c * h * w];
        rng.NextBytes(bytes);
        return tensor(bytes, ScalarType.Byte).reshape(b, c, h, w);
    }

    [Fact]
    public void Augment_SameSeed_SameOutput_DifferentSeed_Different()
    {
        using var scope = NewDisposeScope();
        var x = RandomBytes(16, 1, 8, 8, 1);
        var settings = new AugmentSettings(CropPadding: 2, HorizontalFlip: true);
        using var g1 = new Generator(5);
        using var g2 = new Generator(5);
        using var g3 = new Generator(6);
        var a = BatchTransforms.Augment(x, settings, g1);
        Assert.True(a.equal(BatchTransforms.Augment(x, settings, g2)).all().item<bool>());
        Assert.False(a.equal(BatchTransforms.Augment(x, settings, g3)).all().item<bool>());
    }

    [Fact]
    public void Augment_EachImageIsAPaddedShiftedPossiblyFlippedCrop()
    {
        using var scope = NewDisposeScope();
        const int b = 12, c = 2, h = 5, w = 6, p = 2;
        var x = RandomBytes(b, c, h, w, 2);
        using var g = new Generator(11);
        var y = BatchTransforms.Augment(x, new AugmentSettings(p, true), g);
        byte[] xs = x.data<byte>().ToArray(), ys = y.data<byte>().ToArray();
        int flips = 0;
        for (int n = 0; n < b; n++)
        {
            // Naive reference: search the offset and flip that explain the output.
            var matches = new List<(int Dy, int Dx, bool Flip)>();
            for (int dy = 0; dy <= 2 * p; dy++)
                for (int dx = 0; dx <= 2 * p; dx++)
                    foreach (bool flip in new[] { false, true })
                    {
                        bool ok = true;
                        for (int ch = 0; ch < c && ok; ch++)
                            for (int i = 0; i < h && ok; i++)
                                for (int j = 0; j < w && ok; j++)
                                {
                                    int sy = i + dy - p, sx = (flip ? w - 1 - j : j) + dx - p;
                                    byte expected = sy < 0 || sy >= h || sx < 0 || sx >= w ? (byte)0 : xs[(((n * c) + ch) * h + sy) * w + sx];
                                    ok = ys[(((n * c) + ch) * h + i) * w + j] == expected;
                                }

                        if (ok)
                        {
                            matches.Add((dy, dx, flip));
                        }
                    }

            Assert.NotEmpty(matches);
            flips += matches[0].Flip ? 1 : 0;
        }

        Assert.InRange(flips, 1, b - 1);
    }

    [Fact]
    public void Normalize_MatchesFormula()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new byte[] { 0, 255, 51, 102 }, ScalarType.Byte).reshape(1, 2, 1, 2);
        var y = BatchTransforms.Normalize(x, [0.5, 0.2], [0.25, 0.5]);
        float[] expected = [(0f - 0.5f) / 0.25f, (1f - 0.5f) / 0.25f, (0.2f - 0.2f) / 0.5f, (0.4f - 0.2f) / 0.5f];
        Assert.Equal(expected, y.data<float>().ToArray(), (a, e) => Math.Abs(a - e) < 1e-5);
    }
}
