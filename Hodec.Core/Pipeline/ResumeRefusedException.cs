namespace Hodec.Pipeline;

/// <summary>Why a run directory cannot be resumed.</summary>
public enum ResumeRefusal
{
    /// <summary>The directory holds no earlier run (no saved recipe).</summary>
    NoEarlierRun,

    /// <summary>The recipe, as resolved now, differs from the one the run started with.</summary>
    RecipeDiffers,
}

/// <summary>
/// A resume was asked for, but the run directory cannot continue. Carries the facts; a front end words what to do
/// (the CLI names its flags).
/// </summary>
public sealed class ResumeRefusedException : HodecException
{
    /// <summary>Creates the refusal; <paramref name="difference"/> is the first differing line, when there is one.</summary>
    public ResumeRefusedException(ResumeRefusal reason, string directory, string savedRecipe, string? difference = null)
        : base(reason == ResumeRefusal.NoEarlierRun
            ? $"'{directory}' holds no earlier run to resume (no {Path.GetFileName(savedRecipe)}); start a new run instead."
            : $"The recipe differs from the one this run started with ({savedRecipe}){(difference is null ? "" : $": {difference}")}. "
              + "Resume with the same recipe and options, or start the run over or into another directory.")
    {
        Reason = reason;
        Directory = directory;
        SavedRecipe = savedRecipe;
        Difference = difference;
        Location = reason == ResumeRefusal.NoEarlierRun ? directory : savedRecipe;
    }

    /// <summary>Why the run cannot continue.</summary>
    public ResumeRefusal Reason { get; }

    /// <summary>Full path of the run directory.</summary>
    public string Directory { get; }

    /// <summary>Path of the recipe the run started with (which may not exist, for <see cref="ResumeRefusal.NoEarlierRun"/>).</summary>
    public string SavedRecipe { get; }

    /// <summary>The first difference between the two recipes, when one was found.</summary>
    public string? Difference { get; }
}
