using Hodec.Reports;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace Hodec.Tests.Reports;

public class ReportPlotsAndWriterTests
{
    [Fact]
    public void ApproxError_HasOneLogScaleSeriesPerLayer_WithTheEpochValues()
    {
        var model = ReportPlots.ApproxError(ReportFixture.Create())!;
        Assert.Contains(model.Axes, a => a is LogarithmicAxis { Position: AxisPosition.Left });
        var series = model.Series.Cast<LineSeries>().ToList();
        Assert.Equal(["layer1.0.conv1", "layer2.0.conv1"], series.Select(s => s.Title));
        Assert.Equal([(1.0, 0.312346), (2.0, 0.0312), (3.0, 0.000987654)], series[0].Points.Select(p => (p.X, p.Y)));
    }

    [Fact]
    public void Accuracy_ConcatenatesStagesOnOneEpochAxis()
    {
        var series = ReportPlots.Accuracy(ReportFixture.Create())!.Series.Cast<LineSeries>().ToList();
        Assert.Equal(["adal top-1", "adal loss", "retrain top-1", "retrain loss"], series.Select(s => s.Title));
        Assert.Equal([4.0, 5.0], series[2].Points.Select(p => p.X));
    }

    [Fact]
    public void Svg_IsDeterministic_AndNamesTheLayers()
    {
        var a = ReportPlots.Render(ReportFixture.Create());
        var b = ReportPlots.Render(ReportFixture.Create());
        Assert.Equal([ReportPlots.ApproxErrorFile, ReportPlots.AccuracyFile], a.Select(p => p.File));
        Assert.Equal(a, b);
        Assert.StartsWith("<?xml", a[0].Svg, StringComparison.Ordinal);
        Assert.Contains("<svg", a[0].Svg, StringComparison.Ordinal);
        Assert.Contains("layer2.0.conv1", a[0].Svg, StringComparison.Ordinal);
    }

    [Fact]
    public void Plots_WithoutAdal_OmitTheApproxErrorCurve()
    {
        var r = ReportFixture.Create() with { Stages = [new StageReport("train", [new EpochReport(1, 1, 50, 0.1)])] };
        Assert.Equal([ReportPlots.AccuracyFile], ReportPlots.Render(r).Select(p => p.File));
        Assert.DoesNotContain("approx_error.svg", ReportMarkdown.Render(r, [ReportPlots.AccuracyFile]), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ThenRerender_GivesTheSameFiles_AndLeavesNoTemporaries()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"hodec-report-{Guid.NewGuid():N}");
        try
        {
            var written = ReportWriter.Write(ReportFixture.Create(), dir);
            Assert.Equal(["accuracy.svg", "approx_error.svg", "report.json", "report.md"], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(4, written.Count);
            var before = Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();

            File.Delete(Path.Combine(dir, "report.md"));
            File.Delete(Path.Combine(dir, "approx_error.svg"));
            ReportWriter.Rerender(dir);

            Assert.Equal(before, Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(File.ReadAllText));
            Assert.Contains("![ADAL approximation error per layer](approx_error.svg)", File.ReadAllText(Path.Combine(dir, "report.md")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Rerender_WithoutReportJson_SaysWhatToPass()
    {
        var e = Assert.Throws<HodecException>(() => ReportWriter.Rerender("/nonexistent-run"));
        Assert.Equal("no report.json in '/nonexistent-run'; pass a run directory written by 'hodec run'.", e.Message);
    }
}
