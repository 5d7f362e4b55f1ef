using System.Collections.Immutable;
using Hodec.Recipes;

namespace Hodec.Pipeline;

/// <summary>A stage kind: its recipe name, a one-line description and the stage function.</summary>
public sealed record StageRegistration(StageKind Kind, string Description, Stage Run)
{
    /// <summary>The name recipes use, e.g. <c>retrain</c>.</summary>
    public string Name => YamlNames.Of(Kind);
}

/// <summary>
/// Immutable map from stage kind to its stage function. Each stage folder (<c>Pipeline/Stages/*</c>) exposes a
/// <c>Registration</c>; <see cref="Default"/> lists them, so adding a kind is a change in its own folder and one line here.
/// </summary>
public sealed class StageRegistry
{
    private readonly ImmutableDictionary<StageKind, StageRegistration> stages;

    private StageRegistry(ImmutableDictionary<StageKind, StageRegistration> stages) => this.stages = stages;

    /// <summary>No stages.</summary>
    public static StageRegistry Empty { get; } = new(ImmutableDictionary<StageKind, StageRegistration>.Empty);

    /// <summary>The built-in stages: train, adal, project, retrain, evaluate, export.</summary>
    public static StageRegistry Default { get; } = Empty
        .With(Stages.Train.TrainStage.Registration)
        .With(Stages.Adal.AdalStage.Registration)
        .With(Stages.Project.ProjectStage.Registration)
        .With(Stages.Retrain.RetrainStage.Registration)
        .With(Stages.Evaluate.EvaluateStage.Registration)
        .With(Stages.Export.ExportStage.Registration);

    /// <summary>Registered stages in kind order.</summary>
    public IReadOnlyList<StageRegistration> All => [.. stages.Values.OrderBy(s => s.Kind)];

    /// <summary>A registry with <paramref name="registration"/> added (replacing one of the same kind).</summary>
    public StageRegistry With(StageRegistration registration) => new(stages.SetItem(registration.Kind, registration));

    /// <summary>The stage function for <paramref name="kind"/>.</summary>
    public Stage Get(StageKind kind) =>
        stages.TryGetValue(kind, out var registration)
            ? registration.Run
            : throw new HodecException($"No stage is registered for kind '{YamlNames.Of(kind)}'. Registered: {string.Join(", ", All.Select(s => s.Name))}.");
}
