namespace Hodec.Pipeline;

/// <summary>What to run and where.</summary>
/// <param name="RecipePath">The recipe file.</param>
/// <param name="RunDirectory">The run directory (created if missing).</param>
/// <param name="Overrides"><c>path=value</c> overrides, applied in order before validation.</param>
/// <param name="Resume">Continue from the last checkpoint in <paramref name="RunDirectory"/>.</param>
/// <param name="Threads">torch CPU threads; null takes the recipe's <c>data.threads</c>, else on resume the run's own count, else libtorch's default.</param>
/// <param name="Seed">Overrides the recipe's seed.</param>
/// <param name="ResumeCommand">The command that resumes this run, quoted in failure messages.</param>
/// <param name="Overwrite">Start over in a directory that holds an earlier run, deleting that run's files; without it (and without <paramref name="Resume"/>) such a directory is refused.</param>
/// <param name="Claim">The caller's claim on <paramref name="RunDirectory"/>, taken with the matching <see cref="RunStart"/> before it wrote anything there; null: the run takes one and releases it when it ends.</param>
public sealed record PipelineOptions(
    string RecipePath,
    string RunDirectory,
    IReadOnlyList<string>? Overrides = null,
    bool Resume = false,
    int? Threads = null,
    int? Seed = null,
    string? ResumeCommand = null,
    bool Overwrite = false,
    RunDirectoryClaim? Claim = null)
{
    /// <summary>How the run treats what its directory already holds.</summary>
    public RunStart Start => Resume ? RunStart.Resume : Overwrite ? RunStart.Overwrite : RunStart.New;

    /// <summary>Also write TensorBoard event files under the run directory (<see cref="TensorBoardLog"/>).</summary>
    public bool TensorBoard { get; init; }
}

/// <summary>What a finished run produced.</summary>
/// <param name="RunDirectory">Full path of the run directory.</param>
/// <param name="Report">The final report (with its <c>run</c> part).</param>
/// <param name="Artifacts">Files written, relative to the run directory.</param>
public sealed record PipelineOutcome(string RunDirectory, Reports.HodecReport Report, IReadOnlyList<string> Artifacts);
