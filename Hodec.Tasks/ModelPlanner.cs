using System.Text.RegularExpressions;

namespace Hodec.Tasks;

/// <summary>One <c>HodecModel</c> item as declared in a project, with its paths already made absolute.</summary>
/// <param name="Recipe">Full path of the recipe.</param>
/// <param name="Name">Model name; default: the recipe file name without .hodec.yml/.yml.</param>
/// <param name="OutputDir">Where the tool writes; default <c>$(IntermediateOutputPath)hodec/&lt;name&gt;/</c>.</param>
/// <param name="Set">Overrides as <c>a=b;c=d</c>.</param>
/// <param name="LinkBase">Folder inside the app's output for the copies; default <c>hodec/&lt;name&gt;</c>.</param>
/// <param name="CopyToOutputDirectory">Never, PreserveNewest or Always.</param>
/// <param name="ExpectedOutputs">File names the tool writes into the output folder.</param>
/// <param name="AdditionalInputs">Extra files that should rerun the tool when they change.</param>
public sealed record ModelDeclaration(
    string Recipe,
    string? Name,
    string? OutputDir,
    string? Set,
    string? LinkBase,
    string? CopyToOutputDirectory,
    IReadOnlyList<string> ExpectedOutputs,
    IReadOnlyList<string> AdditionalInputs);

/// <summary>What the build will do for one model: the tool's arguments, its inputs and the predicted outputs.</summary>
public sealed record ModelPlan(
    string Recipe,
    string Name,
    string OutputDir,
    IReadOnlyList<string> Overrides,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    string LinkBase,
    string CopyToOutputDirectory,
    string LogFile,
    string ArgumentsStamp);

/// <summary>Pure planning of model compression: no file is written, so every rule is unit-tested.</summary>
public static partial class ModelPlanner
{
    /// <summary>
    /// What a Hodec run directory holds after a successful run (the engine's contract): the reports, and the exported
    /// model as <c>export/&lt;recipe name&gt;.safetensors</c> and <c>.onnx</c>.
    /// </summary>
    public static IReadOnlyList<string> DefaultOutputs(string exportName) =>
        ["report.json", "report.md", $"export/{exportName}.safetensors", $"export/{exportName}.onnx"];

    /// <summary>
    /// The file name the engine exports under: the recipe's top-level <c>name</c> with characters other than letters,
    /// digits, '-' and '_' replaced by '_' (<see cref="Shared.HodecNames.ExportName"/>); <paramref name="fallback"/> when the recipe names none.
    /// </summary>
    public static string ExportName(string recipeText, string fallback)
    {
        Match match = TopLevelName().Match(recipeText);
        string name = match.Success ? match.Groups["name"].Value.Trim().Trim('"', '\'') : "";
        return name.Length == 0 ? fallback : Shared.HodecNames.ExportName(name);
    }

    /// <summary>The build's own log of the tool's output, next to the outputs.</summary>
    public const string BuildLogName = "hodec.build.log";

    /// <summary>A stamp holding the tool arguments, rewritten only when they change, so new --set values rerun the tool.</summary>
    public const string ArgumentsStampName = "hodec.args";

    /// <summary>Plans one model. <paramref name="fileExists"/> and <paramref name="readText"/> stand in for the disk.</summary>
    public static ModelPlan Plan(
        ModelDeclaration model,
        string intermediateDirectory,
        IReadOnlyList<string> toolInputs,
        Func<string, bool> fileExists,
        Func<string, string> readText)
    {
        string name = string.IsNullOrWhiteSpace(model.Name) ? NameOf(model.Recipe) : model.Name!.Trim();
        string outputDir = EnsureTrailingSlash(string.IsNullOrWhiteSpace(model.OutputDir)
            ? Path.Combine(intermediateDirectory, "hodec", name)
            : model.OutputDir!);
        string recipeText = fileExists(model.Recipe) ? readText(model.Recipe) : "";
        IReadOnlyList<string> expected = model.ExpectedOutputs.Count > 0 ? model.ExpectedOutputs : DefaultOutputs(ExportName(recipeText, name));

        var inputs = new List<string> { model.Recipe };
        if (fileExists(model.Recipe))
        {
            inputs.AddRange(ReferencedFiles(recipeText, Path.GetDirectoryName(model.Recipe) ?? ".", fileExists));
        }

        inputs.AddRange(model.AdditionalInputs);
        inputs.AddRange(toolInputs);
        string stamp = Path.Combine(outputDir, ArgumentsStampName);
        inputs.Add(stamp);

        return new ModelPlan(
            model.Recipe,
            name,
            outputDir,
            SplitOverrides(model.Set),
            [.. inputs.Distinct(StringComparer.Ordinal)],
            [.. expected.Select(file => Path.Combine(outputDir, file))],
            string.IsNullOrWhiteSpace(model.LinkBase) ? "hodec/" + name : model.LinkBase!.Trim().TrimEnd('/', '\\'),
            string.IsNullOrWhiteSpace(model.CopyToOutputDirectory) ? "PreserveNewest" : model.CopyToOutputDirectory!,
            Path.Combine(outputDir, BuildLogName),
            stamp);
    }

    /// <summary>
    /// The tool's arguments after the executable (and after "hodec" when run as <c>dotnet hodec</c>). The build owns
    /// the output folder and reruns the model only when an input changed, so it asks for <c>--overwrite</c>: the tool
    /// refuses a new run into a folder that holds an earlier one unless told to start over.
    /// </summary>
    public static IReadOnlyList<string> ToolArguments(ModelPlan plan)
    {
        var arguments = new List<string> { "run", plan.Recipe, "--out", plan.OutputDir.TrimEnd('/', '\\'), "--overwrite", "--error-format", "msbuild" };
        foreach (string setting in plan.Overrides)
        {
            arguments.Add("--set");
            arguments.Add(setting);
        }

        return arguments;
    }

    /// <summary>"models/classifier.hodec.yml" -> "classifier" (<see cref="Shared.HodecNames.RecipeName"/>, as <c>hodec run</c> names its default run directory).</summary>
    public static string NameOf(string recipe) => Shared.HodecNames.RecipeName(recipe);

    /// <summary>
    /// The arguments of <c>hodec cache key</c> for the same run: the recipe and its overrides (the key covers the resolved
    /// recipe, the files it reads and the tool version; the output folder is not part of it).
    /// </summary>
    public static IReadOnlyList<string> KeyArguments(ModelPlan plan)
    {
        var arguments = new List<string> { "cache", "key", plan.Recipe, "--error-format", "msbuild" };
        foreach (string setting in plan.Overrides)
        {
            arguments.Add("--set");
            arguments.Add(setting);
        }

        return arguments;
    }

    /// <summary>"a=b; c=d" -> ["a=b", "c=d"].</summary>
    public static IReadOnlyList<string> SplitOverrides(string? set) =>
        string.IsNullOrWhiteSpace(set)
            ? []
            : [.. set.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>
    /// Files the recipe names (weights, data), found without the recipe schema: every scalar value that is
    /// a path to an existing file relative to the recipe. Over-approximating only costs an extra rebuild.
    /// </summary>
    public static IEnumerable<string> ReferencedFiles(string recipeText, string recipeDirectory, Func<string, bool> fileExists)
    {
        foreach (Match match in ScalarValue().Matches(recipeText))
        {
            string value = match.Groups["value"].Value.Trim().Trim('"', '\'');
            if (value.Length == 0 || value.Contains("://", StringComparison.Ordinal) || value.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            {
                continue;
            }

            string candidate = Path.GetFullPath(Path.Combine(recipeDirectory, value));
            if (fileExists(candidate))
            {
                yield return candidate;
            }
        }
    }

    private static string EnsureTrailingSlash(string path) =>
        path.EndsWith('/') || path.EndsWith('\\') ? path : path + Path.DirectorySeparatorChar;

    // "name: value" at the top level (no indentation), ignoring comments.
    [GeneratedRegex(@"^name[ \t]*:[ \t]*(?<name>[^#\r\n]+?)[ \t]*(?:#.*)?$", RegexOptions.Multiline)]
    private static partial Regex TopLevelName();

    // "key: value" or "- value" at the end of a line, ignoring comments.
    [GeneratedRegex(@"^[ \t]*(?:-[ \t]+)?(?:[\w.\-]+[ \t]*:[ \t]+)?(?<value>[^#\r\n{}\[\]]+?)[ \t]*(?:#.*)?$", RegexOptions.Multiline)]
    private static partial Regex ScalarValue();
}
