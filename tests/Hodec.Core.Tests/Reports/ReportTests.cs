using System.Text.Json;
using Hodec.Reports;

namespace Hodec.Tests.Reports;

public class ReportTests
{
    [Fact]
    public void Create_ComputesReductionAndDelta()
    {
        var r = ReportFixture.Create();
        Assert.Equal(1 - 22_000.0 / 68_000, r.Reduction!.Params, 12);
        Assert.Equal(1 - 3_900_000.0 / 10_500_000, r.Reduction.Macs, 12);
        Assert.Equal(-0.25, r.DeltaTop1!.Value, 12);
        Assert.Equal(-0.5, Reduction.Between(new(0, 0, 100, 100), new(0, 0, 150, 100)).Params);
    }

    [Fact]
    public void Serialize_IsSnakeCase_RoundsFloats_AndKeepsRunApart()
    {
        var json = ReportJson.Serialize(ReportFixture.Create());
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(
            ["schema_version", "name", "model", "method", "baseline", "compressed", "reduction", "delta_top1", "layers", "stages", "export", "latency", "run"],
            root.EnumerateObject().Select(p => p.Name));
        var epoch = root.GetProperty("stages")[0].GetProperty("epochs")[0];
        Assert.Equal(1.23457, epoch.GetProperty("loss").GetDouble());
        Assert.Equal(0.312346, epoch.GetProperty("approx_error").GetProperty("layer1.0.conv1").GetDouble());
        Assert.Equal("2026-11-29T12:00:00+00:00", root.GetProperty("run").GetProperty("started_at").GetString());
        Assert.Equal(0.75, root.GetProperty("latency").GetProperty("points")[0].GetProperty("ratio").GetDouble());
        Assert.DoesNotContain("\"run\"", ReportJson.Serialize(ReportFixture.Create().WithoutRun()), StringComparison.Ordinal);
        Assert.DoesNotContain("slower", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_RoundTripsToTheSameJson()
    {
        var json = ReportJson.Serialize(ReportFixture.Create());
        var back = ReportJson.Deserialize(json);
        Assert.Equal(json, ReportJson.Serialize(back));
        Assert.Equal(84.1, back.Stages[1].Projection!.Top1After);
    }

    [Fact]
    public void Serialize_NonFiniteNumbers_AreWrittenAsStringsAndReadBack()
    {
        var r = ReportFixture.Create() with { DeltaTop1 = double.NaN };
        var json = ReportJson.Serialize(r);
        Assert.Contains("\"delta_top1\": \"NaN\"", json, StringComparison.Ordinal);
        Assert.True(double.IsNaN(ReportJson.Deserialize(json).DeltaTop1!.Value));
    }

    [Fact]
    public void Deserialize_Garbage_SaysWhichFile()
    {
        var e = Assert.Throws<HodecException>(() => ReportJson.Deserialize("{ nope", "runs/x/report.json"));
        Assert.StartsWith("runs/x/report.json is not a valid Hodec report", e.Message);
    }

    [Theory]
    [InlineData("{ \"name\": \"x\" }", "'model' is missing")]
    [InlineData("{ \"name\": \"x\", \"model\": \"m\", \"method\": \"dense\", \"baseline\": { \"top1\": 90 }, \"layers\": [], \"stages\": [{ \"kind\": \"train\" }] }", "'stages[0].kind or stages[0].epochs' is missing")]
    public void Deserialize_ValidJsonMissingMembers_SaysWhichFileAndMember(string json, string missing)
    {
        var e = Assert.Throws<HodecException>(() => ReportJson.Deserialize(json, "runs/x/report.json"));
        Assert.Equal($"runs/x/report.json is not a valid Hodec report ({missing}); re-run the pipeline or restore the file.", e.Message);
        Assert.Equal("runs/x/report.json", e.Location);
    }

    [Fact]
    public void Round_KeepsSixSignificantDigits()
    {
        Assert.Equal(0.123457, ReportJson.Round(0.1234567));
        Assert.Equal(1234570, ReportJson.Round(1234567.8));
        Assert.Equal(9.87654e-7, ReportJson.Round(9.876543e-7));
    }

    [Fact]
    public void Markdown_WithoutCompression_ShowsDashes_AndIncreasesAreNamed()
    {
        var dense = HodecReport.Create("d", "m", "dense", new ModelMetrics(90, 99, 10, 10), null, [], []);
        Assert.Contains("| m | dense | 90.00 | - | - | - | - |", ReportMarkdown.Render(dense), StringComparison.Ordinal);
        var grew = HodecReport.Create("c", "m", "classical TT", new ModelMetrics(90, 99, 100, 100), new ModelMetrics(88, 98, 20, 150), [], []);
        Assert.Contains("| m | classical TT | 90.00 | 88.00 | -2.00 | (increases 50.0%) | 80.0% |", ReportMarkdown.Render(grew), StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_WithRun_ListsTheVolatileFactsLast()
    {
        var md = ReportMarkdown.Render(ReportFixture.Create());
        Assert.EndsWith("- recipe: recipes/quickstart.yml\n", md, StringComparison.Ordinal);
        Assert.Contains("## Run\n\n- started: 2026-11-29 12:00:00Z\n- duration: 123.4 s\n", md, StringComparison.Ordinal);
    }
}
