using Hodec.Training;

namespace Hodec.Recipes;

/// <summary>The built-in stage kinds, in the order a typical recipe uses them.</summary>
public enum StageKind { Train, Adal, Project, Retrain, Evaluate, Export }

/// <summary>One entry of <c>stages:</c>. Each kind has its own settings record.</summary>
public abstract record StageSpec
{
    public abstract StageKind Kind { get; }

    /// <summary>Whether the stage needs the projected (TT) model, i.e. must come after <c>project</c>.</summary>
    public virtual bool NeedsCompressedModel => false;

    /// <summary>The training settings of a train, adal or retrain stage; null for the others.</summary>
    public static TrainingSettings? TrainingOf(StageSpec stage) => stage switch
    {
        TrainStageSpec t => t.Training,
        AdalStageSpec a => a.Training,
        RetrainStageSpec r => r.Training,
        _ => null,
    };
}

/// <summary>What every training stage (train, adal, retrain) is configured with; the trainer takes the optimiser and schedule as they are.</summary>
public sealed record TrainingSettings(
    int Epochs,
    OptimizerSettings Optimizer,
    ScheduleSettings Schedule,
    double LabelSmoothing = 0,
    double? GradClip = null);

/// <summary>Plain dense training.</summary>
public sealed record TrainStageSpec(TrainingSettings Training) : StageSpec
{
    public override StageKind Kind => StageKind.Train;
}

/// <summary>Fine-tuning of the projected model; the TT cores are the parameters. Optionally distils from a dense model.</summary>
public sealed record RetrainStageSpec(TrainingSettings Training, DistillSpec? Distill = null) : StageSpec
{
    public override StageKind Kind => StageKind.Retrain;
    public override bool NeedsCompressedModel => true;
}

/// <summary>Model surgery: TT-SVD of each selected layer at the planned ranks.</summary>
/// <param name="Evaluate">Measure top-1 right before and right after projection.</param>
public sealed record ProjectStageSpec(bool Evaluate = true) : StageSpec
{
    public override StageKind Kind => StageKind.Project;
}
