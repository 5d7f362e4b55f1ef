using System.Diagnostics;
using System.Text.Json;
using Hodec.Tool.Cli;
using Hodec.Tool.Engine;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Cli;

/// <summary>init, completion, --dry-run and the --json outputs of list and validate; help of every new command.</summary>
[Collection(SerialEngineCollection.Name)]
public sealed class NewCommandsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("init", "init [<dir|file>] [options]", "--dataset <name>")]
    [InlineData("evaluate", "evaluate <run-dir|model.onnx> [options]", "--split <test|validation>")]
    [InlineData("predict", "predict <run-dir|model.onnx> <image>... [options]", "-k, --top <k>")]
    [InlineData("export", "export <run-dir> [options]", "--overwrite")]
    [InlineData("runs", "runs [<dir>] [options]", "--json")]
    [InlineData("completion", "completion <shell> [options]", "bash")]
    public async Task NewCommand_Help_ShowsUsageOptionsAndExamples(string command, string usage, string option)
    {
        CliResult result = await CliRunner.RunAsync(new ScriptedEngine(), command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(usage, result.Out);
        Assert.Contains(option, result.Out);
        Assert.Contains($"Examples:\n  dotnet hodec {command}", result.Out);
        Assert.Contains(ExitCodes.HelpText, result.Out);
    }

    [Fact]
    public async Task RootHelp_ListsTheNewCommands()
    {
        CliResult result = await CliRunner.RunAsync(new ScriptedEngine(), "--help");

        foreach (string command in new[] { "init", "evaluate", "predict", "export", "runs", "completion" })
        {
            Assert.Contains($"\n  {command} ", result.Out);
        }
    }

    [Fact]
    public async Task Init_WritesACommentedRecipeThatValidates_AndNeverReplacesIt()
    {
        string file = Path.Combine(_temp.Path, "mine.yml");

        CliResult result = await CliRunner.RunAsync("init", file);
        string written = File.ReadAllText(file);
        CliResult validate = await CliRunner.RunAsync("validate", file);
        CliResult again = await CliRunner.RunAsync("init", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith($"Wrote {file}. Next:\n", result.Out);
        Assert.Contains("\nname: mine\n", written);
        Assert.Contains("  - kind: adal ", written);
        Assert.StartsWith("# A starter recipe written by 'dotnet hodec init'.", written);
        Assert.Equal(0, validate.ExitCode);
        Assert.Equal(ExitCodes.InvalidInput, again.ExitCode);
        Assert.Equal($"{file}: error: '{file}' exists already; init never replaces a file. Pass another path, or delete it first.\n", again.Error);
        Assert.Equal(written, File.ReadAllText(file));
    }

    [Theory]
    [InlineData("low-rank", "resnet20")]
    [InlineData("tucker2", "resnet20")]
    [InlineData("hodec", "lenet5")]
    public async Task Init_OtherMethodsAndModels_IntoAFolder_Validate(string format, string arch)
    {
        CliResult result = await CliRunner.RunAsync("init", _temp.Path + "/", "--format", format, "--arch", arch, "--name", $"{arch}-{format}");
        string file = Path.Combine(_temp.Path, $"{arch}-{format}.yml");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"\n  format: {format} ", File.ReadAllText(file));
        Assert.Equal(format is "hodec", File.ReadAllText(file).Contains("kind: adal", StringComparison.Ordinal));
        Assert.Equal(0, (await CliRunner.RunAsync("validate", file)).ExitCode);
    }

    [Fact]
    public async Task Init_UnknownArchitecture_Exit2_DidYouMean_WritesNothing()
    {
        string file = Path.Combine(_temp.Path, "x.yml");

        CliResult result = await CliRunner.RunAsync("init", file, "--arch", "resnet21");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.StartsWith("hodec: error: --arch 'resnet21' is not one of: lenet5, resnet20,", result.Error);
        Assert.EndsWith(" Did you mean 'resnet20'?\n", result.Error);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task DryRun_PrintsTheResolvedRecipeAsPrintRecipeDoes_ThePlanAndTheDirectory_WritesNothing()
    {
        string recipe = _temp.Write("tiny.yml", TinyRunFixture.Recipe);
        string output = Path.Combine(_temp.Path, "run");

        CliResult dry = await CliRunner.RunAsync("run", recipe, "--out", output, "--seed", "5", "--dry-run");
        CliResult print = await CliRunner.RunAsync("run", recipe, "--out", output, "--seed", "5", "--print-recipe");
        CliResult both = await CliRunner.RunAsync("run", recipe, "--dry-run", "--print-recipe");

        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.StartsWith("# Resolved recipe (the recipe.yml the run writes):\n" + print.Out + "\n", dry.Out);
        Assert.Contains("Compression plan: ", dry.Out);
        Assert.Contains("│ layer1.0.conv1 │", dry.Out);
        Assert.EndsWith($"Run directory: {output} (a new run).\nDry run: nothing was trained or written.\n", dry.Out);
        Assert.False(Directory.Exists(output));
        Assert.Equal(ExitCodes.InvalidInput, both.ExitCode);
    }

    [Fact]
    public async Task DryRun_InvalidRecipe_Exit2_WithTheDiagnostics()
    {
        string recipe = _temp.Write("bad.yml", TinyRunFixture.Recipe.Replace("arch: resnet20", "arch: resnet21", StringComparison.Ordinal));

        CliResult result = await CliRunner.RunAsync("run", recipe, "--dry-run");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("error: Unknown model 'resnet21'. Did you mean 'resnet20'?", result.Error);
        Assert.Equal(string.Empty, result.Out);
    }

    [Fact]
    public async Task DryRun_IntoADirectoryHoldingARun_SaysItWouldBeRefused()
    {
        var engine = new ScriptedEngine();
        string recipe = _temp.Write("r.yml", "version: 1\n");
        _temp.Write("run/recipe.yml", "version: 1\n");

        CliResult plain = await CliRunner.RunAsync(engine, "run", recipe, "--out", Path.Combine(_temp.Path, "run"), "--dry-run");
        CliResult resume = await CliRunner.RunAsync(engine, "run", recipe, "--out", Path.Combine(_temp.Path, "run"), "--dry-run", "--resume");

        Assert.Contains("(it holds a run: without --resume or --overwrite the run would be refused).\n", plain.Out);
        Assert.Contains("(continuing the run there).\n", resume.Out);
        Assert.Empty(engine.Claims);
    }

    [Fact]
    public async Task ListJson_IsAListOfNameAndDescription()
    {
        CliResult result = await CliRunner.RunAsync("list", "models", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        var names = json.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();
        Assert.Contains("resnet20", names);
        Assert.Contains("lenet5", names);
        Assert.All(json.RootElement.EnumerateArray(), e => Assert.False(string.IsNullOrEmpty(e.GetProperty("description").GetString())));
    }

    [Fact]
    public async Task ValidateJson_GivesTheVerdictAndEachDiagnostic_WithTheSameExitCode()
    {
        string good = _temp.Write("good.yml", TinyRunFixture.Recipe);
        string bad = _temp.Write("bad.yml", TinyRunFixture.Recipe.Replace("width: 4", "widht: 4", StringComparison.Ordinal));

        CliResult valid = await CliRunner.RunAsync("validate", good, "--json");
        CliResult invalid = await CliRunner.RunAsync("validate", bad, "--json");

        Assert.Equal(0, valid.ExitCode);
        using (var json = JsonDocument.Parse(valid.Out))
        {
            Assert.True(json.RootElement.GetProperty("valid").GetBoolean());
            Assert.Equal(0, json.RootElement.GetProperty("diagnostics").GetArrayLength());
        }

        Assert.Equal(ExitCodes.InvalidInput, invalid.ExitCode);
        Assert.Equal(string.Empty, invalid.Error);
        using (var json = JsonDocument.Parse(invalid.Out))
        {
            Assert.False(json.RootElement.GetProperty("valid").GetBoolean());
            Assert.Equal(1, json.RootElement.GetProperty("errors").GetInt32());
            var d = json.RootElement.GetProperty("diagnostics")[0];
            Assert.Equal("error", d.GetProperty("severity").GetString());
            Assert.Equal(bad, d.GetProperty("file").GetString());
            Assert.Equal(4, d.GetProperty("line").GetInt32());
            Assert.Equal(26, d.GetProperty("column").GetInt32());
            Assert.Equal("HODEC0001", d.GetProperty("code").GetString());
            Assert.Equal("unknown key 'widht' in 'model'; did you mean 'width'?", d.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task RunJson_WithScriptedEngine_StdoutIsTheJsonAlone()
    {
        var engine = new ScriptedEngine
        {
            ProgressEvents = [new TrainingProgress("train", 1, 1, 1, 1, 0.5, 0.9, 0.1, 100)],
        };
        string recipe = _temp.Write("r.yml", "version: 1\n");

        CliResult result = await CliRunner.RunAsync(engine, "run", recipe, "--out", Path.Combine(_temp.Path, "run"), "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out); // no progress line, no "Done:"
        Assert.Equal("top1 91.20%, 12.5x fewer parameters", json.RootElement.GetProperty("summary").GetString());
        Assert.Equal(["model.safetensors", "report.md"], json.RootElement.GetProperty("artifacts").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Completion_Bash_CompletesCommandsOptionsAndValues_WhenSourcedInBash()
    {
        CliResult result = await CliRunner.RunAsync(new ScriptedEngine(), "completion", "bash");
        string script = _temp.Write("hodec.bash", result.Out);

        string Complete(string words, int index) => RunBash(
            $"source '{script}'; COMP_WORDS=({words}); COMP_CWORD={index}; _hodec; echo \"${{COMPREPLY[*]}}\"");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("evaluate export", Complete("hodec e", 1).Trim());
        Assert.Equal("evaluate", Complete("hodec ev", 1).Trim());
        Assert.Equal("--split", Complete("hodec evaluate x --sp", 3).Trim());
        Assert.Equal("test validation", Complete("hodec evaluate x --split ''", 4).Trim());
        Assert.Equal("datasets models stages", Complete("hodec list ''", 2).Trim());
        Assert.Equal("status", Complete("hodec sweep st", 2).Trim());
        Assert.Equal("bash fish pwsh zsh", string.Join(' ', Complete("hodec completion ''", 2).Trim().Split(' ').Order(StringComparer.Ordinal)));
    }

    [Theory]
    [InlineData("zsh", "# zsh completion for hodec")]
    [InlineData("fish", "# fish completion for hodec")]
    [InlineData("pwsh", "# PowerShell completion for hodec")]
    public async Task Completion_OtherShells_NameEveryCommand(string shell, string start)
    {
        CliResult result = await CliRunner.RunAsync(new ScriptedEngine(), "completion", shell);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith(start, result.Out);
        foreach (string command in new[] { "run", "validate", "plan", "report", "compare", "sweep", "list", "info", "cache", "init", "evaluate", "predict", "export", "runs", "completion" })
        {
            Assert.Contains(command, result.Out);
        }

        Assert.Contains("dry-run", result.Out);
    }

    private static string RunBash(string command)
    {
        var start = new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
