using Hodec.Data;
using Hodec.Recipes;
using static TorchSharp.torch;

namespace Hodec.Tests.Data;

/// <summary>The validation split: held out of training, disjoint from it, stratified by class and seeded.</summary>
public sealed class ValidationSplitTests
{
    // 100 images whose single pixel is their index; classes 0, 1, 2 have 50, 30 and 20 of them, interleaved.
    private static TensorDataset Numbered()
    {
        using var scope = NewDisposeScope();
        long[] labels = [.. Enumerable.Range(0, 100).Select(i => i % 10 < 5 ? 0L : i % 10 < 8 ? 1L : 2L)];
        var images = arange(100, ScalarType.Int64).to_type(ScalarType.Byte).reshape(100, 1, 1, 1);
        return new TensorDataset(images, tensor(labels), 3);
    }

    private static (int[] Ids, long[] Labels) Read(TensorDataset d) =>
        ([.. d.Images.reshape(-1).to_type(ScalarType.Int32).data<int>().ToArray()], d.Labels.data<long>().ToArray());

    [Theory]
    [InlineData(10, new[] { 5, 3, 2 })] // exact shares
    [InlineData(7, new[] { 4, 2, 1 })]  // shares 3.5, 2.1, 1.4: floors 3, 2, 1, and the one left goes to the largest remainder (class 0)
    [InlineData(99, new[] { 49, 30, 20 })] // shares 49.5, 29.7, 19.8: floors 49, 29, 19, and the two left go to classes 2 (.8) and 1 (.7)
    public void Split_IsDisjoint_Covering_AndStratified(int count, int[] perClass)
    {
        using var all = Numbered();

        var (kept, held) = all.Split(count, seed: 5);
        using var _ = kept;
        using var __ = held;

        var (keptIds, keptLabels) = Read(kept);
        var (heldIds, heldLabels) = Read(held);
        Assert.Empty(keptIds.Intersect(heldIds));
        Assert.Equal(Enumerable.Range(0, 100), keptIds.Concat(heldIds).Order());
        // Each image keeps its label, and both parts keep the original order.
        Assert.All(keptIds.Zip(keptLabels), p => Assert.Equal(p.First % 10 < 5 ? 0 : p.First % 10 < 8 ? 1 : 2, p.Second));
        Assert.Equal(keptIds.Order(), keptIds);
        Assert.Equal(heldIds.Order(), heldIds);
        Assert.Equal(count, heldIds.Length);
        Assert.Equal(perClass, Enumerable.Range(0, 3).Select(c => heldLabels.Count(l => l == c)));
    }

    [Fact]
    public void Split_IsSeeded()
    {
        using var all = Numbered();
        int[] Held(int seed)
        {
            var (kept, held) = all.Split(10, seed);
            using var _ = kept;
            using var __ = held;
            return Read(held).Ids;
        }

        Assert.Equal(Held(1), Held(1));
        Assert.NotEqual(Held(1), Held(2));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void Split_NothingOrEverything_IsRefused(int count)
    {
        using var all = Numbered();

        var e = Assert.Throws<HodecException>(() => all.Split(count, 1));

        Assert.Equal($"A validation split of {count} images does not fit a training split of 100: hold out at least 1 and fewer than 100.", e.Message);
    }

    [Theory]
    [InlineData("0.1", 256, 26)] // 25.6, rounded
    [InlineData("0.05", 60000, 3000)]
    [InlineData("6000", 60000, 6000)]
    [InlineData("0", 60000, 0)]
    public void ValidationCount_FractionBelowOne_CountFromOne(string value, int train, int expected) =>
        Assert.Equal(expected, Parse($"validation: {value}").Data.ValidationCount(train));

    [Fact]
    public void Validation_Default_IsTenPercent() =>
        Assert.Equal(0.1, Parse("batch_size: 64").Data.Validation);

    [Theory]
    [InlineData("1.5", "r.yml:3:50: error: 'data.validation' is a fraction below 1 (e.g. 0.1) or a whole number of images (e.g. 6000), got 1.5")]
    [InlineData("-1", "r.yml:3:50: error: 'data.validation' must be at least 0, got -1")]
    public void Validation_Invalid_IsLocated(string value, string expected)
    {
        var e = Assert.Throws<RecipeException>(() => Parse($"validation: {value}"));

        Assert.Contains(expected, e.Message);
    }

    private static Recipe Parse(string dataKey) => RecipeLoader.Parse($$"""
        version: 1
        name: v
        data: { dataset: fashion-mnist-mini, {{dataKey}} }
        model: { arch: resnet20 }
        stages: [{ kind: train, epochs: 1 }]
        """, "r.yml");
}
