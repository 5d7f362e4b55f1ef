namespace Hodec.Reports;

/// <summary>A directory given as a run holds no report. Carries the directory; a front end words how runs are made.</summary>
public sealed class MissingReportException(string directory)
    : HodecException($"no {ReportWriter.JsonFile} in '{directory}'; pass the directory of a run.")
{
    /// <summary>The directory that holds no report.</summary>
    public string Directory { get; } = directory;
}
