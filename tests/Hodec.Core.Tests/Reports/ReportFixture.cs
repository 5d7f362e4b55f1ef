using Hodec.Reports;

namespace Hodec.Tests.Reports;

/// <summary>A fixed, hand-made report: a small ResNet with two compressed layers, ADAL -> project -> retrain -> evaluate -> export, against a dense reference.</summary>
internal static class ReportFixture
{
    public static HodecReport Create(bool withRun = true)
    {
        var layers = new List<LayerReport>
        {
            new("layer1.0.conv1", "hodec", [16, 28, 28], [16, 28, 28], 3, 1, new([4, 4], [4, 4]), [4, 8, 8, 4], 2304, 528, 1806336, 658560, "tt"),
            new("layer2.0.conv1", "hodec", [16, 28, 28], [32, 14, 14], 3, 2, new([4, 4], [4, 8]), [4, 16, 16, 4], 4608, 1888, 903168, 1141504, "tt"),
        };
        var adal = new StageReport("adal",
        [
            new(1, 1.2345678, 71.23456, 0.05, new Dictionary<string, double> { ["layer1.0.conv1"] = 0.31234567, ["layer2.0.conv1"] = 0.4 }),
            new(2, 0.8123, 80.5, 0.025, new Dictionary<string, double> { ["layer1.0.conv1"] = 0.0312, ["layer2.0.conv1"] = 0.05 }),
            new(3, 0.6001, 84.25, 1.0e-7, new Dictionary<string, double> { ["layer1.0.conv1"] = 0.0009876543, ["layer2.0.conv1"] = 0.002 }),
        ]);
        var project = new StageReport("project", [], new ProjectionReport(84.25, 84.1, "validation"));
        var retrain = new StageReport("retrain",
        [
            new(1, 0.55, 85.0, 0.01, null),
            new(2, 0.5, 85.75, 0.005, null),
        ]);
        var run = withRun ? new RunInfo(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 29, 12, 2, 3, TimeSpan.Zero), 123.4,
            "host", "linux", "10.0.0", "0.1.0", "2.10.0", 2, "/tmp/run", "recipes/quickstart.yml", "abc123") : null;
        return HodecReport.Create("quickstart", "ResNet-20 (w8) / Fashion-MNIST", "HODEC",
            new ModelMetrics(85.75, 99.25, 22_000, 3_900_000, "test", 5),
            new ModelMetrics(84.25, 99.5, 68_000, 10_500_000, "validation", 3),
            new DenseCosts(68_000, 10_500_000),
            new ReferenceReport("/runs/quickstart-dense", "quickstart-dense", 86.0, 5),
            layers, [adal, project, retrain, new StageReport("evaluate", [])],
            new ExportReport([new ExportedFile("onnx", "export/model.onnx", 123_456, 2.5e-6)]),
            new LatencyReport(
            [
                new LatencyPoint(1, 2.0, 1.5), new LatencyPoint(32, 20.0, 16.0),
                new LatencyPoint(1, 1.0, 0.9, LatencyPoint.OnnxRuntime), new LatencyPoint(32, 10.0, 7.5, LatencyPoint.OnnxRuntime),
            ], 2),
            run);
    }
}
