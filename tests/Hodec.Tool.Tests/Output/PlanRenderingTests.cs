using Hodec.Tool.Output;

namespace Hodec.Tool.Tests.Output;

public sealed class PlanRenderingTests
{
    [Theory]
    [InlineData(1_000, 100, "Parameters: 1,000 -> 100 (10.00x smaller, -90.0%)")]
    [InlineData(30_821_248, 70_915_008, "Parameters: 30,821,248 -> 70,915,008 (2.30x larger, +130.1%)")]
    [InlineData(500, 500, "Parameters: 500 -> 500 (1.00x smaller, 0.0%)")]
    public void Reduction_NamesShrinkAndGrowth(long before, long after, string expected) =>
        Assert.Equal(expected, PlanRendering.Reduction("Parameters", before, after));
}
