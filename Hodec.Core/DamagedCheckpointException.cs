namespace Hodec;

/// <summary>
/// A checkpoint that a resume (or a later stage) needs is missing or is not the file that was written: its size or
/// SHA-256 differs from the ones recorded when it was written, or it cannot be read. Carries the facts; a front end
/// words what to do (the CLI names its flags).
/// </summary>
/// <param name="file">Full path of the checkpoint.</param>
/// <param name="problem">What is wrong, as a predicate: "is missing", "is truncated: ...".</param>
/// <param name="inner">The read error, when there was one.</param>
public sealed class DamagedCheckpointException(string file, string problem, Exception? inner = null)
    : HodecException($"The checkpoint '{file}' {problem}.", inner)
{
    /// <summary>Full path of the checkpoint.</summary>
    public string File { get; } = file;

    /// <summary>What is wrong with it ("is missing", "is truncated: ...").</summary>
    public string Problem { get; } = problem;

    /// <summary>
    /// The 1-based stage that can start again from its beginning once <see cref="Restart"/> is deleted (a trainer
    /// checkpoint of the stage in progress); null when the run can only start over.
    /// </summary>
    public int? RestartableStage { get; init; }

    /// <summary>The files to delete so that <see cref="RestartableStage"/> starts again from its beginning.</summary>
    public IReadOnlyList<string> Restart { get; init; } = [];
}
