using Hodec.Data;

namespace Hodec.Training;

/// <summary>Optimiser kinds.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with optional (Nesterov) momentum.</summary>
    Sgd,

    /// <summary>Adam (L2 weight decay added to the gradient).</summary>
    Adam,

    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,
}

/// <summary>Learning-rate schedule kinds.</summary>
public enum ScheduleKind
{
    /// <summary>Constant after warm-up.</summary>
    Constant,

    /// <summary>Cosine annealing from the base LR to <see cref="ScheduleSettings.MinLr"/>.</summary>
    Cosine,

    /// <summary>Multiply by <see cref="ScheduleSettings.Gamma"/> every <see cref="ScheduleSettings.StepEpochs"/> epochs.</summary>
    Step,

    /// <summary>One-cycle: cosine ramp up to the base LR, then cosine down to base / FinalDivFactor.</summary>
    OneCycle,
}

/// <summary>Optimiser and its hyper-parameters.</summary>
public sealed record OptimizerSettings(
    OptimizerKind Kind = OptimizerKind.Sgd,
    double LearningRate = 0.1,
    double Momentum = 0.9,
    bool Nesterov = false,
    double WeightDecay = 5e-4,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8);

/// <summary>Per-step learning-rate schedule (a pure function of the step, see <see cref="LrSchedule"/>).</summary>
/// <remarks>
/// With <see cref="CycleEpochs"/> &gt; 0 the schedule spans that many epochs and this run covers the epochs from
/// <see cref="CycleStartEpoch"/> on: stages that follow each other continue one schedule instead of restarting it.
/// </remarks>
public sealed record ScheduleSettings(
    ScheduleKind Kind = ScheduleKind.Cosine,
    double WarmupEpochs = 0,
    double MinLr = 0,
    int StepEpochs = 30,
    double Gamma = 0.1,
    double OneCyclePctStart = 0.3,
    double OneCycleDivFactor = 25,
    double OneCycleFinalDivFactor = 1e4,
    double CycleEpochs = 0,
    double CycleStartEpoch = 0);

/// <summary>Everything that defines a training run. Immutable; the trainer copies nothing out of it later.</summary>
public sealed record TrainerSettings
{
    /// <summary>Number of epochs.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Training batch size (the last partial batch is used too).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Evaluation batch size.</summary>
    public int EvalBatchSize { get; init; } = 1000;

    /// <summary>Seed for the data order, augmentation and (if the trainer creates it) nothing else.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Optimiser.</summary>
    public OptimizerSettings Optimizer { get; init; } = new();

    /// <summary>LR schedule.</summary>
    public ScheduleSettings Schedule { get; init; } = new();

    /// <summary>Label smoothing in [0, 1).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Clip the global gradient norm to this value; null for no clipping.</summary>
    public double? GradientClipNorm { get; init; }

    /// <summary>torch intra-op threads; null keeps the current setting.</summary>
    public int? Threads { get; init; }

    /// <summary>Training-time augmentation.</summary>
    public AugmentSettings Augment { get; init; } = new();

    /// <summary>Per-channel normalisation mean (of [0,1] pixels).</summary>
    public IReadOnlyList<double> Mean { get; init; } = [0.2860];

    /// <summary>Per-channel normalisation std.</summary>
    public IReadOnlyList<double> Std { get; init; } = [0.3530];

    /// <summary>Checkpoint file written at every epoch end and on cancellation; null disables checkpoints.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>These settings with the dataset's normalisation mean and std.</summary>
    public TrainerSettings WithNormalisation(DatasetInfo dataset) => this with { Mean = dataset.Mean, Std = dataset.Std };

    /// <summary>Throws <see cref="HodecException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (Epochs < 1) errors.Add($"Epochs must be >= 1 (got {Epochs})");
        if (BatchSize < 1) errors.Add($"BatchSize must be >= 1 (got {BatchSize})");
        if (EvalBatchSize < 1) errors.Add($"EvalBatchSize must be >= 1 (got {EvalBatchSize})");
        if (Optimizer.LearningRate <= 0) errors.Add($"Optimizer.LearningRate must be > 0 (got {Optimizer.LearningRate})");
        if (LabelSmoothing is < 0 or >= 1) errors.Add($"LabelSmoothing must be in [0, 1) (got {LabelSmoothing})");
        if (GradientClipNorm is <= 0) errors.Add($"GradientClipNorm must be > 0 (got {GradientClipNorm})");
        if (Threads is < 1) errors.Add($"Threads must be >= 1 (got {Threads})");
        // In a shared cycle the warm-up counts from the cycle's first epoch, so the cycle bounds it, not this run.
        (double span, string spanName) = Schedule.CycleEpochs > 0 ? (Schedule.CycleEpochs, "Schedule.CycleEpochs") : (Epochs, "Epochs");
        if (Schedule.WarmupEpochs < 0 || Schedule.WarmupEpochs > span) errors.Add($"Schedule.WarmupEpochs must be in [0, {spanName}] (got {Schedule.WarmupEpochs})");
        if (Schedule.CycleEpochs < 0 || Schedule.CycleStartEpoch < 0) errors.Add($"Schedule.CycleEpochs and Schedule.CycleStartEpoch must be >= 0 (got {Schedule.CycleEpochs}, {Schedule.CycleStartEpoch})");
        if (Schedule.CycleEpochs > 0 && Schedule.CycleStartEpoch + Epochs > Schedule.CycleEpochs) errors.Add($"Schedule.CycleStartEpoch + Epochs must be <= Schedule.CycleEpochs (got {Schedule.CycleStartEpoch} + {Epochs} > {Schedule.CycleEpochs})");
        if (Schedule.CycleEpochs == 0 && Schedule.CycleStartEpoch > 0) errors.Add("Schedule.CycleStartEpoch needs Schedule.CycleEpochs");
        if (Mean.Count != Std.Count) errors.Add("Mean and Std must have one value per channel");
        if (errors.Count > 0)
        {
            throw new HodecException("Invalid trainer settings:\n  " + string.Join("\n  ", errors));
        }
    }
}
