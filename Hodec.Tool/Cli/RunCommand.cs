using System.CommandLine;
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
        + "  dotnet hodec run recipes/quickstart.yml --out runs/q --seeds 42,1,2  # runs/q-s42, runs/q-s1, runs/q-s2";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var recipe = new RecipeArguments();
        var output = new Option<string>("--out", "-o")
        {
            Description = "Run directory for the model, reports, checkpoints and log. Default: runs/<recipe name>.",
            HelpName = "dir",
        };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in the run directory." };
        var threads = new Option<int?>("--threads", "-j") { Description = "CPU threads for libtorch (default: the recipe's data.threads, else on --resume the run's own count, else all cores).", HelpName = "n" };
        var device = new Option<string>("--device")
        {
            Description = "Compute device. This build is CPU-only.",
            DefaultValueFactory = _ => "cpu",
            HelpName = "cpu|cuda",
        };
        device.AcceptOnlyFromAmong("cpu", "cuda");
        var seed = new Option<int?>("--seed") { Description = "Random seed; overrides the recipe's.", HelpName = "n" };
        var seeds = new Option<string?>("--seeds")
        {
            Description = "Run once per seed, each into <out>-s<seed>, and print their mean and standard deviation (overrides the recipe's 'seeds').",
            HelpName = "42,1,2",
        };

        var command = new Command("run", "Run a recipe: train, compress, fine-tune, export and report.");
        recipe.AddTo(command);
        command.Add(output);
        command.Add(resume);
        command.Add(threads);
        command.Add(device);
        command.Add(seed);
        command.Add(seeds);

        command.SetAction(async (result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            RunRequest? started = null;
            return await CommandGuard.RunAsync(host, settings, async () =>
            {
                string recipePath = recipe.ReadRecipe(result);
                if (result.GetValue(device) == "cuda")
                {
                    throw new HodecException(
                        "This build of hodec is CPU-only (TorchSharp-cpu): --device cuda is not available. Omit --device or pass --device cpu.");
                }

                int? threadCount = result.GetValue(threads);
                if (threadCount is <= 0)
                {
                    throw new HodecException($"--threads must be a positive number of threads, got {threadCount}.");
                }

                string runDirectory = Path.GetFullPath(result.GetValue(output) ?? DefaultRunDirectory(recipePath));
                bool resuming = result.GetValue(resume);
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
                var request = new RunRequest(recipePath, runDirectory, recipe.ReadOverrides(result), resuming, threadCount, result.GetValue(seed), seedList);
                Directory.CreateDirectory(runDirectory);
                started = request;
                return await ExecuteAsync(host, settings, request, cancellationToken).ConfigureAwait(false);
            },
            () => started is null
                ? string.Empty
                : $"The last checkpoint is in {started.OutputDirectory}. Continue with: {PipelineEngine.ResumeCommand(started)}",
            cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

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

    /// <summary>runs/&lt;recipe file name without .hodec.yml, .yml or .yaml&gt;, under the current directory.</summary>
    public static string DefaultRunDirectory(string recipePath)
    {
        string name = Path.GetFileName(recipePath);
        foreach (string suffix in new[] { ".hodec.yml", ".hodec.yaml", ".yml", ".yaml" })
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && name.Length > suffix.Length)
            {
                name = name[..^suffix.Length];
                break;
            }
        }

        return Path.Combine("runs", name);
    }

    private static async Task<int> ExecuteAsync(HodecCliHost host, OutputSettings settings, RunRequest request, CancellationToken cancellationToken)
    {
        var console = host.CreateAnsiConsole();
        var view = ProgressView.Choose(settings.Quiet, host.IsTerminal, console, host.Out, host.Time);
        using Logger log = CliLogging.Create(host, settings, request.OutputDirectory, view.IsLive);
        log.Information("Running {Recipe} into {RunDirectory} (overrides: {Overrides}, resume: {Resume})",
            request.RecipePath, request.OutputDirectory, string.Join(' ', request.Overrides), request.Resume);
        try
        {
            RunResult result = await view.RunAsync(progress => host.Engine.RunAsync(request, progress, log, cancellationToken)).ConfigureAwait(false);
            log.Information("Finished: {Summary}", result.Summary);
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
