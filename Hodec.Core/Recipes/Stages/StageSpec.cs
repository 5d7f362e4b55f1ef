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

    /// <summary>Every stage's <c>kind</c>.</summary>
    public static RecipeKey KindKey { get; } = RecipeKey.Enum<StageKind>("kind", "the stage kind") with { Required = true, Get = RecipeKey.Of<StageSpec>(s => s.Kind) };

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
    double? GradClip = null)
{
    private static readonly OptimizerSettings Optimizers = new();
    private static readonly ScheduleSettings Schedules = new();

    /// <summary>A training stage's <c>optimizer</c> (<see cref="OptimizerSettings"/>).</summary>
    public static RecipeSection OptimizerKeys { get; } = new("optimizer", "The optimiser.",
    [
        RecipeKey.Enum<OptimizerKind>("name", "the algorithm") with { Default = YamlNames.Of(Optimizers.Kind), Get = RecipeKey.Of<OptimizerSettings>(o => o.Kind) },
        new("lr", KeyType.Number, "peak learning rate")
        {
            Default = Optimizers.LearningRate, DefaultText = $"`{OptimizerSettings.DefaultLearningRate}` (`{OptimizerSettings.DefaultRetrainLearningRate}` for `retrain`)", Min = 0, ExclusiveMin = true,
            Get = RecipeKey.Of<OptimizerSettings>(o => o.LearningRate),
        },
        new("momentum", KeyType.Number, "momentum (SGD) or beta1 (Adam)") { Default = Optimizers.Momentum, Min = 0, Max = 1, Get = RecipeKey.Of<OptimizerSettings>(o => o.Momentum) },
        new("nesterov", KeyType.Bool, "Nesterov momentum (SGD)") { Default = Optimizers.Nesterov, Get = RecipeKey.Of<OptimizerSettings>(o => o.Nesterov) },
        new("weight_decay", KeyType.Number, "weight decay") { Default = Optimizers.WeightDecay, Min = 0, Get = RecipeKey.Of<OptimizerSettings>(o => o.WeightDecay) },
    ]);

    /// <summary>A training stage's <c>schedule</c> (<see cref="ScheduleSettings"/>).</summary>
    public static RecipeSection ScheduleKeys { get; } = new("schedule", "The learning-rate schedule.",
    [
        RecipeKey.Enum<ScheduleKind>("name", "the schedule's shape") with { Default = YamlNames.Of(Schedules.Kind), Get = RecipeKey.Of<ScheduleSettings>(s => s.Kind) },
        new("warmup_epochs", KeyType.Int, "linear warm-up, counted from the schedule's first epoch") { Default = Schedules.WarmupEpochs, Min = 0, Get = RecipeKey.Of<ScheduleSettings>(s => s.WarmupEpochs) },
        new("step_size", KeyType.Int, "epochs between decays, for `step`") { Default = Schedules.StepEpochs, Min = 1, Get = RecipeKey.Of<ScheduleSettings>(s => s.StepEpochs) },
        new("gamma", KeyType.Number, "decay factor, for `step`") { Default = Schedules.Gamma, Min = 0, Max = 1, Get = RecipeKey.Of<ScheduleSettings>(s => s.Gamma) },
        new("cycle_epochs", KeyType.Int, "length of a schedule that consecutive stages share") { Default = Schedules.CycleEpochs, DefaultText = "`0` (this stage's epochs)", Min = 0, Get = RecipeKey.Of<ScheduleSettings>(s => s.CycleEpochs) },
        new("cycle_start", KeyType.Int, "the epoch of the shared schedule at which this stage starts") { Default = Schedules.CycleStartEpoch, Min = 0, Get = RecipeKey.Of<ScheduleSettings>(s => s.CycleStartEpoch) },
    ]);

    /// <summary>The keys every training stage (train, adal, retrain) has, after <c>kind</c>.</summary>
    public static IReadOnlyList<RecipeKey> Keys { get; } =
    [
        new("epochs", KeyType.Int, "epochs of this stage") { Required = true, Min = 1, Get = Training(t => t.Epochs) },
        RecipeKey.Map("optimizer", OptimizerKeys, "the optimiser") with { Get = Training(t => t.Optimizer) },
        RecipeKey.Map("schedule", ScheduleKeys, "the learning-rate schedule") with { Get = Training(t => t.Schedule) },
        new("label_smoothing", KeyType.Number, "label smoothing") { Default = 0.0, Min = 0, Max = 1, Get = Training(t => t.LabelSmoothing) },
        new("grad_clip", KeyType.Number, "gradient-norm clipping") { Min = 0, ExclusiveMin = true, Get = Training(t => t.GradClip) },
    ];

    // A training key's value, read from the stage that holds these settings.
    private static Func<object, object?> Training(Func<TrainingSettings, object?> get) => RecipeKey.Of<StageSpec>(s => get(StageSpec.TrainingOf(s)!));
}

/// <summary>Plain dense training.</summary>
public sealed record TrainStageSpec(TrainingSettings Training) : StageSpec
{
    public static RecipeSection Keys { get; } = new("train", "Plain dense training.", [KindKey, .. TrainingSettings.Keys]);

    public override StageKind Kind => StageKind.Train;
}

/// <summary>Fine-tuning of the projected model; the TT cores are the parameters. Optionally distils from a dense model.</summary>
public sealed record RetrainStageSpec(TrainingSettings Training, DistillSpec? Distill = null) : StageSpec
{
    public static RecipeSection Keys { get; } = new("retrain", "Fine-tuning of the projected model, optionally distilled from a dense one.",
        [KindKey, .. TrainingSettings.Keys, RecipeKey.Map("distill", DistillSpec.Keys, "knowledge distillation from a dense model of this run") with { Get = RecipeKey.Of<RetrainStageSpec>(r => r.Distill) }]);

    public override StageKind Kind => StageKind.Retrain;
    public override bool NeedsCompressedModel => true;
}

/// <summary>Model surgery: TT-SVD of each selected layer at the planned ranks.</summary>
/// <param name="Evaluate">Measure top-1 right before and right after projection.</param>
public sealed record ProjectStageSpec(bool Evaluate = true) : StageSpec
{
    public static RecipeSection Keys { get; } = new("project", "Model surgery: each selected layer is decomposed at its planned ranks.",
        [KindKey, new("evaluate", KeyType.Bool, "measure top-1 right before and right after projection") { Default = true, Get = RecipeKey.Of<ProjectStageSpec>(p => p.Evaluate) }]);

    public override StageKind Kind => StageKind.Project;
}

/// <summary>The keys of each stage kind, for the reader, the JSON Schema and the docs.</summary>
public static class StageSections
{
    public static IReadOnlyDictionary<StageKind, RecipeSection> All { get; } = new Dictionary<StageKind, RecipeSection>
    {
        [StageKind.Train] = TrainStageSpec.Keys,
        [StageKind.Adal] = AdalStageSpec.Keys,
        [StageKind.Project] = ProjectStageSpec.Keys,
        [StageKind.Retrain] = RetrainStageSpec.Keys,
        [StageKind.Evaluate] = EvaluateStageSpec.Keys,
        [StageKind.Export] = ExportStageSpec.Keys,
    };
}
