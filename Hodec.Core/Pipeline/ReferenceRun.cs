using Hodec.Data;
using Hodec.Recipes;
using Hodec.Reports;

namespace Hodec.Pipeline;

/// <summary>
/// Reads the dense run a recipe names under <c>reference</c> and checks that it can stand as this run's reference: finished,
/// dense, measured on the test split, and trained for as many epochs as this recipe trains.
/// </summary>
public static class ReferenceRun
{
    /// <summary>The reference's figures, or null when the recipe names none.</summary>
    /// <exception cref="HodecException">The reference is missing, unfinished, compressed, or of another budget (located at <c>reference.run</c>).</exception>
    public static ReferenceReport? Load(Recipe recipe, RecipeSourceMap? source)
    {
        if (recipe.Reference is not { } spec)
        {
            return null;
        }
        string at = source?.Locate("reference.run").ToString() ?? spec.Run;
        string dir = Path.GetFullPath(spec.Run);
        string file = Path.Combine(dir, ReportWriter.JsonFile);
        if (!File.Exists(file))
        {
            throw new HodecException($"The reference run '{dir}' has no {ReportWriter.JsonFile}: run the dense reference recipe into it first.") { Location = at };
        }
        var report = ReportJson.Deserialize(File.ReadAllText(file), file);
        string? problem = report switch
        {
            { Incomplete: { } inc } => $"has finished {inc.StagesDone} of its {inc.Stages} stages; finish it (resume it) first",
            { IsCompressed: true } => $"is a compressed run ({report.Method}); a reference is the dense model trained for the same budget",
            { Final.Split: not SplitNames.Test } => "has no test-split accuracy",
            { Final.Epochs: { } epochs } when epochs != recipe.TotalEpochs =>
                $"trained {epochs} epochs and this recipe trains {recipe.TotalEpochs}: a delta compares equal training budgets",
            { Final.Epochs: null } => "does not say how many epochs it trained",
            _ => null,
        };
        return problem is null
            ? new ReferenceReport(dir, report.Name, report.Final.Top1, report.Final.Epochs!.Value)
            : throw new HodecException($"The reference run '{dir}' {problem}.") { Location = at };
    }
}

/// <summary>Where the runs of one recipe over several seeds go: sibling directories named <c>&lt;run&gt;-s&lt;seed&gt;</c>.</summary>
public static partial class SeedRuns
{
    /// <summary>The directory of <paramref name="seed"/>'s run beside <paramref name="runDirectory"/>.</summary>
    public static string Directory(string runDirectory, int seed) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Path.TrimEndingDirectorySeparator(runDirectory)}-s{seed}");

    /// <summary>
    /// The run directories <paramref name="path"/> stands for: itself when it holds a report, else its seed siblings
    /// (<c>path-s42</c>, <c>path-s1</c>, ... in seed order) when there are any.
    /// </summary>
    public static IEnumerable<string> Expand(string path)
    {
        var dir = Path.TrimEndingDirectorySeparator(path);
        var parent = Path.GetDirectoryName(Path.GetFullPath(dir));
        if (File.Exists(Path.Combine(dir, ReportWriter.JsonFile)) || parent is null || !System.IO.Directory.Exists(parent))
        {
            return [path];
        }
        var siblings = System.IO.Directory.EnumerateDirectories(parent, Path.GetFileName(dir) + "-s*")
            .Where(d => Group(d) == Path.GetFullPath(dir))
            .Select(d => (Dir: Path.Combine(Path.GetDirectoryName(dir) ?? "", Path.GetFileName(d)), Seed: int.Parse(d[(d.LastIndexOf("-s", StringComparison.Ordinal) + 2)..], System.Globalization.CultureInfo.InvariantCulture)))
            .OrderBy(d => d.Seed)
            .Select(d => d.Dir)
            .ToList();
        return siblings.Count == 0 ? [path] : siblings;
    }

    /// <summary>The group a run directory belongs to: its path without the <c>-s&lt;seed&gt;</c> suffix (itself when it has none).</summary>
    public static string Group(string runDirectory)
    {
        var dir = Path.TrimEndingDirectorySeparator(runDirectory);
        var match = SeedSuffix().Match(dir);
        return match.Success ? dir[..match.Index] : dir;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"-s-?[0-9]+$")]
    private static partial System.Text.RegularExpressions.Regex SeedSuffix();
}
