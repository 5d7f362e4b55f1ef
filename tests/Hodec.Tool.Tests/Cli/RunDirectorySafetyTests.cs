using System.Diagnostics;
using System.Security.Cryptography;
using Hodec.Pipeline;
using Hodec.Tool.Cli;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Cli;

/// <summary>
/// Run directories are the user's data: a rerun is refused and changes nothing, a live run locks its directory
/// against other processes, a killed run's lock does not block --resume, damaged checkpoints are named with what to do.
/// Real engine; the lock and kill cases use real child processes (hodec.dll from this test's output folder).
/// </summary>
[Collection(SerialEngineCollection.Name)]
public sealed class RunDirectorySafetyTests : IDisposable
{
    // Two short stages (one training epoch on 256 images), so a finished run takes a few seconds.
    private static readonly string Tiny = TinyRecipes.Header(seed: 5, test: 128) + """
        stages:
          - kind: train
            epochs: 1
          - kind: evaluate
        """;

    private static readonly TimeSpan ChildTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string RunDirectory => _temp.File("run");

    [Fact]
    public async Task Rerun_IntoAFinishedDirectory_Exit2_NamesResumeAndOverwrite_AndChangesNothing()
    {
        string recipe = _temp.Write("tiny.yml", Tiny);
        CliResult first = await CliRunner.RunAsync("run", recipe, "--out", RunDirectory, "--quiet");
        Assert.True(first.ExitCode == 0, first.ToString());
        var before = Files(RunDirectory);

        CliResult again = await CliRunner.RunAsync("run", recipe, "--out", RunDirectory, "--quiet");

        Assert.Equal(ExitCodes.InvalidInput, again.ExitCode);
        Assert.StartsWith($"hodec: error: '{RunDirectory}' already holds a run (recipe.yml, environment.json, checkpoints, report.json, report.md", again.Error);
        Assert.EndsWith(
            "); nothing was changed. Continue it with --resume, start it over with --overwrite (this deletes those files), or pass another --out.\n",
            again.Error);
        Assert.DoesNotContain("   at ", again.Error);
        Assert.Equal(before, Files(RunDirectory)); // same files, same bytes, same modification times (the log included)
    }

    [Fact]
    public async Task Overwrite_StartsOver_DeletingTheEarlierRunsFiles_AndKeepingOthers()
    {
        string recipe = _temp.Write("tiny.yml", Tiny);
        Assert.Equal(0, (await CliRunner.RunAsync("run", recipe, "--out", RunDirectory, "--quiet")).ExitCode);
        File.WriteAllText(Path.Combine(RunDirectory, "checkpoints", "stage9.trainer.ckpt"), "left by an earlier recipe");
        File.WriteAllText(Path.Combine(RunDirectory, "notes.txt"), "the user's own file");
        string oldLog = File.ReadAllText(Path.Combine(RunDirectory, "hodec.log.jsonl"));

        CliResult result = await CliRunner.RunAsync("run", recipe, "--out", RunDirectory, "--overwrite", "--quiet");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.False(File.Exists(Path.Combine(RunDirectory, "checkpoints", "stage9.trainer.ckpt")));
        Assert.Equal("the user's own file", File.ReadAllText(Path.Combine(RunDirectory, "notes.txt")));
        Assert.True(File.Exists(Path.Combine(RunDirectory, "report.json")));
        Assert.DoesNotContain(oldLog.Split('\n')[0], File.ReadAllText(Path.Combine(RunDirectory, "hodec.log.jsonl")));

        CliResult both = await CliRunner.RunAsync("run", recipe, "--out", RunDirectory, "--overwrite", "--resume");
        Assert.Equal(ExitCodes.InvalidInput, both.ExitCode);
        Assert.Contains("--resume and --overwrite exclude each other", both.Error);
    }

    [Fact]
    public void SecondProcess_WhileThisProcessHoldsTheDirectory_Exit2_NamesTheDirectoryAndThePid_AndWritesNothing()
    {
        string recipe = _temp.Write("tiny.yml", Tiny);
        using (var held = RunDirectoryClaim.Take(RunDirectory, RunStart.New))
        {
            var (code, output) = Hodec(["run", recipe, "--out", RunDirectory]);

            Assert.True(code == ExitCodes.InvalidInput, output);
            Assert.Contains(
                $"hodec: error: '{RunDirectory}' is in use by another hodec run (process {Environment.ProcessId}); nothing was written to it. "
                + "Wait for that run to end, or pass another --out.", output);
            Assert.Equal([RunDirectoryClaim.LockFile, RunDirectoryClaim.OwnerFile], Directory.EnumerateFileSystemEntries(RunDirectory).Select(Path.GetFileName).Order());
            Assert.Throws<RunDirectoryInUseException>(() => RunDirectoryClaim.Take(RunDirectory, RunStart.Resume)); // also within one process
        }

        Assert.False(File.Exists(Path.Combine(RunDirectory, RunDirectoryClaim.OwnerFile)));
        RunDirectoryClaim.Take(RunDirectory, RunStart.New).Dispose(); // released
    }

    [Fact]
    public async Task KilledRun_LockedWhileAlive_ThenResumeSucceeds_TheStaleLockFileDoesNotBlock()
    {
        // Long enough to be killed in the middle of its training (an epoch takes about half a second, a checkpoint after each).
        string recipe = _temp.Write("long.yml", Tiny.Replace("epochs: 1", "epochs: 10", StringComparison.Ordinal));
        using var child = StartHodec(["run", recipe, "--out", RunDirectory, "--quiet"]);
        try
        {
            string checkpoint = Path.Combine(RunDirectory, "checkpoints", "stage1.trainer.ckpt");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && !child.HasExited && clock.Elapsed < ChildTimeout)
            {
                Thread.Sleep(50);
            }

            Assert.True(File.Exists(checkpoint), $"no checkpoint after {clock.Elapsed}; exited: {child.HasExited}");
            Assert.False(child.HasExited, "the run ended before it could be killed");

            // A second run into the same directory, while the first is alive: refused, naming the first's process id.
            CliResult second = await CliRunner.RunAsync("run", recipe, "--out", RunDirectory, "--resume", "--quiet");
            Assert.Equal(ExitCodes.InvalidInput, second.ExitCode);
            Assert.Contains($"'{RunDirectory}' is in use by another hodec run (process {child.Id})", second.Error);
        }
        finally
        {
            child.Kill(); // SIGKILL: no handler runs, the lock file and the owner file stay behind
            child.WaitForExit();
        }

        Assert.True(File.Exists(Path.Combine(RunDirectory, RunDirectoryClaim.LockFile)));
        CliResult resumed = await CliRunner.RunAsync("run", recipe, "--out", RunDirectory, "--resume", "--quiet");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("\"kind\": \"evaluate\"", File.ReadAllText(Path.Combine(RunDirectory, "report.json")));
    }

    [Fact]
    public async Task Resume_WithATruncatedModelCheckpoint_Exit2_NamesTheFile_AndSaysToStartOver()
    {
        string recipe = _temp.Write("tiny.yml", Tiny);
        Assert.Equal(0, (await CliRunner.RunAsync("run", recipe, "--out", RunDirectory, "--quiet")).ExitCode);
        string model = Path.Combine(RunDirectory, "checkpoints", "model-after-stage2.dat");
        long size = new FileInfo(model).Length;
        using (var stream = new FileStream(model, FileMode.Open))
        {
            stream.SetLength(size / 2);
        }

        CliResult result = await CliRunner.RunAsync("run", recipe, "--out", RunDirectory, "--resume", "--quiet");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.EndsWith(
            $"error: The checkpoint '{model}' is truncated: {size / 2} bytes, {size} recorded when it was written, so the run cannot continue from it. "
            + "Start the run over with --overwrite (this deletes the run's files), or pass another --out.\n",
            result.Error);
        Assert.DoesNotContain("EndOfStream", result.Error);
    }

    [Fact]
    public async Task Resume_WithADamagedTrainerCheckpoint_Exit2_SaysWhatToDelete_AndDoingSoRestartsTheStage()
    {
        string recipe = _temp.Write("tiny.yml", Tiny);
        Assert.Equal(0, (await CliRunner.RunAsync("run", recipe, "--out", RunDirectory, "--quiet")).ExitCode);
        // As a run killed during stage 1 leaves it (no stage finished), with one byte of the stage's checkpoint changed.
        File.Delete(Path.Combine(RunDirectory, "checkpoints", "pipeline.json"));
        string checkpoint = Path.Combine(RunDirectory, "checkpoints", "stage1.trainer.ckpt");
        byte[] bytes = File.ReadAllBytes(checkpoint);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(checkpoint, bytes);

        CliResult result = await CliRunner.RunAsync("run", recipe, "--out", RunDirectory, "--resume", "--quiet");

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.EndsWith(
            $"error: The checkpoint '{checkpoint}' is damaged: its SHA-256 differs from the one recorded when it was written. "
            + $"To restart stage 1 from its beginning (the stages before it are kept), delete '{checkpoint}' and run the same command with --resume again; "
            + "or start the whole run over with --overwrite.\n",
            result.Error);

        File.Delete(checkpoint);
        CliResult resumed = await CliRunner.RunAsync("run", recipe, "--out", RunDirectory, "--resume", "--quiet");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
    }

    // Every file under the directory: its SHA-256 and last write time.
    private static SortedDictionary<string, string> Files(string directory) => new(
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(directory, f),
            f => $"{Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))} {File.GetLastWriteTimeUtc(f):O}"),
        StringComparer.Ordinal);

    private static string HodecDll => Path.Combine(AppContext.BaseDirectory, "hodec.dll");

    private static (int ExitCode, string Output) Hodec(IEnumerable<string> arguments) =>
        ProcessRunner.Run("dotnet", [HodecDll, .. arguments], AppContext.BaseDirectory, ChildTimeout);

    private static Process StartHodec(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(HodecDll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start hodec");
        _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
        return process;
    }
}
