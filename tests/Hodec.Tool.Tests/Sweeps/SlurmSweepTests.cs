using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Hodec.Pipeline;
using Hodec.Sweeps;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Sweeps;

/// <summary>
/// Runs only where a Slurm answers (build/slurm-up.sh starts a one-node one as root). HODEC_TEST_SLURM=1 (set by
/// .ci/run) makes it required: it then runs, and fails when there is no Slurm. HODEC_TEST_SLURM=0 turns it off.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        string? wanted = Environment.GetEnvironmentVariable("HODEC_TEST_SLURM");
        if (wanted == "0")
        {
            Skip = "HODEC_TEST_SLURM=0 turns the Slurm sweep test off.";
        }
        else if (wanted != "1" && SlurmProbe.Problem is { } problem)
        {
            Skip = $"No Slurm here ({problem}). Start a one-node Slurm with 'sudo build/slurm-up.sh' to run it; CI sets HODEC_TEST_SLURM=1, which requires it.";
        }
    }
}

/// <summary>Whether sinfo answers with a node that takes jobs.</summary>
public static class SlurmProbe
{
    private static readonly Lazy<string?> Checked = new(() =>
    {
        try
        {
            var (code, output) = Run("sinfo", "-h", "-o", "%t");
            return code != 0 ? $"sinfo exited {code}: {output.Trim()}"
                : Regex.IsMatch(output, "^(idle|mix|alloc)", RegexOptions.Multiline) ? null
                : $"sinfo shows no node that takes jobs: '{output.Trim()}'";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "sinfo is not installed";
        }
    });

    public static string? Problem => Checked.Value;

    public static (int Code, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            return (-1, $"{file} timed out");
        }
        return (process.ExitCode, output.Result + error);
    }
}

/// <summary>
/// The acceptance sweep on a real Slurm: one job array of four tasks; one task is cancelled with scancel once its
/// first checkpoint exists, the sweep is submitted again, and that task resumes from the checkpoint.
/// </summary>
public sealed class SlurmSweepTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [SlurmFact]
    public async Task Slurm_FourReports_CancelledTaskResumesFromItsCheckpoint_CompareAggregatesSeeds()
    {
        Assert.True(SlurmProbe.Problem is null, $"HODEC_TEST_SLURM=1 requires a running Slurm: {SlurmProbe.Problem}");
        string sweep = TinySweep.Write(_temp, "  slurm: { cpus: 1, time: \"00:10:00\" }");
        string dir = _temp.File("runs");

        CliResult submitted = await CliRunner.RunAsync("sweep", sweep, "--out", dir, "--executor", "slurm");
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        Assert.Contains("Slurm: 4 of 4 runs to submit", submitted.Out);
        string job = Regex.Match(submitted.Out, @"Submitted job array (\d+)").Groups[1].Value;
        Assert.NotEmpty(job);

        // The first task seen with its first checkpoint (the end of its training epoch) and no final report is
        // stopped at once (SIGSTOP, so it cannot finish meanwhile), then cancelled: Slurm continues it and sends SIGTERM.
        var runs = SweepPlan.ReadIndex(dir);
        SweepRun? victim = null;
        var clock = Stopwatch.StartNew();
        while (victim is null && clock.Elapsed < Patience)
        {
            foreach (var run in runs)
            {
                if (File.Exists(Path.Combine(run.Directory, "checkpoints", "stage1.trainer.ckpt")) && !RunState.IsFinished(run.Directory)
                    && ReadPid(run.Directory) is int pid && Signal("STOP", pid))
                {
                    if (RunState.IsFinished(run.Directory))
                    {
                        Signal("CONT", pid);
                        continue;
                    }
                    var (code, output) = SlurmProbe.Run("scancel", $"{job}_{run.Index}");
                    Assert.True(code == 0, $"scancel: {output}");
                    victim = run;
                    break;
                }
            }
            await Task.Delay(10);
        }
        Assert.True(victim is not null, $"no task was caught between its first checkpoint and its end in {Patience}");
        await WaitForJob(job);

        Assert.Equal(RunPhase.Stopped, RunState.Of(victim.Directory).Phase);
        Assert.All(runs.Where(r => r != victim), r => Assert.True(RunState.IsFinished(r.Directory), $"{r.Name} did not finish"));
        Assert.True(File.Exists(Path.Combine(victim.Directory, "checkpoints", "stage1.trainer.ckpt")));

        // Submitted again: only the cancelled run goes, and it continues from its checkpoint.
        CliResult again = await CliRunner.RunAsync("sweep", sweep, "--out", dir, "--executor", "slurm");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("Slurm: 1 of 4 runs to submit (3 finished, 0 running)", again.Out);
        string job2 = Regex.Match(again.Out, @"Submitted job array (\d+) \(tasks (\d+)\)").Groups[1].Value;
        Assert.Contains($"(tasks {victim.Index})", again.Out);
        await WaitForJob(job2);

        foreach (var run in runs)
        {
            Assert.True(RunState.IsFinished(run.Directory), $"{run.Name}: no final report; slurm output:\n{SlurmOutput(dir)}");
        }
        string log = File.ReadAllText(Path.Combine(victim.Directory, "hodec.log.jsonl"));
        Assert.Single(Regex.Matches(log, "\"Stage\":\"train\",\"Epoch\":1,")); // the epoch was trained once, not again
        Assert.Contains("\"resumes\"", File.ReadAllText(Path.Combine(victim.Directory, RunDirectory.EnvironmentFile)));
        Assert.Contains("\"How\":\", resuming", log); // the first log line: "Running ... into ..., resuming"

        CliResult compare = await CliRunner.RunAsync("compare", dir);
        Assert.True(compare.ExitCode == 0, compare.ToString());
        Assert.Contains("| budget=0.3 (2 seeds) |", compare.Out);
        Assert.Contains("| budget=0.5 (2 seeds) |", compare.Out);
        Assert.Contains(" ± ", compare.Out);
    }

    private static int? ReadPid(string directory)
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(directory, RunDirectoryClaim.OwnerFile)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool Signal(string signal, int pid) => SlurmProbe.Run("kill", $"-{signal}", pid.ToString(CultureInfo.InvariantCulture)).Code == 0;

    private static async Task WaitForJob(string job)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            var (code, output) = SlurmProbe.Run("squeue", "-h", "-j", job);
            if (code == 0 && output.Trim().Length == 0 || code != 0 && output.Contains("Invalid job id", StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(500);
        }
        Assert.Fail($"Slurm job {job} did not end in {Patience}: {SlurmProbe.Run("squeue").Output}");
    }

    private static string SlurmOutput(string dir) => string.Join("\n", Directory.EnumerateFiles(Path.Combine(dir, "slurm"), "*.out").Select(f => $"== {f}\n{File.ReadAllText(f)}"));
}
