using Hodec.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

public sealed class OrtVerificationTests
{
    [Fact]
    public void CompareTop1_AgreesWithTorchSharpAndCountsAccuracy()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(61);
        manual_seed(61);
        Sequential model = Sequential(("conv", Conv2d(1, 4, 3, padding: 1)), ("relu", ReLU()), ("gap", AdaptiveAvgPool2d(1)), ("flat", Flatten()), ("fc", Linear(4, 3)));
        Tensor images = randn([25, 1, 6, 6], generator: gen);
        Tensor labels = randint(3, [25], generator: gen);
        string path = ExportTestData.TempPath("top1.onnx");
        OnnxExporter.Export(model, path, new OnnxExportOptions([1, 1, 6, 6]));
        double expectedAccuracy;
        using (no_grad())
        {
            expectedAccuracy = model.call(images).argmax(1).eq(labels).sum().item<long>() / 25.0;
        }

        Top1Comparison result = OnnxVerifier.CompareTop1(model, path, images, labels, batchSize: 10);

        Assert.Equal(25, result.Samples);
        Assert.Equal(25, result.Agreements);
        Assert.Equal(expectedAccuracy, result.TorchTop1);
        Assert.Equal(expectedAccuracy, result.OrtTop1);
        Assert.True(result.MaxAbsDiff < 1e-4);
    }

    [Fact]
    public void Measure_FewRuns_ReturnsOrderedPositiveStats()
    {
        using var scope = NewDisposeScope();
        manual_seed(62);
        string path = ExportTestData.TempPath("lat.onnx");
        OnnxExporter.Export(Sequential(("conv", Conv2d(3, 8, 3, padding: 1)), ("relu", ReLU())), path, new OnnxExportOptions([1, 3, 16, 16]));

        LatencyStats stats = OrtLatency.Measure(path, batchSize: 2, warmup: 1, runs: 5, new OrtSettings(IntraOpThreads: 1));

        Assert.Equal(2, stats.BatchSize);
        Assert.Equal(5, stats.Runs);
        Assert.True(stats.P10Ms > 0);
        Assert.True(stats.P10Ms <= stats.MedianMs && stats.MedianMs <= stats.P90Ms);
    }

    [Fact]
    public void Percentile_InterpolatesBetweenSortedValues()
    {
        double[] sorted = [1, 2, 3, 4, 5];

        Assert.Equal(3, OrtLatency.Percentile(sorted, 0.5), 12);
        Assert.Equal(1.4, OrtLatency.Percentile(sorted, 0.1), 12);
        Assert.Equal(4.6, OrtLatency.Percentile(sorted, 0.9), 12);
    }

    [Fact]
    public void LatencyComparison_RatioAgainstMacTarget()
    {
        var dense = new LatencyStats(32, 50, 10.0, 9, 11, 10);

        LatencyComparison slow = LatencyComparison.Of(dense, dense with { MedianMs = 4.4 }, macRatio: 0.35);
        LatencyComparison fast = LatencyComparison.Of(dense, dense with { MedianMs = 4.3 }, macRatio: 0.35);

        Assert.Equal(0.44, slow.TimeRatio, 12);
        Assert.False(slow.MeetsTarget());
        Assert.True(fast.MeetsTarget());
        Assert.Null(LatencyComparison.Of(dense, dense).MeetsTarget());
        Assert.Throws<HodecException>(() => LatencyComparison.Of(dense, dense with { BatchSize = 1 }));
    }
}
