using Hodec.Tool.Cli;
using Hodec.Tool.Engine;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Cli;

public sealed class GeneralCommandsTests
{
    [Fact]
    public async Task Version_PrintsToolVersion_Exit0()
    {
        CliResult result = await CliRunner.RunAsync("--version");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("0.1.0\n", result.Out);
        Assert.Equal(string.Empty, result.Error);
    }

    [Fact]
    public async Task Info_LoadsLibtorch_PrintsVersionsAndCpuDevice()
    {
        CliResult result = await CliRunner.RunAsync("info");

        Assert.Equal(0, result.ExitCode);
        string[] lines = result.Out.Split('\n');
        Assert.Equal("hodec 0.1.0", lines[0]);
        Assert.StartsWith("TorchSharp 0.107.0 (libtorch 2.10", lines[1]);
        Assert.Matches(@"^Device: cpu, [1-9]\d* thread\(s\); CUDA: not in this build$", lines[2]);
    }

    [Fact]
    public async Task Help_ListsCommandsExamplesAndExitCodes()
    {
        CliResult result = await CliRunner.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string command in new[] { "run <recipe>", "validate <recipe>", "plan <recipe>", "report <run-dir>", "compare <run-dir>", "list <datasets|models|stages>" })
        {
            Assert.Contains(command, result.Out);
        }

        Assert.Contains("Examples:\n  dotnet hodec run recipes/quickstart.yml\n", result.Out);
        Assert.Contains(ExitCodes.HelpText, result.Out);
    }

    [Fact]
    public async Task BareCommand_PrintsTheHelp_Exit0()
    {
        CliResult bare = await CliRunner.RunAsync();
        CliResult help = await CliRunner.RunAsync("--help");

        Assert.Equal(0, bare.ExitCode);
        Assert.Equal(help.Out, bare.Out);
        Assert.DoesNotContain("Required command", bare.Out + bare.Error);
        Assert.Equal(string.Empty, bare.Error);
    }

    [Fact]
    public async Task RunHelp_ShowsEveryRunOptionAndRunExamples()
    {
        CliResult result = await CliRunner.RunAsync("run", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string option in new[] { "--out <dir>", "--set <path=value>", "--resume", "--threads <n>", "--seed <n>", "--quiet", "--verbose", "--log-format <text|json>" })
        {
            Assert.Contains(option, result.Out);
        }

        Assert.Contains("--resume     # after Ctrl+C", result.Out);
        Assert.DoesNotContain("dotnet hodec list models", result.Out); // the root's examples stay on the root
    }

    [Fact]
    public async Task UnknownOption_Exit2_NamesItAndSuggestsTheClosest()
    {
        CliResult result = await CliRunner.RunAsync("run", "recipe.yml", "--treads", "4");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("Unrecognized command or argument '--treads'.", result.Error);
        Assert.Contains("'--treads' was not matched. Did you mean one of the following?\n--threads", result.Error);
        Assert.Equal(string.Empty, result.Out);
        Assert.EndsWith("Run 'dotnet hodec run --help' for usage.\n", result.Error);
    }

    [Fact]
    public async Task UnknownCommand_Exit2_SuggestsTheClosest()
    {
        CliResult result = await CliRunner.RunAsync("lst", "models");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("Unrecognized command or argument 'lst'.", result.Error);
        Assert.Contains("Did you mean one of the following?\nlist", result.Error);
    }

    [Fact]
    public async Task List_UnknownKind_Exit2_ListsTheChoices()
    {
        CliResult result = await CliRunner.RunAsync("list", "gpus");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Contains("Argument 'gpus' not recognized. Must be one of:", result.Error);
        Assert.Contains("'stages'", result.Error);
    }

    [Fact]
    public async Task List_Models_PrintsTableFromEngine()
    {
        var engine = new ScriptedEngine();

        CliResult result = await CliRunner.RunAsync(engine, "list", "models");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([CatalogKind.Models], engine.Requests);
        Assert.Contains("│ resnet20 │ ResNet-20 for 32x32 images │", result.Out);
    }

    [Fact]
    public async Task Report_MissingRunDirectory_Exit2_SaysWhatToPass()
    {
        CliResult result = await CliRunner.RunAsync(new ScriptedEngine(), "report", "no/such/run");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.StartsWith("no/such/run: error: Run directory not found: '", result.Error);
        Assert.Contains("Pass the --out of a 'hodec run'", result.Error);
    }

    [Fact]
    public async Task Report_ExistingRunDirectory_ListsRenderedFiles()
    {
        using var temp = new TempDirectory();

        CliResult result = await CliRunner.RunAsync(new ScriptedEngine(), "report", temp.Path);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"Rendered 2 file(s) in {temp.Path}:\n  report.md\n  report.json\n", result.Out);
    }
}
