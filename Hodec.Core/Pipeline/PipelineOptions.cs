namespace Hodec.Pipeline;

/// <summary>What to run and where.</summary>
/// <param name="RecipePath">The recipe file.</param>
/// <param name="RunDirectory">The run directory (created if missing).</param>
/// <param name="Overrides"><c>path=value</c> overrides, applied in order before validation.</param>
/// <param name="Resume">Continue from the last checkpoint in <paramref name="RunDirectory"/>.</param>
/// <param name="Threads">torch CPU threads; null takes the recipe's <c>data.threads</c>, else on resume the run's own count, else libtorch's default.</param>
/// <param name="Seed">Overrides the recipe's seed.</param>
/// <param name="ResumeCommand">The command that resumes this run, quoted in failure messages.</param>
public sealed record PipelineOptions(
    string RecipePath,
    string RunDirectory,
    IReadOnlyList<string>? Overrides = null,
    bool Resume = false,
    int? Threads = null,
    int? Seed = null,
    string? ResumeCommand = null);

/// <summary>What a finished run produced.</summary>
/// <param name="RunDirectory">Full path of the run directory.</param>
/// <param name="Report">The final report (with its <c>run</c> part).</param>
/// <param name="Artifacts">Files written, relative to the run directory.</param>
public sealed record PipelineOutcome(string RunDirectory, Reports.HodecReport Report, IReadOnlyList<string> Artifacts);
