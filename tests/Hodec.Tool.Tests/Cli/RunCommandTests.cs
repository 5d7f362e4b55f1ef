using System.Text.Json;
using Hodec.Tool.Cli;
using Hodec.Tool.Engine;
using Hodec.Tool.Output;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Cli;

public sealed class RunCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Recipe() => _temp.Write("tiny.hodec.yml", "model: resnet20\n");

    private string RunDirectory => Path.Combine(_temp.Path, "run");

    [Fact]
    public async Task Run_ScriptedEngine_BindsEveryOptionIntoTheRequest()
    {
        var engine = new ScriptedEngine();

        CliResult result = await CliRunner.RunAsync(engine,
            "run", Recipe(), "--out", RunDirectory, "--set", "training.epochs=2", "--set", "model.width=0.5", "--threads", "3", "--seed", "7", "--quiet");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.IsType<RunRequest>(Assert.Single(engine.Requests));
        Assert.Equal(
            new RunRequest(Recipe(), RunDirectory, request.Overrides, Resume: false, Threads: 3, Seed: 7),
            request);
        Assert.Equal([new SettingOverride("training.epochs", "2"), new SettingOverride("model.width", "0.5")], request.Overrides.ToArray());
        Assert.Equal(
            $"Done: top1 91.20%, 12.5x fewer parameters\nOutputs in {RunDirectory}:\n  model.safetensors\n  report.md\n",
            result.Out);
    }

    [Fact]
    public async Task Run_NotATerminal_WritesPlainProgressLines_AndJsonLogInRunDirectory()
    {
        var engine = new ScriptedEngine
        {
            ProgressEvents =
            [
                new TrainingProgress("pretrain", 1, 2, 1, 4, 2.5, 0.125, 0.1, 1000),
                new TrainingProgress("pretrain", 1, 2, 2, 4, 2.0, 0.25, 0.1, 1000),
                new TrainingProgress("pretrain", 1, 2, 4, 4, 1.5, 0.5, 0.1, 1000),
            ],
        };

        CliResult result = await CliRunner.RunAsync(engine, "run", Recipe(), "--out", RunDirectory);

        Assert.Equal(0, result.ExitCode);
        string[] progress = [.. result.Out.Split('\n').Where(l => l.StartsWith("pretrain:", StringComparison.Ordinal))];
        Assert.Equal(2, progress.Length); // the first event and the epoch end; the middle one falls inside the 2 s pace
        Assert.StartsWith("pretrain: epoch 1/2 batch 4/4 (50%) loss 1.5000 top1 50.00% lr 0.1 1000 samples/s ETA", progress[1]);
        Assert.Contains("INF Running ", result.Error);

        string[] logLines = File.ReadAllLines(Path.Combine(RunDirectory, CliLogging.LogFileName));
        Assert.Contains(logLines, l => JsonDocument.Parse(l).RootElement.GetProperty("@mt").GetString() == "scripted run of {Recipe}");
    }

    [Fact]
    public async Task Run_LogsHowItStarts_InWords_AndTheSummaryOnce()
    {
        CliResult plain = await CliRunner.RunAsync(new ScriptedEngine(), "run", Recipe(), "--out", RunDirectory);
        CliResult set = await CliRunner.RunAsync(new ScriptedEngine(), "run", Recipe(), "--out", RunDirectory, "--resume", "--set", "seed=3", "--set", "data.validation=0");

        Assert.Contains($"INF Running {Recipe()} into {RunDirectory}\n", plain.Error);
        Assert.Contains($"INF Running {Recipe()} into {RunDirectory}, resuming, with --set seed=3 data.validation=0\n", set.Error);
        Assert.DoesNotContain("overrides:", plain.Error + set.Error);
        // The engine logs the summary when the run finishes; the command prints it, and does not log it again.
        Assert.DoesNotContain("top1 91.20%", plain.Error);
        Assert.Contains("Done: top1 91.20%", plain.Out);
    }

    [Fact]
    public async Task Run_LogFormatJson_ConsoleLogsAreCompactJsonLines()
    {
        CliResult result = await CliRunner.RunAsync(new ScriptedEngine(), "run", Recipe(), "--out", RunDirectory, "--log-format", "json");

        Assert.Equal(0, result.ExitCode);
        string[] lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.True(JsonDocument.Parse(l).RootElement.TryGetProperty("@t", out _), l));
        Assert.Contains(lines, l => l.Contains("\"@mt\":\"scripted run of {Recipe}\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_DefaultOutput_IsRunsSlashRecipeName()
    {
        Assert.Equal(Path.Combine("runs", "tiny"), RunCommand.DefaultRunDirectory("models/tiny.hodec.yml"));
        Assert.Equal(Path.Combine("runs", "quickstart"), RunCommand.DefaultRunDirectory("recipes/quickstart.yml"));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Run_ResumeWithoutRunDirectory_Exit2_SaysWhatToPass()
    {
        CliResult result = await CliRunner.RunAsync(new ScriptedEngine(), "run", Recipe(), "--out", RunDirectory, "--resume");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.Equal(
            $"hodec: error: --resume: there is no run directory at '{RunDirectory}'. Pass the --out of the interrupted run, or start without --resume.\n",
            result.Error);
    }

    [Fact]
    public async Task Run_Cancelled_Exit130_SaysHowToResume()
    {
        using var interrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        string recipe = Recipe();
        _temp.Write("run/checkpoints/stage1.trainer.ckpt", "saved on Ctrl+C");

        CliResult result = await CliRunner.RunAsync(new ScriptedEngine { WaitForCancellation = true }, null, interrupt.Token,
            "run", recipe, "--out", RunDirectory);

        Assert.Equal(ExitCodes.Interrupted, result.ExitCode);
        Assert.EndsWith(
            $"Interrupted. The last checkpoint is in {RunDirectory}. Continue with: dotnet hodec run {recipe} --out {RunDirectory} --resume\n",
            result.Error);
    }

    [Fact]
    public async Task Run_CancelledBeforeAnything_Exit130_NamesNoCheckpoint()
    {
        using var interrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        CliResult result = await CliRunner.RunAsync(new ScriptedEngine { WaitForCancellation = true }, null, interrupt.Token, "run", Recipe(), "--out", RunDirectory);

        Assert.Equal(ExitCodes.Interrupted, result.ExitCode);
        Assert.EndsWith($"Interrupted. Nothing of the run was written to {RunDirectory} yet; run the same command again to start it.\n", result.Error);
    }

    [Fact]
    public async Task Run_EngineRefusesTheDirectory_Exit2_NamesTheFlags_AndWritesNoLog()
    {
        var existing = new ScriptedEngine { ClaimFailure = new Hodec.Pipeline.ExistingRunException(RunDirectory, ["recipe.yml", "report.json"]) };
        var inUse = new ScriptedEngine { ClaimFailure = new Hodec.Pipeline.RunDirectoryInUseException(RunDirectory, null) };

        CliResult refused = await CliRunner.RunAsync(existing, "run", Recipe(), "--out", RunDirectory);
        CliResult busy = await CliRunner.RunAsync(inUse, "run", Recipe(), "--out", RunDirectory);

        Assert.Equal(ExitCodes.InvalidInput, refused.ExitCode);
        Assert.Equal(
            $"hodec: error: '{RunDirectory}' already holds a run (recipe.yml, report.json); nothing was changed. "
            + "Continue it with --resume, start it over with --overwrite (this deletes those files), or pass another --out.\n",
            refused.Error);
        Assert.Equal(ExitCodes.InvalidInput, busy.ExitCode);
        Assert.Equal(
            $"hodec: error: '{RunDirectory}' is in use by another hodec run (process id unknown); nothing was written to it. Wait for that run to end, or pass another --out.\n",
            busy.Error);
        Assert.Empty(existing.Requests);
        Assert.False(File.Exists(Path.Combine(RunDirectory, CliLogging.LogFileName)));
    }

    [Fact]
    public async Task Run_Overwrite_IsPassedInTheRequest()
    {
        var engine = new ScriptedEngine();

        CliResult result = await CliRunner.RunAsync(engine, "run", Recipe(), "--out", RunDirectory, "--overwrite", "--quiet");

        Assert.Equal(0, result.ExitCode);
        Assert.True(Assert.Single(engine.Claims).Overwrite);
        Assert.Equal(Hodec.Pipeline.RunStart.Overwrite, Assert.IsType<RunRequest>(Assert.Single(engine.Requests)).Start);
    }

    [Fact]
    public async Task Run_UserErrorWithLocation_Exit2_FileLineColumn_NoStack()
    {
        var engine = new ScriptedEngine { RunFailure = new HodecException("weights file not found: w.pt") { Location = "r.yml:4:10" } };

        CliResult result = await CliRunner.RunAsync(engine, "run", Recipe(), "--out", RunDirectory);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.EndsWith("r.yml:4:10: error: weights file not found: w.pt\n", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public async Task Run_UnexpectedFailure_Exit1_StackOnlyWithVerbose()
    {
        var engine = new ScriptedEngine { RunFailure = new InvalidOperationException("loss became NaN") };

        CliResult quiet = await CliRunner.RunAsync(engine, "run", Recipe(), "--out", RunDirectory);
        CliResult verbose = await CliRunner.RunAsync(engine, "run", Recipe(), "--out", RunDirectory, "--verbose");

        Assert.Equal(ExitCodes.Failure, quiet.ExitCode);
        Assert.Contains("hodec: error: InvalidOperationException: loss became NaN\nRerun with --verbose for the stack trace;", quiet.Error);
        Assert.DoesNotContain("   at ", quiet.Error);
        Assert.Equal(ExitCodes.Failure, verbose.ExitCode);
        Assert.Contains("   at ", verbose.Error);
    }
}
