using Hodec.Compression;
using Hodec.Pipeline;
using Hodec.Reports;

namespace Hodec.Tests.Pipeline;

public sealed class RunSummaryTests
{
    private static readonly DenseCosts Dense = new(269_434, 30_821_248);
    private static readonly ModelMetrics BeforeProjection = new(90.5, 99.9, 269_434, 30_821_248, "validation", 8);
    private static readonly ReferenceReport Reference = new("/runs/dense", "dense", 91.34, 12);

    private static HodecReport Run(string method, ModelMetrics final, ReferenceReport? reference) =>
        HodecReport.Create("r", "ResNet-20", method, final, BeforeProjection, Dense, reference, [], []);

    [Fact]
    public void Summary_WithAReference_SaysWhatIsComparedWithWhat_ReductionsAsMinus_GrowthAsPlus()
    {
        var hodec = Run("HODEC", new(92.01, 99.9, 93_497, 11_310_000, "test", 12), Reference);
        var classical = Run("classical TT", new(92.53, 99.94, 89_271, 70_915_008, "test", 12), Reference);

        Assert.Equal("dense reference, 12 epochs: test top-1 91.34%; HODEC after 12 epochs: 92.01% (+0.67 pts); MACs -63.3%, params -65.3%", HodecPipeline.Summary(hodec));
        Assert.Equal("dense reference, 12 epochs: test top-1 91.34%; classical TT after 12 epochs: 92.53% (+1.19 pts); MACs +130.1%, params -66.9%", HodecPipeline.Summary(classical));
    }

    [Fact]
    public void Summary_WithoutAReference_ShowsNoDelta_AndSaysWhy()
    {
        var summary = HodecPipeline.Summary(Run("HODEC", new(77.7, 99.0, 93_497, 11_310_000, "test", 9), null));

        Assert.Equal("HODEC after 9 epochs: test top-1 77.70%; MACs -63.3%, params -65.3%; no dense reference of equal budget, so no accuracy delta", summary);
        Assert.DoesNotContain("->", summary);
        Assert.DoesNotContain("pts", summary);
    }

    [Fact]
    public void Summary_DenseRun_NamesItsEpochsAndCosts()
    {
        var dense = HodecReport.Create("d", "ResNet-20", "dense", new(91.34, 99.92, 269_434, 30_821_248, "test", 12), null, Dense, null, [], []);

        Assert.Equal("dense after 12 epochs: test top-1 91.34%, 269434 params, 30821248 MACs", HodecPipeline.Summary(dense));
    }

    [Fact]
    public void PlanText_TotalsLine_ShowsGrowthAsPlus()
    {
        var grows = new CompressionPlan([], 269_434, 30_821_248, 89_271, 70_915_008);

        string last = CompressionPlanText.Format(grows).TrimEnd().Split('\n')[^1];

        Assert.Equal("model params 269434 -> 89271 (-66.9%); MACs 30821248 -> 70915008 (+130.1%)", last);
    }
}
