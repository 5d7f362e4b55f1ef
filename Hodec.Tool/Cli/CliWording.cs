using Hodec.Pipeline;
using Hodec.Reports;

namespace Hodec.Tool.Cli;

/// <summary>Core raises typed errors that carry facts; this is where they are worded with the CLI's flags and commands.</summary>
public static class CliWording
{
    /// <summary>What Core's typed errors mean on this command line: which flag or command does what.</summary>
    public static HodecException Word(HodecException error) => error switch
    {
        ResumeRefusedException { Reason: ResumeRefusal.NoEarlierRun } e => new HodecException(
            $"--resume: '{e.Directory}' holds no earlier run (no {RunDirectory.RecipeFile}); start without --resume.", e)
        { Location = e.Directory },
        ResumeRefusedException e => new HodecException(
            $"--resume: the recipe (after --set and --seed) differs from the one this run started with ({e.SavedRecipe}){(e.Difference is { } d ? $": {d}" : "")}. "
            + "Resume with the same recipe and options, or start the run over (--overwrite) or into another directory.", e)
        { Location = e.SavedRecipe },
        MissingReportException e => new HodecException(
            $"no {ReportWriter.JsonFile} in '{e.Directory}'; pass a run directory written by 'hodec run'.", e)
        { Location = e.Directory },
        ExistingRunException e => new HodecException(
            $"'{e.Directory}' already holds a run ({string.Join(", ", e.Found)}); nothing was changed. "
            + "Continue it with --resume, start it over with --overwrite (this deletes those files), or pass another --out.", e),
        RunDirectoryInUseException e => new HodecException(
            $"'{e.Directory}' is in use by another hodec run ({(e.OwnerProcessId is int pid ? $"process {pid}" : "process id unknown")}); nothing was written to it. "
            + "Wait for that run to end, or pass another --out.", e),
        DamagedCheckpointException { RestartableStage: int stage } e => new HodecException(
            $"The checkpoint '{e.File}' {e.Problem}. To restart stage {stage} from its beginning (the stages before it are kept), delete "
            + string.Join(" and ", e.Restart.Select(f => $"'{f}'"))
            + " and run the same command with --resume again; or start the whole run over with --overwrite.", e)
        { Location = e.File },
        DamagedCheckpointException e => new HodecException(
            $"The checkpoint '{e.File}' {e.Problem}, so the run cannot continue from it. "
            + "Start the run over with --overwrite (this deletes the run's files), or pass another --out.", e)
        { Location = e.File },
        _ => error,
    };
}
