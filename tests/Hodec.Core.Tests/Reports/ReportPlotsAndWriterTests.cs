using Hodec.Reports;
using Hodec.Reports.Plots;

namespace Hodec.Tests.Reports;

public class ReportPlotsAndWriterTests
{
    [Fact]
    public void ApproxError_FewLayers_HasOneLogScaleLinePerLayer_WithTheEpochValues()
    {
        var figure = ReportPlots.ApproxError(ReportFixture.Create())!;
        var panel = Assert.Single(figure.Panels);
        Assert.Equal(AxisScale.Log, panel.Left.Scale);
        Assert.Equal(["layer1.0.conv1", "layer2.0.conv1"], panel.Series.Select(s => s.Name));
        Assert.Equal(["layer1.0.conv1", "layer2.0.conv1"], figure.Legend.Select(e => e.Label));
        Assert.Equal([new(1, 0.312346), new(2, 0.0312), new(3, 0.000987654)], panel.Series[0].Points);
    }

    [Fact]
    public void ApproxError_18Layers_GroupsThemByResNetStage_AsMeanOverMinMaxBand()
    {
        var figure = ReportPlots.ApproxError(PlotFixture.Create())!;
        Assert.Equal(["layer1 (6 layers)", "layer2 (6 layers)", "layer3 (6 layers)", "line: mean over the group's layers; band: min to max"],
            figure.Legend.Select(e => e.Label));
        var series = figure.Panels[0].Series;
        Assert.Equal(["layer1: min–max", "layer1: mean", "layer2: min–max", "layer2: mean", "layer3: min–max", "layer3: mean"], series.Select(s => s.Name));
        var band = series[0];
        Assert.Equal(SeriesStyle.Band, band.Style);
        Assert.All(band.Points.Zip(band.Lower!, series[1].Points), p => Assert.True(p.Second.Y <= p.Third.Y && p.Third.Y <= p.First.Y));
    }

    [Fact]
    public void LayerGroups_ManyLayersUnderOnePrefix_FallBackToRunsOfConsecutiveLayers()
    {
        var groups = ReportPlots.LayerGroups([.. Enumerable.Range(0, 30).Select(i => $"features.{i}")]);
        Assert.Equal(6, groups.Count);
        Assert.Equal("layers 1–5: features.0 to features.4", groups[0].Label);
        Assert.Equal(30, groups.Sum(g => g.Layers.Count));
    }

    [Fact]
    public void Accuracy_ConcatenatesStagesOnOneEpochAxis_InATop1AndALossPanel()
    {
        var figure = ReportPlots.Accuracy(ReportFixture.Create())!;
        Assert.Equal(["top-1 (%)", "training loss"], figure.Panels.Select(p => p.Left.Title));
        Assert.Equal(["adal top-1", "retrain top-1", "projection"], figure.Panels[0].Series.Select(s => s.Name));
        Assert.Equal([4.0, 5.0], figure.Panels[0].Series[1].Points.Select(p => p.X));
        Assert.Equal([new(3.5, 84.25), new(3.5, 84.1)], figure.Panels[0].Series[2].Points);
        Assert.Null(figure.Panels[1].Right); // the losses share a scale
    }

    [Fact]
    public void Accuracy_AdalLossOnAnotherScale_GetsTheRightAxis()
    {
        var figure = ReportPlots.Accuracy(PlotFixture.Create())!;
        var loss = figure.Panels[1];
        Assert.Equal("train, retrain loss", loss.Left.Title);
        Assert.Equal("adal loss", loss.Right!.Title);
        Assert.Equal([false, true, false], loss.Series.Select(s => s.OnRight));
        Assert.Equal(["train", "adal (loss dashed, on the right axis)", "retrain", "projection: top-1 right before and after"], figure.Legend.Select(e => e.Label));
    }

    [Fact]
    public void Svg_IsDeterministic_AndNamesTheLayers()
    {
        var a = ReportPlots.Render(ReportFixture.Create());
        var b = ReportPlots.Render(ReportFixture.Create());
        Assert.Equal([ReportPlots.ApproxErrorFile, ReportPlots.AccuracyFile], a.Select(p => p.File));
        Assert.Equal(a, b);
        Assert.StartsWith("<?xml", a[0].Svg, StringComparison.Ordinal);
        Assert.DoesNotContain("dominant-baseline", a[0].Svg + a[1].Svg, StringComparison.Ordinal);
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
        var e = Assert.Throws<MissingReportException>(() => ReportWriter.Rerender("/nonexistent-run"));
        Assert.Equal("/nonexistent-run", e.Directory);
        Assert.Equal("no report.json in '/nonexistent-run'; pass the directory of a run.", e.Message);
    }
}
