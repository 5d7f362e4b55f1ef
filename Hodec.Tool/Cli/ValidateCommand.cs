using System.CommandLine;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Cli;

/// <summary><c>hodec validate &lt;recipe&gt;</c>: schema and semantic checks, every problem at once.</summary>
internal static class ValidateCommand
{
    public const string Examples =
        "  dotnet hodec validate recipes/quickstart.yml\n"
        + "  dotnet hodec validate my.hodec.yml --set stages.retrain.epochs=2 --error-format msbuild";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var recipe = new RecipeArguments();
        var command = new Command("validate", "Check a recipe (schema and meaning) without running it.");
        recipe.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            return CommandGuard.RunAsync(host, settings, () =>
            {
                string path = recipe.ReadRecipe(result);
                ValidationResult validation = host.Engine.Validate(new ValidateRequest(path, recipe.ReadOverrides(result)));
                return Task.FromResult(Report(host, settings, path, validation));
            },
            null,
            cancellationToken);
        });
        return command;
    }

    /// <summary>Prints the diagnostics (errors to stderr) and a one-line verdict; exit 2 when any is an error.</summary>
    public static int Report(HodecCliHost host, OutputSettings settings, string path, ValidationResult validation)
    {
        foreach (Diagnostic diagnostic in validation.Diagnostics)
        {
            host.Error.WriteLine(ErrorFormatter.Format(diagnostic, settings.ErrorFormat));
        }

        int errors = validation.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
        int warnings = validation.Diagnostics.Length - errors;
        if (errors > 0)
        {
            host.Error.WriteLine($"{path}: {errors} error(s), {warnings} warning(s). Fix the lines above and validate again.");
            return ExitCodes.InvalidInput;
        }

        if (!settings.Quiet)
        {
            host.Out.WriteLine($"{path}: valid ({warnings} warning(s)).");
        }

        return ExitCodes.Success;
    }
}
