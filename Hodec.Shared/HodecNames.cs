namespace Hodec.Shared;

/// <summary>
/// Naming rules shared by the tool (<c>hodec run</c>'s default run directory, the export stage's file names) and the
/// MSBuild tasks (the build's model folder and predicted outputs). Dependency-free: this one file is compiled into
/// Hodec.Core (which the tool uses) and into Hodec.Tasks (which must not load TorchSharp).
/// </summary>
internal static class HodecNames
{
    /// <summary>Recipe file suffixes stripped to get a recipe's name, longest first.</summary>
    public static readonly IReadOnlyList<string> RecipeSuffixes = [".hodec.yml", ".hodec.yaml", ".yml", ".yaml"];

    /// <summary>"models/classifier.hodec.yml" -> "classifier"; a file named only by a suffix keeps its name.</summary>
    public static string RecipeName(string recipePath)
    {
        string file = Path.GetFileName(recipePath);
        foreach (string suffix in RecipeSuffixes)
        {
            if (file.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && file.Length > suffix.Length)
            {
                return file[..^suffix.Length];
            }
        }

        return file;
    }

    /// <summary><c>hodec run</c>'s run directory when no --out is given: runs/&lt;recipe name&gt;, relative to the current directory.</summary>
    public static string DefaultRunDirectory(string recipePath) => Path.Combine("runs", RecipeName(recipePath));

    /// <summary>
    /// The file name (without extension) the export stage writes a recipe's model under: its <c>name</c> with characters
    /// other than letters, digits, '-' and '_' replaced by '_'.
    /// </summary>
    public static string ExportName(string recipeName) =>
        new([.. recipeName.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_')]);
}
