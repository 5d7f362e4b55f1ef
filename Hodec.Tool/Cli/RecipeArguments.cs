using System.Collections.Immutable;
using System.CommandLine;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Cli;

/// <summary>The recipe argument and --set option shared by run, validate and plan.</summary>
internal sealed class RecipeArguments
{
    public Argument<string> Recipe { get; } = new("recipe")
    {
        Description = "The recipe file (YAML), for example recipes/quickstart.yml.",
    };

    public Option<string[]> Set { get; } = new("--set", "-s")
    {
        Description = "Override a recipe value: path=value, e.g. --set stages.retrain.epochs=3. Repeatable.",
        HelpName = "path=value",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public void AddTo(Command command)
    {
        command.Add(Recipe);
        command.Add(Set);
    }

    /// <summary>The recipe path, checked to exist so every command fails the same clear way.</summary>
    public string ReadRecipe(ParseResult result)
    {
        string recipe = result.GetRequiredValue(Recipe);
        if (!File.Exists(recipe))
        {
            throw new HodecException(
                $"Recipe not found: '{Path.GetFullPath(recipe)}'. Check the path; bundled examples live in recipes/.")
            {
                Location = recipe,
            };
        }

        return recipe;
    }

    public ImmutableArray<SettingOverride> ReadOverrides(ParseResult result) =>
        [.. (result.GetValue(Set) ?? []).Select(SettingOverride.Parse)];
}
