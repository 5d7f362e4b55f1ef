using Hodec.Tool.Cli;
using Hodec.Tool.Engine;
using Hodec.Tool.Tests.Support;
using Snapshooter.Xunit;

namespace Hodec.Tool.Tests.Cli;

public sealed class PlanCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static ScriptedEngine EngineWithPlan() => new()
    {
        Plan = new CompressionPlan("resnet20",
        [
            new LayerPlan("layer1.0.conv1", "16x16x3x3", "[4,4]x[4,4]x[3x3]", "1,8,8,1", 2304, 592, 2359296, 606208),
            new LayerPlan("fc", "64x10", "[8,8]x[10]", "1,4,1", 640, 288, 640, 288),
        ], "{ \"layers\": [] }"),
    };

    [Fact]
    public async Task Plan_Table_MatchesSnapshot()
    {
        string recipe = _temp.Write("r.yml", "model: resnet20\n");

        var result = await CliRunner.RunAsync(EngineWithPlan(), "plan", recipe);

        Assert.Equal(0, result.ExitCode);
        Snapshot.Match(result.Out);
    }

    [Fact]
    public async Task Plan_Table_EndsWithTheLayersLeftDense()
    {
        string recipe = _temp.Write("r.yml", "model: mobilenet_v2\n");
        var engine = new ScriptedEngine { Plan = EngineWithPlan().Plan with { Skipped = ["features.1.conv.0.0 (Conv2d 32->32, groups 32) stays dense: a grouped (depthwise) conv is not a decomposition candidate"] } };

        var result = await CliRunner.RunAsync(engine, "plan", recipe);

        Assert.Equal(0, result.ExitCode);
        // The console wraps long lines at its width (80 here); unwrapped, the note is the last line.
        Assert.EndsWith("Skipped: features.1.conv.0.0 (Conv2d 32->32, groups 32) stays dense: a grouped (depthwise) conv is not a decomposition candidate", result.Out.Replace("\n", "").TrimEnd());
    }

    [Fact]
    public async Task Plan_Json_IsThePlansOwnJson()
    {
        string recipe = _temp.Write("r.yml", "model: resnet20\n");

        var result = await CliRunner.RunAsync(EngineWithPlan(), "plan", recipe, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("{ \"layers\": [] }\n", result.Out);
    }

    [Theory]
    [InlineData("200", false, 80, 200)]   // COLUMNS wins, also when piped
    [InlineData(null, true, 100, 100)]    // a terminal's own width
    [InlineData(null, false, 80, HodecCliHost.UnwrappedWidth)] // a pipe: no width to wrap at
    [InlineData("abc", false, 80, HodecCliHost.UnwrappedWidth)]
    public void TableWidth_IsColumns_ElseTheTerminals_ElseUnwrapped(string? columns, bool terminal, int detected, int expected)
    {
        var host = HodecCliHost.ForConsole(new ScriptedEngine());

        Assert.Equal(expected, host.Width(columns, terminal, detected));
    }
}
