using System.CommandLine;
using Hodec.Recipes;
using Hodec.Sweeps;
using Hodec.Tool.Cli;
using Hodec.Tool.Sweeps.Kubernetes;
using Hodec.Tool.Sweeps.Local;
using Hodec.Tool.Sweeps.Slurm;

namespace Hodec.Tool.Sweeps;

/// <summary><c>hodec sweep &lt;sweep.yml&gt;</c> and <c>hodec sweep status &lt;dir&gt;</c>.</summary>
internal static class SweepCommand
{
    public const string Examples =
        "  dotnet hodec sweep sweeps/headline.yml                      # the executor the file names (default: local)\n"
        + "  dotnet hodec sweep sweeps/headline.yml --executor slurm     # one sbatch --array job\n"
        + "  dotnet hodec sweep sweeps/headline.yml --executor kubernetes --dry-run\n"
        + "  dotnet hodec sweep status runs/headline\n"
        + "  dotnet hodec compare runs/headline                          # grouped by axes, seeds aggregated";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var file = new Argument<string>("sweep-file") { Description = "The sweep file (YAML): a recipe, its axes, seeds and executor (see docs/sweeps.md)." };
        var executor = new Option<string?>("--executor", "-e")
        {
            Description = "Where to run: local (a process pool here), slurm (one sbatch --array job) or kubernetes (an Indexed Job). Default: the file's executor.kind, else local.",
            HelpName = "local|slurm|kubernetes",
        };
        executor.AcceptOnlyFromAmong("local", "slurm", "kubernetes");
        var output = new Option<string?>("--out", "-o") { Description = "The sweep directory (default: the file's 'out', else runs/<name>).", HelpName = "dir" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Expand the sweep and write its index, job script or manifest, but run and submit nothing." };

        var command = new Command("sweep", "Run a recipe over a grid of settings and seeds: locally, as a Slurm job array or a Kubernetes Indexed Job.");
        command.Add(file);
        command.Add(executor);
        command.Add(output);
        command.Add(dryRun);
        command.SetAction((result, cancellationToken) => CommandGuard.RunAsync(host, common.Read(result), async () =>
        {
            var sweep = SweepLoader.Load(result.GetRequiredValue(file));
            var kind = result.GetValue(executor) is { } k ? YamlNames.TryParse<ExecutorKind>(k, out var parsed) ? parsed : ExecutorKind.Local
                : sweep.Executor.Kind ?? ExecutorKind.Local;
            var directory = SweepPlan.Directory(sweep, result.GetValue(output));
            var runs = SweepPlan.Expand(sweep, directory);
            CheckRecipes(runs);
            var index = SweepPlan.WriteIndex(sweep, directory, runs);
            host.Out.WriteLine($"Sweep '{sweep.Name}': {runs.Count} runs into {directory} (index: {index}).");
            if (result.GetValue(dryRun) && kind == ExecutorKind.Local)
            {
                foreach (var run in runs)
                {
                    host.Out.WriteLine($"  {run.Index}: {run.Name}: hodec {SweepTask.ShellLine(SweepTask.Arguments(run, sweep.Executor.Local.Threads))}");
                }
                return ExitCodes.Success;
            }
            switch (kind)
            {
                case ExecutorKind.Slurm:
                    SlurmExecutor.Submit(sweep.Name, runs, sweep.Executor.Slurm, directory, result.GetValue(dryRun), host.Out);
                    return ExitCodes.Success;
                case ExecutorKind.Kubernetes:
                    await KubernetesExecutor.WriteAndApplyAsync(sweep.Name, runs, sweep.Executor.Kubernetes, directory, result.GetValue(dryRun), host.Out, cancellationToken).ConfigureAwait(false);
                    return ExitCodes.Success;
                default:
                    int failed = await LocalExecutor.RunAsync(runs, sweep.Executor.Local, directory, host.Out, cancellationToken).ConfigureAwait(false);
                    host.Out.Write(SweepStatus.Render(directory, runs));
                    if (failed > 0)
                    {
                        host.Error.WriteLine($"{failed} run(s) failed; their output is in {Path.Combine(directory, "logs")}. Run the same command again to retry them (finished runs are kept).");
                        return ExitCodes.Failure;
                    }
                    return ExitCodes.Success;
            }
        }, () => "Stopped runs resume when the same sweep is run again.", cancellationToken));

        var statusDirectory = new Argument<string>("sweep-dir") { Description = "The sweep directory (it holds sweep.json), or the sweep file." };
        var status = new Command("status", "Each run of a sweep: its state, stage, epoch and top-1, read from the run directories.");
        status.Add(statusDirectory);
        status.SetAction((result, cancellationToken) => CommandGuard.RunAsync(host, common.Read(result), () =>
        {
            var given = result.GetRequiredValue(statusDirectory);
            var directory = File.Exists(given) ? SweepPlan.Directory(SweepLoader.Load(given)) : Path.GetFullPath(given);
            RunDirectories.RequireExisting(directory);
            host.Out.Write(SweepStatus.Render(directory, SweepPlan.ReadIndex(directory)));
            return Task.FromResult(ExitCodes.Success);
        }, null, cancellationToken));
        command.Add(status);
        return command;
    }

    // Every distinct recipe and its overrides load before anything runs or is submitted: a typo fails here, not in 40 jobs.
    private static void CheckRecipes(IReadOnlyList<SweepRun> runs)
    {
        var errors = new List<RecipeDiagnostic>();
        foreach (var run in runs.DistinctBy(r => (r.Recipe, string.Join('\n', r.Set))))
        {
            var loaded = RecipeLoader.TryLoad(run.Recipe, run.Set);
            if (!loaded.Succeeded)
            {
                errors.AddRange(loaded.Diagnostics.Select(d => d.File == "<command line>" ? d with { File = $"{run.Name}: set", Message = $"{d.Message} (run {run.Name}: {string.Join(' ', run.Set)})" } : d));
            }
            else if (run.Seed is null && loaded.Value.Seeds is { Count: > 0 })
            {
                errors.Add(new RecipeDiagnostic(run.Recipe, 1, 1, "seeds", $"the recipe lists seeds; list them under the sweep file's 'seeds' instead (run {run.Name})"));
            }
        }
        if (errors.Count > 0)
        {
            throw new RecipeException([.. errors.Distinct()]);
        }
    }
}
