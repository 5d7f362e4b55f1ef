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

/// <summary>Optimiser settings shared by every training stage.</summary>
public sealed record OptimizerSpec(
    OptimizerName Name = OptimizerName.Sgd,
    double Lr = OptimizerSpec.DefaultLr,
    double Momentum = 0.9,
    bool Nesterov = false,
    double WeightDecay = OptimizerSpec.DefaultWeightDecay)
{
    public const double DefaultLr = 0.1;

    /// <summary>Fine-tuning starts from trained weights, so <c>retrain</c> defaults to a smaller rate.</summary>
    public const double DefaultRetrainLr = 0.01;
    public const double DefaultWeightDecay = 5e-4;
}

public enum OptimizerName { Sgd, Adam, AdamW }

/// <summary>Learning-rate schedule over the stage's epochs, or over a cycle that several stages share.</summary>
/// <param name="Name">Schedule shape.</param>
/// <param name="WarmupEpochs">Linear warm-up epochs.</param>
/// <param name="StepSize">Epochs between decays (step).</param>
/// <param name="Gamma">Decay factor (step).</param>
/// <param name="CycleEpochs">Length of the schedule in epochs; 0 means this stage's own epochs.</param>
/// <param name="CycleStart">The cycle epoch this stage starts at, so consecutive stages continue one schedule.</param>
public sealed record ScheduleSpec(
    ScheduleName Name = ScheduleName.Cosine,
    int WarmupEpochs = 0,
    int StepSize = ScheduleSpec.DefaultStepSize,
    double Gamma = ScheduleSpec.DefaultGamma,
    int CycleEpochs = 0,
    int CycleStart = 0)
{
    public const int DefaultStepSize = 30;
    public const double DefaultGamma = 0.1;
}

public enum ScheduleName { Cosine, Step, OneCycle, Constant }

/// <summary>What every training stage (train, adal, retrain) is configured with.</summary>
public sealed record TrainingSettings(
    int Epochs,
    OptimizerSpec Optimizer,
    ScheduleSpec Schedule,
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
