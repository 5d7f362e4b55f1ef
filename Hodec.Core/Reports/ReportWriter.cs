namespace Hodec.Reports;

/// <summary>
/// Writes <c>report.json</c>, <c>report.md</c> and the SVG plots into a directory, each atomically
/// (written to a temporary file, then renamed over the target), and re-renders the Markdown and
/// plots from an existing <c>report.json</c> (<c>hodec report &lt;run-dir&gt;</c>), and reads it back.
/// </summary>
public static class ReportWriter
{
    public const string JsonFile = "report.json";
    public const string MarkdownFile = "report.md";

    /// <summary>Write all report files; returns their full paths.</summary>
    public static IReadOnlyList<string> Write(HodecReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string> { AtomicFile.Write(Path.Combine(directory, JsonFile), ReportJson.Serialize(report)) };
        written.AddRange(Render(report, directory));
        return written;
    }

    /// <summary>Re-render report.md and the plots from <c>report.json</c> in <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> Rerender(string directory) => Render(Read(directory), directory);

    /// <summary>The report in <c>report.json</c> of a run directory; a missing or broken file gives a <see cref="HodecException"/> naming it.</summary>
    public static HodecReport Read(string directory)
    {
        var json = Path.Combine(directory, JsonFile);
        if (!File.Exists(json))
        {
            throw new MissingReportException(directory) { Location = directory };
        }
        return ReportJson.Deserialize(File.ReadAllText(json), json);
    }

    private static List<string> Render(HodecReport report, string directory)
    {
        var plots = ReportPlots.Render(report);
        var written = plots.Select(p => AtomicFile.Write(Path.Combine(directory, p.File), p.Svg)).ToList();
        written.Add(AtomicFile.Write(Path.Combine(directory, MarkdownFile), ReportMarkdown.Render(report, [.. plots.Select(p => p.File)])));
        return written;
    }
}
