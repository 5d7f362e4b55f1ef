using Hodec.Tool.Engine;
using Hodec.Tool.Output;
using Spectre.Console;

namespace Hodec.Tool.Tests.Output;

public sealed class PlanRenderingTests
{
    [Theory]
    [InlineData(1_000, 100, "Parameters: 1,000 -> 100 (10.00x smaller, -90.0%)")]
    [InlineData(30_821_248, 70_915_008, "Parameters: 30,821,248 -> 70,915,008 (2.30x larger, +130.1%)")]
    [InlineData(500, 500, "Parameters: 500 -> 500 (1.00x smaller, 0.0%)")]
    public void Reduction_NamesShrinkAndGrowth(long before, long after, string expected) =>
        Assert.Equal(expected, PlanRendering.Reduction("Parameters", before, after));

    [Fact]
    public void ALatencyPlannedPlan_ShowsLayerTimesAndThePredictedLatency()
    {
        var plan = new CompressionPlan("m", [new LayerPlan("c1", "16x16x3x3", "[4,4]x[4,4]", "8,8", 2304, 500, 147456, 40000) { Time = "2 -> 0.5" }], "{}")
        {
            Latency = "Latency (torchsharp, batch 1, 2 thread(s), cpu): 13 ms dense -> 6 ms predicted (ratio 0.462)",
        };
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;
        PlanRendering.WriteTable(console, plan);

        string text = writer.ToString();
        Assert.Contains("Time ms (dense -> after)", text, StringComparison.Ordinal);
        Assert.Contains("2 -> 0.5", text, StringComparison.Ordinal);
        Assert.Contains("13 ms dense -> 6 ms predicted", text, StringComparison.Ordinal);
    }
}
