using System.Diagnostics;
using System.Globalization;
using System.Text;
using Hodec.Sweeps;

namespace Hodec.Tool.Sweeps.Slurm;

/// <summary>
/// Submits a sweep as one Slurm job array (<c>sbatch --array</c>): array task <c>i</c> runs the sweep's run
/// <c>i</c> with <c>hodec run ... --out &lt;its directory&gt; --resume-or-start</c>. The script asks for requeueing,
/// so a preempted or requeued task continues from its checkpoint, and a finished run's task exits at once. Only the
/// unfinished runs that no live process holds are submitted, so a re-submitted sweep runs what is left.
/// </summary>
internal static class SlurmExecutor
{
    /// <summary>The folder in the sweep directory that holds the job script and the tasks' console output.</summary>
    public const string Folder = "slurm";

    /// <summary>The job script's file name.</summary>
    public const string ScriptFile = "sweep.sbatch";

    /// <summary>The job script for the array tasks <paramref name="indices"/> of <paramref name="runs"/>.</summary>
    public static string Script(string name, IReadOnlyList<SweepRun> runs, IReadOnlyCollection<int> indices, SlurmSettings settings, string sweepDirectory, IReadOnlyList<string> hodec)
    {
        var text = new StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');
        Line("#!/bin/bash");
        Line($"#SBATCH --job-name=hodec-{name}");
        Line($"#SBATCH --array={ArraySpec(indices)}{(settings.Parallel is int p ? $"%{p}" : "")}");
        Line($"#SBATCH --cpus-per-task={settings.Cpus}");
        if (settings.Partition is { } partition)
        {
            Line($"#SBATCH --partition={partition}");
        }
        if (settings.Time is { } time)
        {
            Line($"#SBATCH --time={time}");
        }
        if (settings.Mem is { } mem)
        {
            Line($"#SBATCH --mem={mem}");
        }
        Line($"#SBATCH --output={Path.Combine(sweepDirectory, Folder, "%A_%a.out")}");
        Line("#SBATCH --open-mode=append");
        Line("#SBATCH --requeue");
        foreach (var option in settings.Options.IsDefault ? [] : settings.Options)
        {
            Line($"#SBATCH {option}");
        }
        Line($"# Written by hodec sweep. Array task i runs run i of {Path.Combine(sweepDirectory, SweepPlan.IndexFile)}.");
        Line("# --resume-or-start: a requeued or re-submitted task continues its run from its checkpoint; a finished run is left as it is.");
        Line("set -eu");
        if (settings.Setup is { } setup)
        {
            Line(setup);
        }
        Line("case \"$SLURM_ARRAY_TASK_ID\" in");
        foreach (var run in runs)
        {
            Line($"  {run.Index.ToString(CultureInfo.InvariantCulture)}) exec {SweepTask.ShellLine(hodec.Concat(SweepTask.Arguments(run, settings.Cpus)))} ;;");
        }
        Line("  *) echo \"hodec sweep: no run has index $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;");
        Line("esac");
        return text.ToString();
    }

    /// <summary>0,2-4,7: the indices in ranges.</summary>
    public static string ArraySpec(IEnumerable<int> indices)
    {
        var sorted = indices.Distinct().Order().ToList();
        var parts = new List<string>();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }
            parts.Add(i == j ? sorted[i].ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{sorted[i]}-{sorted[j]}"));
            i = j + 1;
        }
        return string.Join(',', parts);
    }

    /// <summary>Writes the script and, unless <paramref name="dryRun"/>, submits it; returns the job id (null when nothing was submitted).</summary>
    public static string? Submit(string name, IReadOnlyList<SweepRun> runs, SlurmSettings settings, string sweepDirectory, bool dryRun, TextWriter output)
    {
        var states = runs.ToDictionary(r => r.Index, r => RunState.Of(r.Directory).Phase);
        var todo = runs.Where(r => states[r.Index] is not (RunPhase.Finished or RunPhase.Running)).Select(r => r.Index).ToList();
        int finished = states.Values.Count(s => s == RunPhase.Finished), running = states.Values.Count(s => s == RunPhase.Running);
        var hodec = settings.Command is { } c ? SweepTask.Words(c) : SweepTask.CurrentHodec();
        var folder = Path.Combine(sweepDirectory, Folder);
        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, ScriptFile);
        File.WriteAllText(script, Script(name, runs, todo.Count > 0 ? todo : [.. runs.Select(r => r.Index)], settings, sweepDirectory, hodec));
        output.WriteLine($"Slurm: {todo.Count} of {runs.Count} runs to submit ({finished} finished, {running} running); job script {script}");
        if (todo.Count == 0 || dryRun)
        {
            output.WriteLine(todo.Count == 0 ? "Nothing to submit." : $"Dry run: submit it with: sbatch {script}");
            return null;
        }
        var start = new ProcessStartInfo("sbatch") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--parsable");
        start.ArgumentList.Add(script);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new HodecException("Could not start sbatch.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new HodecException($"sbatch was not found ({e.Message}): run this on a Slurm login node, or submit the script yourself: sbatch {script}", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new HodecException($"sbatch refused the job script {script} (exit {process.ExitCode}): {stderr.Trim()}");
            }
            var job = stdout.Result.Trim().Split(';')[0];
            File.AppendAllText(Path.Combine(folder, "jobs.txt"), $"{job} {ArraySpec(todo)}\n");
            output.WriteLine($"Submitted job array {job} (tasks {ArraySpec(todo)}). Follow it with: hodec sweep status {sweepDirectory}");
            return job;
        }
    }
}
