using static TorchSharp.torch;

namespace Hodec.Training;

/// <summary>Metrics of one epoch: training loss and LR, then test-set evaluation (eval mode, full split).</summary>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainTop1, double TestLoss, double Top1, double Top5, double LearningRate, double Seconds);

/// <summary>Progress report after each training batch (for progress bars).</summary>
public sealed record TrainingProgress(int Epoch, int Batch, int Batches, double Loss, double Accuracy, double LearningRate, double SamplesPerSecond);

/// <summary>Result of evaluating a model on a split.</summary>
public sealed record EvalResult(double Loss, double Top1, double Top5);

/// <summary>
/// Extension point for stages that add to the loss or act between steps (ADAL uses them all, distillation the loss).
/// Every method has a no-op default.
/// </summary>
public interface ITrainingHook
{
    /// <summary>
    /// A term added to the loss of each step (an augmented-Lagrangian penalty, a distillation term); null for none.
    /// <paramref name="input"/> is the step's normalised batch and <paramref name="logits"/> the model's output on it.
    /// </summary>
    Tensor? ExtraLoss(nn.Module model, Tensor input, Tensor logits) => null;

    /// <summary>Called after each optimiser step with the 1-based global step count.</summary>
    void OnStepEnd(int globalStep)
    {
    }

    /// <summary>Called after each epoch's evaluation.</summary>
    void OnEpochEnd(int epoch, EpochMetrics metrics)
    {
    }

    /// <summary>Called after the trainer wrote a checkpoint to <paramref name="checkpointPath"/>: persist hook state beside it.</summary>
    void OnCheckpointSaved(string checkpointPath)
    {
    }

    /// <summary>Called after the trainer resumed from <paramref name="checkpointPath"/>: restore what <see cref="OnCheckpointSaved"/> wrote.</summary>
    void OnCheckpointLoaded(string checkpointPath)
    {
    }
}

/// <summary>Training stopped because the loss became NaN or infinite.</summary>
public sealed class DivergenceException(string message) : HodecException(message);
