using System.CommandLine;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Cli;

/// <summary><c>hodec validate &lt;recipe&gt;</c>: schema and semantic checks, every problem at once.</summary>
internal static class ValidateCommand
{
    public const string Examples =
        "  dotnet hodec validate recipes/quickstart.yml\n"
        + "  dotnet hodec validate my.hodec.yml --set stages.retrain.epochs=2 --error-format msbuild\n"
        + "  dotnet hodec validate my.hodec.yml --json";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var recipe = new RecipeArguments();
        var command = new Command("validate", "Check a recipe (schema and meaning) without running it.");
        recipe.AddTo(command);
        var json = CliJson.Flag("the verdict and every diagnostic (file, line, column, severity, code, message); the exit code is the same");
        command.Add(json);
        command.SetAction((result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            return CommandGuard.RunAsync(host, settings, () =>
            {
                string path = recipe.ReadRecipe(result);
                ValidationResult validation = host.Engine.Validate(new ValidateRequest(path, recipe.ReadOverrides(result)));
                if (result.GetValue(json))
                {
                    return Task.FromResult(ReportJson(host, path, validation));
                }

                return Task.FromResult(Report(host, settings, path, validation));
            },
            null,
            cancellationToken);
        });
        return command;
    }

    /// <summary>The verdict as JSON on stdout: <c>{file, valid, errors, warnings, diagnostics: [...]}</c>; exit 2 when any is an error.</summary>
    public static int ReportJson(HodecCliHost host, string path, ValidationResult validation)
    {
        int errors = validation.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
        CliJson.Write(host.Out, new ValidationJson(path, errors == 0, errors, validation.Diagnostics.Length - errors,
            [.. validation.Diagnostics.Select(d => new DiagnosticJson(d.Severity == DiagnosticSeverity.Error ? "error" : "warning", d.File, d.Line, d.Column, d.Code, d.Message))]));
        return errors > 0 ? ExitCodes.InvalidInput : ExitCodes.Success;
    }

    private sealed record ValidationJson(string File, bool Valid, int Errors, int Warnings, IReadOnlyList<DiagnosticJson> Diagnostics);

    private sealed record DiagnosticJson(string Severity, string File, int Line, int Column, string Code, string Message);

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
