using System.CommandLine;
using Hodec.Tool.Engine;
using Hodec.Tool.Output;

namespace Hodec.Tool.Cli;

/// <summary><c>hodec plan &lt;recipe&gt;</c>: the compression plan, with no training.</summary>
internal static class PlanCommand
{
    public const string Examples =
        "  dotnet hodec plan recipes/quickstart.yml\n"
        + "  dotnet hodec plan recipes/quickstart.yml --set compression.ranks=8 --json > plan.json";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var recipe = new RecipeArguments();
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON instead of a table: the plan.json a run of the recipe writes." };
        var command = new Command("plan", "Show the compression plan per layer: shape, factorisation, ranks, params and MACs before/after.");
        recipe.AddTo(command);
        command.Add(json);
        command.SetAction((result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            return CommandGuard.RunAsync(host, settings, () =>
            {
                string path = recipe.ReadRecipe(result);
                CompressionPlan plan = host.Engine.Plan(new PlanRequest(path, recipe.ReadOverrides(result)));
                if (result.GetValue(json))
                {
                    host.Out.WriteLine(plan.Json);
                }
                else
                {
                    PlanRendering.WriteTable(host.CreateAnsiConsole(), plan);
                }

                return Task.FromResult(ExitCodes.Success);
            },
            null,
            cancellationToken);
        });
        return command;
    }
}
