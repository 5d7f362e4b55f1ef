using System.CommandLine;
using Hodec.Pipeline;
using Hodec.Reports;
using Hodec.Sweeps;
using Hodec.Tool.Engine;
using Hodec.Tool.Output;
using Serilog.Core;

namespace Hodec.Tool.Cli;

/// <summary><c>hodec run &lt;recipe&gt;</c>: the whole pipeline into a run directory.</summary>
internal static class RunCommand
{
    public const string Examples =
        "  dotnet hodec run recipes/quickstart.yml\n"
        + "  dotnet hodec run recipes/quickstart.yml --out runs/try1 --set stages.retrain.epochs=3 --seed 7\n"
        + "  dotnet hodec run recipes/quickstart.yml --out runs/try1 --resume     # after Ctrl+C\n"
        + "  dotnet hodec run recipes/quickstart.yml --out runs/try1 --overwrite  # start try1 over\n"
        + "  dotnet hodec run recipes/quickstart.yml --out runs/q --seeds 42,1,2  # runs/q-s42, runs/q-s1, runs/q-s2\n"
        + "  dotnet hodec run recipes/quickstart.yml --out runs/q --resume-or-start  # a batch job: start, continue, or nothing if finished\n"
        + "  dotnet hodec run recipes/quickstart.yml --set seed=3 --print-recipe  # the resolved recipe; nothing runs\n"
        + "  dotnet hodec run recipes/quickstart.yml --dry-run       # the resolved recipe, the plan and the run directory; nothing runs\n"
        + "  dotnet hodec run recipes/quickstart.yml --json > run.json  # stdout is only the summary, as JSON";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var recipe = new RecipeArguments();
        var output = new Option<string>("--out", "-o")
        {
            Description = "Run directory for the model, reports, checkpoints and log. Default: runs/<recipe name>.",
            HelpName = "dir",
        };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in the run directory." };
        var overwrite = new Option<bool>("--overwrite")
        {
            Description = "Start over in a run directory that holds an earlier run, deleting that run's files (without it, such a directory is refused).",
        };
        var resumeOrStart = new Option<bool>("--resume-or-start")
        {
            Description = "For batch jobs that may be requeued: continue the run the directory holds, start one when it holds none, and do nothing when its run has finished.",
        };
        var threads = new Option<int?>("--threads", "-j") { Description = "CPU threads for libtorch (default: the recipe's data.threads, else on --resume the run's own count, else all cores).", HelpName = "n" };
        var seed = new Option<int?>("--seed") { Description = "Random seed; overrides the recipe's.", HelpName = "n" };
        var seeds = new Option<string?>("--seeds")
        {
            Description = "Run once per seed, each into <out>-s<seed>, and print their mean and standard deviation (overrides the recipe's 'seeds').",
            HelpName = "42,1,2",
        };

        var printRecipe = new Option<bool>("--print-recipe")
        {
            Description = "Print the resolved recipe (overrides, --seed and every default applied: the recipe.yml the run would write) and run nothing.",
        };

        var tensorBoard = new Option<bool>("--tensorboard")
        {
            Description = "Also write TensorBoard event files into <out>/tensorboard: per-epoch loss, top-1 and learning rate, and ADAL's approximation error per layer.",
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Check the recipe, then print the resolved recipe (as --print-recipe does), the compression plan and the run directory it would use; nothing runs and nothing is written.",
        };
        var json = CliJson.Flag("the summary at the end (run_directory, summary, artifacts, runs: the run's status, method, top1, reductions); progress is off and logs stay on stderr,");

        var command = new Command("run", "Run a recipe: train, compress, fine-tune, export and report.");
        recipe.AddTo(command);
        command.Add(output);
        command.Add(resume);
        command.Add(overwrite);
        command.Add(resumeOrStart);
        command.Add(threads);
        command.Add(seed);
        command.Add(seeds);
        command.Add(printRecipe);
        command.Add(tensorBoard);
        command.Add(dryRun);
        command.Add(json);

        command.SetAction(async (result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            RunRequest? started = null;
            return await CommandGuard.RunAsync(host, settings, async () =>
            {
                string recipePath = recipe.ReadRecipe(result);
                if (result.GetValue(dryRun))
                {
                    if (result.GetValue(printRecipe))
                    {
                        throw new HodecException("--dry-run already prints the resolved recipe; pass --print-recipe for the recipe alone, or --dry-run for the recipe, the plan and the run directory.");
                    }
                    return DryRun(host, settings, recipePath, recipe.ReadOverrides(result), result.GetValue(seed), ParseSeeds(result.GetValue(seeds)),
                        Path.GetFullPath(result.GetValue(output) ?? DefaultRunDirectory(recipePath)), result.GetValue(resume), result.GetValue(overwrite));
                }

                if (result.GetValue(printRecipe))
                {
                    host.Out.Write(host.Engine.ResolveRecipe(new ValidateRequest(recipePath, recipe.ReadOverrides(result)), result.GetValue(seed)));
                    return ExitCodes.Success;
                }

                int? threadCount = result.GetValue(threads);
                if (threadCount is <= 0)
                {
                    throw new HodecException($"--threads must be a positive number of threads, got {threadCount}.");
                }

                string runDirectory = Path.GetFullPath(result.GetValue(output) ?? DefaultRunDirectory(recipePath));
                bool resuming = result.GetValue(resume), overwriting = result.GetValue(overwrite);
                if (result.GetValue(resumeOrStart))
                {
                    if (resuming || overwriting || result.GetValue(seeds) is not null)
                    {
                        throw new HodecException("--resume-or-start decides by itself whether to resume; pass it without --resume, --overwrite or --seeds.");
                    }
                    if (RunState.IsFinished(runDirectory))
                    {
                        host.Out.WriteLine($"Done: '{runDirectory}' holds a finished run; nothing was run (its report is {Path.Combine(runDirectory, ReportWriter.JsonFile)}).");
                        return ExitCodes.Success;
                    }
                    resuming = File.Exists(Path.Combine(runDirectory, RunDirectory.RecipeFile));
                }
                if (resuming && overwriting)
                {
                    throw new HodecException(
                        "--resume and --overwrite exclude each other: --resume continues the run in the directory, --overwrite deletes it and starts over.");
                }

                if (resuming && !Directory.Exists(runDirectory))
                {
                    throw new HodecException(
                        $"--resume: there is no run directory at '{runDirectory}'. Pass the --out of the interrupted run, or start without --resume.");
                }

                var seedList = ParseSeeds(result.GetValue(seeds));
                if (seedList is not null && result.GetValue(seed) is not null)
                {
                    throw new HodecException("Pass either --seed (one run) or --seeds (one run per seed), not both.");
                }
                var request = new RunRequest(recipePath, runDirectory, recipe.ReadOverrides(result), resuming, threadCount, result.GetValue(seed), overwriting, seedList)
                {
                    TensorBoard = result.GetValue(tensorBoard),
                };
                // Before anything is written there (the log included): refuses a directory in use or holding a run.
                using IDisposable claim = Worded(() => host.Engine.ClaimRunDirectory(request));
                Directory.CreateDirectory(runDirectory);
                if (overwriting)
                {
                    File.Delete(Path.Combine(runDirectory, CliLogging.LogFileName)); // the earlier run's log went with its files
                }

                started = request;
                return await Worded(() => ExecuteAsync(host, settings, request, result.GetValue(json), cancellationToken)).ConfigureAwait(false);
            },
            () => started is null ? string.Empty : InterruptedHint(started),
            cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private sealed record RunJson(string RunDirectory, string Summary, IReadOnlyList<string> Artifacts, IReadOnlyList<RunEntry> Runs);

    /// <summary>"42,1,2" as seeds; null when not given.</summary>
    public static IReadOnlyList<int>? ParseSeeds(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var parsed = parts.Select(p => int.TryParse(p, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : (int?)null).ToList();
        if (parsed.Any(p => p is null) || parsed.Count == 0)
        {
            throw new HodecException($"--seeds takes whole numbers separated by commas, e.g. --seeds 42,1,2; got '{text}'.");
        }
        if (parsed.Distinct().Count() != parsed.Count)
        {
            throw new HodecException($"--seeds lists a seed twice ('{text}'); each seed is one run directory.");
        }
        return [.. parsed.Select(p => p!.Value)];
    }


    private static T Worded<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (HodecException e) when (CliWording.Word(e) != e)
        {
            throw CliWording.Word(e);
        }
    }

    private static async Task<T> Worded<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (HodecException e) when (CliWording.Word(e) != e)
        {
            throw CliWording.Word(e);
        }
    }

    // Names only what exists: a checkpoint, or a run that has its recipe but no checkpoint yet, or nothing at all.
    private static string InterruptedHint(RunRequest request)
    {
        string directory = request.OutputDirectory, checkpoints = Path.Combine(directory, RunDirectory.CheckpointFolder);
        bool checkpointed = Directory.Exists(checkpoints) && Directory.EnumerateFiles(checkpoints).Any(f => !f.EndsWith(".tmp", StringComparison.Ordinal));
        return checkpointed ? $"The last checkpoint is in {directory}. Continue with: {PipelineEngine.ResumeCommand(request)}"
            : File.Exists(Path.Combine(directory, RunDirectory.RecipeFile)) ? $"No checkpoint was written yet. Continue from the first stage with: {PipelineEngine.ResumeCommand(request)}"
            : $"Nothing of the run was written to {directory} yet; run the same command again to start it.";
    }

    /// <summary>runs/&lt;recipe file name without .hodec.yml, .yml or .yaml&gt;, under the current directory.</summary>
    public static string DefaultRunDirectory(string recipePath) => Hodec.Shared.HodecNames.DefaultRunDirectory(recipePath);

    /// <summary>How a run starts, in words for its first log line: <c>, resuming, with --set a=1 b=2</c> (empty for a plain start).</summary>
    internal static string StartWords(RunRequest request) =>
        (request.Resume ? ", resuming" : request.Overwrite ? ", starting over" : "")
        + (request.Overrides.IsDefaultOrEmpty ? "" : $", with --set {string.Join(' ', request.Overrides)}");

    // --dry-run: what --print-recipe prints, then the plan and where the run would go. Reads only.
    private static int DryRun(HodecCliHost host, OutputSettings settings, string recipePath, System.Collections.Immutable.ImmutableArray<SettingOverride> overrides,
        int? seed, IReadOnlyList<int>? seedList, string runDirectory, bool resume, bool overwrite)
    {
        var validation = host.Engine.Validate(new ValidateRequest(recipePath, overrides));
        if (!validation.IsValid)
        {
            return ValidateCommand.Report(host, settings, recipePath, validation);
        }

        host.Out.WriteLine("# Resolved recipe (the recipe.yml the run writes):");
        host.Out.Write(host.Engine.ResolveRecipe(new ValidateRequest(recipePath, overrides), seed));
        host.Out.WriteLine();
        try
        {
            PlanRendering.WriteTable(host.CreateAnsiConsole(), host.Engine.Plan(new PlanRequest(recipePath, overrides)));
        }
        catch (HodecException e)
        {
            host.Out.WriteLine($"No compression plan: {e.Message}");
        }

        string[] directories = seedList is null ? [runDirectory] : [.. seedList.Select(s => Hodec.Pipeline.SeedRuns.Directory(runDirectory, s))];
        foreach (string directory in directories)
        {
            bool holdsRun = File.Exists(Path.Combine(directory, RunDirectory.RecipeFile));
            string what = resume ? (holdsRun ? "continuing the run there" : "nothing to resume there: --resume would be refused")
                : overwrite ? (holdsRun ? "deleting the run there and starting over" : "a new run")
                : holdsRun ? "it holds a run: without --resume or --overwrite the run would be refused"
                : "a new run";
            host.Out.WriteLine($"Run directory: {directory} ({what}).");
        }

        host.Out.WriteLine("Dry run: nothing was trained or written.");
        return ExitCodes.Success;
    }

    private static async Task<int> ExecuteAsync(HodecCliHost host, OutputSettings settings, RunRequest request, bool json, CancellationToken cancellationToken)
    {
        var console = host.CreateAnsiConsole();
        if (json)
        {
            settings = settings with { Quiet = true }; // stdout is the JSON alone
        }

        var view = ProgressView.Choose(settings.Quiet, host.IsTerminal, console, host.Out, host.Time);
        using Logger log = CliLogging.Create(host, settings, request.OutputDirectory, view.IsLive);
        log.Information("Running {Recipe} into {RunDirectory}{How:l}", request.RecipePath, request.OutputDirectory, StartWords(request));
        try
        {
            RunResult result = await view.RunAsync(progress => host.Engine.RunAsync(request, progress, log, cancellationToken)).ConfigureAwait(false);
            if (json)
            {
                string[] runs = File.Exists(Path.Combine(result.RunDirectory, RunDirectory.RecipeFile)) ? [result.RunDirectory]
                    : [.. result.Artifacts.Select(a => Path.Combine(result.RunDirectory, a)).Where(Directory.Exists)];
                CliJson.Write(host.Out, new RunJson(result.RunDirectory, result.Summary, result.Artifacts, [.. runs.SelectMany(r => host.Engine.Runs(new RunsRequest(r)))]));
                return ExitCodes.Success;
            }

            host.Out.WriteLine($"Done: {result.Summary}");
            host.Out.WriteLine($"Outputs in {result.RunDirectory}:");
            foreach (string artifact in result.Artifacts)
            {
                host.Out.WriteLine($"  {artifact}");
            }

            return ExitCodes.Success;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.Error(e, "Run failed");
            throw;
        }
        catch (OperationCanceledException)
        {
            log.Warning("Interrupted; the engine saved a checkpoint in {RunDirectory}", request.OutputDirectory);
            throw;
        }
    }
}
