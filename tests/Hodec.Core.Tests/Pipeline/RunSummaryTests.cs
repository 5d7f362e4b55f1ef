using Hodec.Compression;
using Hodec.Pipeline;
using Hodec.Reports;

namespace Hodec.Tests.Pipeline;

public sealed class RunSummaryTests
{
    private static readonly ModelMetrics Dense = new(91.34, 99.92, 269_434, 30_821_248);

    [Fact]
    public void Summary_ShowsReductionsAsMinus_AndGrowthAsPlus()
    {
        var hodec = HodecReport.Create("r2", "ResNet-20", "HODEC", Dense, new(92.01, 99.9, 93_497, 11_310_000), [], []);
        var classical = HodecReport.Create("r4", "ResNet-20", "classical TT", Dense, new(92.53, 99.94, 89_271, 70_915_008), [], []);

        Assert.Equal("top-1 91.34% -> 92.01% (+0.67 pts), MACs -63.3%, params -65.3%", HodecPipeline.Summary(hodec));
        Assert.Equal("top-1 91.34% -> 92.53% (+1.19 pts), MACs +130.1%, params -66.9%", HodecPipeline.Summary(classical));
    }

    [Fact]
    public void PlanText_TotalsLine_ShowsGrowthAsPlus()
    {
        var grows = new CompressionPlan([], 269_434, 30_821_248, 89_271, 70_915_008);

        string last = CompressionPlanText.Format(grows).TrimEnd().Split('\n')[^1];

        Assert.Equal("model params 269434 -> 89271 (-66.9%); MACs 30821248 -> 70915008 (+130.1%)", last);
    }
}
