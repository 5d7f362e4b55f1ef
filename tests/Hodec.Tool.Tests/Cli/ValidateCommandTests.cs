using Hodec.Tool.Cli;
using Hodec.Tool.Engine;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Cli;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Validate_MissingRecipe_Exit2_NamesTheFullPath()
    {
        CliResult result = await CliRunner.RunAsync(new ScriptedEngine(), "validate", "missing.yml");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Equal(
            $"missing.yml: error: Recipe not found: '{Path.GetFullPath("missing.yml")}'. Check the path; bundled examples live in recipes/.\n",
            result.Error);
    }

    [Fact]
    public async Task Validate_Diagnostics_PrintedAsFileLineColumn_Exit2()
    {
        string recipe = _temp.Write("r.yml", "model: resnet20\n");
        var engine = new ScriptedEngine
        {
            Validation = new([
                new Diagnostic(DiagnosticSeverity.Error, "r.yml", 3, 5, "unknown key 'epochz'; did you mean 'epochs'?"),
                new Diagnostic(DiagnosticSeverity.Warning, "r.yml", 7, 1, "ranks above 64 rarely pay off"),
            ]),
        };

        CliResult result = await CliRunner.RunAsync(engine, "validate", recipe);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Equal(
            "r.yml:3:5: error: unknown key 'epochz'; did you mean 'epochs'?\n"
            + "r.yml:7:1: warning: ranks above 64 rarely pay off\n"
            + $"{recipe}: 1 error(s), 1 warning(s). Fix the lines above and validate again.\n",
            result.Error);
        Assert.Equal(string.Empty, result.Out);
    }

    [Fact]
    public async Task Validate_MSBuildErrorFormat_PrintsCanonicalLines()
    {
        string recipe = _temp.Write("r.yml", "model: resnet20\n");
        var engine = new ScriptedEngine
        {
            Validation = new([new Diagnostic(DiagnosticSeverity.Error, "r.yml", 3, 5, "bad value")]),
        };

        CliResult result = await CliRunner.RunAsync(engine, "validate", recipe, "--error-format", "msbuild");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.StartsWith("r.yml(3,5): error HODEC0001: bad value\n", result.Error);
    }

    [Fact]
    public async Task Validate_CleanRecipe_Exit0_PassesOverridesInOrder()
    {
        string recipe = _temp.Write("r.yml", "model: resnet20\n");
        var engine = new ScriptedEngine();

        CliResult result = await CliRunner.RunAsync(engine, "validate", recipe, "--set", "training.epochs=3", "-s", "compression.note=a=b");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{recipe}: valid (0 warning(s)).\n", result.Out);
        var request = Assert.IsType<ValidateRequest>(Assert.Single(engine.Requests));
        Assert.Equal(
            [new SettingOverride("training.epochs", "3"), new SettingOverride("compression.note", "a=b")],
            request.Overrides.ToArray());
    }

    [Fact]
    public async Task Validate_MalformedSet_Exit2_ShowsTheExpectedShape()
    {
        string recipe = _temp.Write("r.yml", "model: resnet20\n");

        CliResult result = await CliRunner.RunAsync(new ScriptedEngine(), "validate", recipe, "--set", "epochs");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Equal("hodec: error: --set expects path=value (for example --set stages.retrain.epochs=3), got 'epochs'.\n", result.Error);
    }
}
