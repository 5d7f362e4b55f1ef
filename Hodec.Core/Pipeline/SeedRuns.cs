using Hodec.Reports;

namespace Hodec.Pipeline;

/// <summary>Where the runs of one recipe over several seeds go: sibling directories named <c>&lt;run&gt;-s&lt;seed&gt;</c>.</summary>
public static partial class SeedRuns
{
    /// <summary>The directory of <paramref name="seed"/>'s run beside <paramref name="runDirectory"/>.</summary>
    public static string Directory(string runDirectory, int seed) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Path.TrimEndingDirectorySeparator(runDirectory)}-s{seed}");

    /// <summary>
    /// The run a recipe key names (<c>reference.run</c>, <c>start_from.run</c>): <paramref name="run"/> itself when it
    /// holds <paramref name="file"/>, else its seed sibling <c>run-s&lt;seed&gt;</c> when that does, else null.
    /// </summary>
    public static string? Resolve(string run, int seed, string file) =>
        new[] { run, Directory(run, seed) }.FirstOrDefault(d => File.Exists(Path.Combine(d, file)));

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
