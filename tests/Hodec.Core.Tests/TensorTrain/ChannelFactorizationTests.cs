using Hodec.TensorTrain;

namespace Hodec.Tests.TensorTrain;

public sealed class ChannelFactorizationTests
{
    [Theory]
    [InlineData(64, 2, new[] { 8, 8 })]
    [InlineData(64, 3, new[] { 4, 4, 4 })]
    [InlineData(128, 2, new[] { 16, 8 })]
    [InlineData(256, 3, new[] { 8, 8, 4 })]
    [InlineData(12, 2, new[] { 4, 3 })]
    [InlineData(3, 2, new[] { 3, 1 })]
    [InlineData(10, 1, new[] { 10 })]
    [InlineData(1, 2, new[] { 1, 1 })]
    public void Balanced_ReturnsMostBalancedFactors(int channels, int order, int[] expected) =>
        Assert.Equal(expected, ChannelFactorization.Balanced(channels, order));

    [Fact]
    public void Validate_WrongProduct_SaysWhatToGive()
    {
        var ex = Assert.Throws<HodecException>(() => ChannelFactorization.Validate(64, [4, 4], "input channels"));
        Assert.Equal(
            "Factorisation [4, 4] of input channels multiplies to 16, but the layer has 64 input channels; give factors whose product is 64 (e.g. [8, 8]).",
            ex.Message);
    }

    [Fact]
    public void Validate_ValidOverride_ReturnsIt() =>
        Assert.Equal([2, 32], ChannelFactorization.Validate(64, [2, 32]));
}
