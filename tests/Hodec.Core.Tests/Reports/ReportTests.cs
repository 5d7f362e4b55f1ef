using System.Text.Json;
using Hodec.Reports;

namespace Hodec.Tests.Reports;

public class ReportTests
{
    [Fact]
    public void Create_ComputesReductionAgainstDense_AndDeltaAgainstTheReference()
    {
        var r = ReportFixture.Create();
        Assert.Equal(1 - 22_000.0 / 68_000, r.Reduction!.Params, 12);
        Assert.Equal(1 - 3_900_000.0 / 10_500_000, r.Reduction.Macs, 12);
        Assert.Equal(85.75 - 86.0, r.DeltaTop1!.Value, 12);
        Assert.Equal(-0.5, Reduction.Between(new(100, 100), new(0, 0, 150, 100)).Params);
    }

    [Fact]
    public void Create_WithoutAReference_HasNoDelta()
    {
        var r = ReportFixture.Create();
        var alone = HodecReport.Create(r.Name, r.Model, r.Method, r.Final, r.PreProjection, r.Dense, null, r.Layers, r.Stages);

        Assert.Null(alone.DeltaTop1);
        Assert.NotNull(alone.Reduction);
        Assert.DoesNotContain("delta_top1", ReportJson.Serialize(alone), StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_SchemaOne_IsRefusedWithWhatToDo()
    {
        var old = ReportJson.Serialize(ReportFixture.Create()).Replace("\"schema_version\": 2", "\"schema_version\": 1", StringComparison.Ordinal);

        var e = Assert.Throws<HodecException>(() => ReportJson.Deserialize(old, "runs/old/report.json"));

        Assert.Equal("runs/old/report.json has report schema 1, written by an older Hodec; this release reads schema 2. Run the recipe again to compare it.", e.Message);
    }

    [Fact]
    public void Serialize_IsSnakeCase_RoundsFloats_AndKeepsRunApart()
    {
        var json = ReportJson.Serialize(ReportFixture.Create());
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(
            ["schema_version", "name", "model", "method", "final", "pre_projection", "dense", "reference", "reduction", "delta_top1", "layers", "stages", "export", "latency", "run"],
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
    [InlineData("{ \"name\": \"x\", \"model\": \"m\", \"method\": \"dense\", \"final\": { \"top1\": 90 }, \"dense\": { \"params\": 1, \"macs\": 1 }, \"layers\": [], \"stages\": [{ \"kind\": \"train\" }] }", "'stages[0].kind or stages[0].epochs' is missing")]
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
        var dense = HodecReport.Create("d", "m", "dense", new ModelMetrics(90, 99, 10, 10, "test", 4), null, new(10, 10), null, [], []);
        Assert.Contains("| m | dense | - | 90.00 | - | - | - |", ReportMarkdown.Render(dense), StringComparison.Ordinal);
        var grew = HodecReport.Create("c", "m", "classical TT", new ModelMetrics(88, 98, 20, 150, "test", 4), new ModelMetrics(80, 97, 100, 100, "validation", 2),
            new(100, 100), new ReferenceReport("/r", "d", 90, 4), [], []);
        Assert.Contains("| m | classical TT | 90.00 | 88.00 | -2.00 | (increases 50.0%) | 80.0% |", ReportMarkdown.Render(grew), StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_StagesFromOne_NoEmptyColumn_SlowerInTheMacsCell_TorchSharpNamed()
    {
        var md = ReportMarkdown.Render(ReportFixture.Create());

        Assert.Contains("\n| 1 | adal | 3 |", md, StringComparison.Ordinal);
        Assert.Contains("\n| 4 | evaluate | 0 |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("| |", md, StringComparison.Ordinal);
        Assert.Contains("| 903.2K -> 1.14M (**slower**) | tt |\n", md, StringComparison.Ordinal);
        Assert.Contains("- TorchSharp: 2.10.0\n", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_SaysWhatIsComparedWithWhat()
    {
        var md = ReportMarkdown.Render(ReportFixture.Create());
        Assert.Contains("| dense reference (quickstart-dense) | test | 5 | 86.00 | - | - | - |\n", md, StringComparison.Ordinal);
        Assert.Contains("| dense, before projection | validation | 3 | 84.25 | 99.50 | 68.0K | 10.5M |\n", md, StringComparison.Ordinal);
        Assert.Contains("| final, compressed | test | 5 | 85.75 | 99.25 | 22.0K | 3.90M |\n", md, StringComparison.Ordinal);
        Assert.Contains("The delta compares the final model with the dense reference run `quickstart-dense`, both trained for 5 epochs and measured on the test split.", md, StringComparison.Ordinal);

        var r = ReportFixture.Create();
        var alone = ReportMarkdown.Render(HodecReport.Create(r.Name, r.Model, r.Method, r.Final, r.PreProjection, r.Dense, null, r.Layers, r.Stages));
        Assert.Contains("| ResNet-20 (w8) / Fashion-MNIST | HODEC | - | 85.75 | - | 62.9% | 67.6% |", alone, StringComparison.Ordinal);
        Assert.Contains("No dense reference of equal budget was named", alone, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_WithRun_ListsTheVolatileFactsLast()
    {
        var md = ReportMarkdown.Render(ReportFixture.Create());
        Assert.EndsWith("- recipe: recipes/quickstart.yml\n", md, StringComparison.Ordinal);
        Assert.Contains("## Run\n\n- started: 2026-11-29 12:00:00Z\n- duration: 123.4 s\n", md, StringComparison.Ordinal);
    }
}
