using Hodec.Data;
using Hodec.Recipes;
using Hodec.Reports;

namespace Hodec.Pipeline;

/// <summary>
/// Reads the dense run a recipe names under <c>reference</c> (or its seed sibling <c>run-s&lt;seed&gt;</c>, the reference of
/// the same seed, when the run runs several seeds) and checks that it can stand as this run's reference: finished,
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
        string dir = Path.GetFullPath(SeedRuns.Resolve(spec.Run, recipe.Seed, ReportWriter.JsonFile) ?? spec.Run);
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
