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

/// <summary>Learning-rate schedule kinds, in the order recipes list them.</summary>
public enum ScheduleKind
{
    /// <summary>Cosine annealing from the base LR to <see cref="ScheduleSettings.MinLr"/>.</summary>
    Cosine,

    /// <summary>Multiply by <see cref="ScheduleSettings.Gamma"/> every <see cref="ScheduleSettings.StepEpochs"/> epochs.</summary>
    Step,

    /// <summary>One-cycle: cosine ramp up to the base LR, then cosine down to base / FinalDivFactor.</summary>
    OneCycle,

    /// <summary>Constant after warm-up.</summary>
    Constant,
}

/// <summary>Optimiser and its hyper-parameters (a recipe stage's <c>optimizer</c>).</summary>
/// <param name="Kind">The algorithm.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="Momentum">Momentum (SGD), or beta1 (Adam, AdamW).</param>
/// <param name="Nesterov">Nesterov momentum (SGD).</param>
/// <param name="WeightDecay">Weight decay (L2 for SGD and Adam, decoupled for AdamW).</param>
/// <param name="Beta2">Adam's second-moment decay.</param>
/// <param name="Epsilon">Adam's denominator term.</param>
public sealed record OptimizerSettings(
    OptimizerKind Kind = OptimizerKind.Sgd,
    double LearningRate = OptimizerSettings.DefaultLearningRate,
    double Momentum = 0.9,
    bool Nesterov = false,
    double WeightDecay = 5e-4,
    double Beta2 = 0.999,
    double Epsilon = 1e-8)
{
    public const double DefaultLearningRate = 0.1;

    /// <summary>Fine-tuning starts from trained weights, so <c>retrain</c> defaults to a smaller rate.</summary>
    public const double DefaultRetrainLearningRate = 0.01;
}

/// <summary>Per-step learning-rate schedule (a pure function of the step, see <see cref="LrSchedule"/>); a recipe stage's <c>schedule</c>.</summary>
/// <param name="Kind">Schedule shape.</param>
/// <param name="WarmupEpochs">Linear warm-up epochs, counted from the schedule's first epoch.</param>
/// <param name="MinLr">The cosine's final rate.</param>
/// <param name="StepEpochs">Epochs between decays (step).</param>
/// <param name="Gamma">Decay factor (step).</param>
/// <param name="OneCyclePctStart">One-cycle: the fraction of the steps spent rising.</param>
/// <param name="OneCycleDivFactor">One-cycle: the starting rate is the base rate over this.</param>
/// <param name="OneCycleFinalDivFactor">One-cycle: the final rate is the starting rate over this.</param>
/// <param name="CycleEpochs">Length of the schedule in epochs; 0 means the run's own epochs.</param>
/// <param name="CycleStartEpoch">The cycle epoch this run starts at, so consecutive stages continue one schedule.</param>
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
    double CycleStartEpoch = 0)
{
    /// <summary>
    /// What is wrong with this schedule for a run of <paramref name="epochs"/> epochs, as (key, message) pairs; keys and
    /// messages name the settings as recipes spell them, under <paramref name="path"/> (e.g. <c>stages.0.schedule</c>).
    /// </summary>
    public IEnumerable<(string Key, string Message)> Problems(int epochs, string path)
    {
        static string N(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (WarmupEpochs < 0 || CycleEpochs < 0 || CycleStartEpoch < 0)
        {
            yield return ("warmup_epochs", $"'{path}' has a negative epoch count (warmup_epochs {N(WarmupEpochs)}, cycle_epochs {N(CycleEpochs)}, cycle_start {N(CycleStartEpoch)})");
            yield break;
        }
        // A warm-up counts from the schedule's first epoch: the run's own, or the shared cycle's.
        var span = CycleEpochs > 0 ? CycleEpochs : epochs;
        if (WarmupEpochs > span)
        {
            var what = CycleEpochs > 0 ? $"the shared schedule's {N(span)} epochs ('{path}.cycle_epochs')" : $"this stage's {N(span)} epochs";
            yield return ("warmup_epochs", $"'{path}.warmup_epochs' ({N(WarmupEpochs)}) is longer than {what}");
        }
        if (CycleEpochs == 0 && CycleStartEpoch > 0)
        {
            yield return ("cycle_start", $"'{path}.cycle_start' places this stage in a schedule that several stages share; give that schedule's length too, e.g. 'cycle_epochs: 25'");
        }
        else if (CycleEpochs > 0 && CycleEpochs < epochs)
        {
            yield return ("cycle_epochs", $"'{path}.cycle_epochs' ({N(CycleEpochs)}) is shorter than this stage's {epochs} epochs; a shared schedule spans this stage and the ones around it");
        }
        else if (CycleEpochs > 0 && CycleStartEpoch + epochs > CycleEpochs)
        {
            yield return ("cycle_start",
                $"this stage's {epochs} epochs from cycle epoch {N(CycleStartEpoch)} run past the shared schedule's {N(CycleEpochs)} epochs ('{path}.cycle_epochs'); the latest start is {N(CycleEpochs - epochs)}");
        }
    }
}

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
        errors.AddRange(Schedule.Problems(Epochs, "schedule").Select(p => p.Message));
        if (Mean.Count != Std.Count) errors.Add("Mean and Std must have one value per channel");
        if (errors.Count > 0)
        {
            throw new HodecException("Invalid trainer settings:\n  " + string.Join("\n  ", errors));
        }
    }
}
