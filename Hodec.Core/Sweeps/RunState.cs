using Hodec.Pipeline;
using Hodec.Reports;

namespace Hodec.Sweeps;

/// <summary>Where a run of a sweep stands, as its directory shows.</summary>
public enum RunPhase
{
    /// <summary>Nothing of the run was written yet.</summary>
    Pending,

    /// <summary>A live process holds its directory's lock.</summary>
    Running,

    /// <summary>Started, not finished, and no process holds it: killed, cancelled or failed; the next start resumes it.</summary>
    Stopped,

    /// <summary>Its final report is written.</summary>
    Finished,
}

/// <summary>One run's state as read from its directory.</summary>
/// <param name="Phase">Pending, running, stopped or finished.</param>
/// <param name="StagesDone">Stages finished so far (from the report written after each stage), when known.</param>
/// <param name="Stages">The recipe's stage count, when known.</param>
/// <param name="Top1">The last measured test top-1 in percent (the final one once finished), when known.</param>
/// <param name="Epochs">Epochs trained by the finished stages, when known.</param>
public sealed record RunState(RunPhase Phase, int? StagesDone, int? Stages, double? Top1, int? Epochs)
{
    /// <summary>Reads <paramref name="directory"/>: its lock, its recipe and its report.</summary>
    public static RunState Of(string directory)
    {
        bool started = File.Exists(Path.Combine(directory, RunDirectory.RecipeFile));
        HodecReport? report = null;
        var file = Path.Combine(directory, ReportWriter.JsonFile);
        if (File.Exists(file))
        {
            try
            {
                report = ReportJson.Deserialize(File.ReadAllText(file), file);
            }
            catch (HodecException)
            {
                // Being rewritten or damaged: the run is judged by its lock and recipe alone.
            }
            catch (IOException)
            {
            }
        }
        var phase = report is { Incomplete: null } ? RunPhase.Finished
            : RunDirectoryClaim.IsHeld(directory) ? RunPhase.Running
            : started ? RunPhase.Stopped
            : RunPhase.Pending;
        return report is null
            ? new RunState(phase, null, null, null, null)
            : new RunState(phase, report.Incomplete?.StagesDone ?? report.Stages.Count, report.Incomplete?.Stages ?? report.Stages.Count,
                report.Final.Top1, report.Final.Epochs);
    }

    /// <summary>True when <paramref name="directory"/> holds a finished run: it is never run again.</summary>
    public static bool IsFinished(string directory) => Of(directory).Phase == RunPhase.Finished;
}
