using System.Diagnostics;
using Hodec.Data;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Hodec.Training;

/// <summary>
/// Supervised classification training with per-epoch evaluation, checkpoints, divergence detection and
/// cancellation. Each step runs in its own dispose scope so live tensors stay flat across epochs.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> model;
    private readonly TrainerSettings settings;
    private readonly IReadOnlyList<ITrainingHook> hooks;
    private readonly IProgress<TrainingProgress>? progress;
    private readonly optim.Optimizer optimizer;
    private readonly Generator dataGenerator;

    /// <summary>Prepares training of <paramref name="model"/> (its parameters at construction time are optimised).</summary>
    public Trainer(nn.Module<Tensor, Tensor> model, TrainerSettings settings, IReadOnlyList<ITrainingHook>? hooks = null, IProgress<TrainingProgress>? progress = null)
    {
        settings.Validate();
        this.model = model;
        this.settings = settings;
        this.hooks = hooks ?? [];
        this.progress = progress;
        optimizer = CreateOptimizer(model, settings.Optimizer);
        dataGenerator = new Generator((ulong)settings.Seed);
    }

    /// <summary>The optimiser (for hooks and tests).</summary>
    public optim.Optimizer Optimizer => optimizer;

    /// <summary>
    /// Trains for <see cref="TrainerSettings.Epochs"/> epochs (or the rest of them, when resuming from a
    /// checkpoint) and returns the metrics of every epoch, including those before the resume point.
    /// </summary>
    /// <exception cref="DivergenceException">The loss became NaN or infinite; the last good checkpoint, if one was written, is kept.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; a checkpoint of the state at the last finished step was saved.</exception>
    public IReadOnlyList<EpochMetrics> Fit(TensorDataset train, TensorDataset test, string? resumeFrom = null, CancellationToken cancellationToken = default)
    {
        if (settings.Threads is int threads)
        {
            torch.set_num_threads(threads);
        }

        CheckpointState state;
        Tensor? order = null;
        if (resumeFrom is null)
        {
            torch.random.manual_seed(settings.Seed);
            state = new CheckpointState(0, 0, 0, 0, 0, 0, []);
        }
        else
        {
            (state, order) = Checkpoint.Load(resumeFrom, model, optimizer, dataGenerator);
            foreach (var hook in hooks)
            {
                hook.OnCheckpointLoaded(resumeFrom);
            }
        }

        try
        {
            return Run(train, test, state, order, cancellationToken);
        }
        finally
        {
            model.eval();
        }
    }

    private IReadOnlyList<EpochMetrics> Run(TensorDataset train, TensorDataset test, CheckpointState state, Tensor? order, CancellationToken ct)
    {
        int n = train.Count, batches = (n + settings.BatchSize - 1) / settings.BatchSize;
        long totalSteps = (long)batches * settings.Epochs;
        var history = new List<EpochMetrics>(state.History);
        var (epoch, batch, step) = (state.Epoch, state.Batch, state.GlobalStep);
        var (lossSum, correct, seen) = (state.LossSum, state.Correct, state.Seen);
        double lr = 0;
        var clock = Stopwatch.StartNew();

        for (; epoch < settings.Epochs; epoch++, batch = 0, lossSum = 0, correct = 0, seen = 0)
        {
            if (order is null)
            {
                using var _ = NewDisposeScope();
                order = randperm(n, generator: dataGenerator).DetachFromDisposeScope();
            }

            model.train();
            var epochClock = Stopwatch.StartNew();
            for (; batch < batches; batch++)
            {
                if (ct.IsCancellationRequested)
                {
                    SaveCheckpoint(new CheckpointState(epoch, batch, step, lossSum, correct, seen, history), order);
                    order.Dispose();
                    throw new OperationCanceledException(
                        $"Training cancelled at epoch {epoch + 1}, batch {batch + 1}" +
                        (settings.CheckpointPath is null ? "." : $"; checkpoint saved to '{settings.CheckpointPath}'."), ct);
                }

                lr = LrSchedule.At(settings.Schedule, settings.Optimizer.LearningRate, step, totalSteps, batches);
                int start = batch * settings.BatchSize, size = Math.Min(settings.BatchSize, n - start);
                var (loss, hits) = Step(train, order, start, size, lr, epoch, batch, step);
                step++;
                lossSum += loss;
                correct += hits;
                seen += size;
                foreach (var hook in hooks)
                {
                    hook.OnStepEnd((int)step);
                }

                progress?.Report(new TrainingProgress(epoch + 1, batch + 1, batches, lossSum / (batch + 1), (double)correct / seen, lr, seen / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds)));
            }

            order.Dispose();
            order = null;
            var eval = Evaluate(model, test, settings);
            model.train();
            var metrics = new EpochMetrics(epoch + 1, lossSum / batches, (double)correct / seen, eval.Loss, eval.Top1, eval.Top5, lr, epochClock.Elapsed.TotalSeconds);
            history.Add(metrics);
            foreach (var hook in hooks)
            {
                hook.OnEpochEnd(epoch + 1, metrics);
            }

            SaveCheckpoint(new CheckpointState(epoch + 1, 0, step, 0, 0, 0, history), null);
        }

        return history;
    }

    private (double Loss, long Correct) Step(TensorDataset train, Tensor order, int start, int size, double lr, int epoch, int batch, long step)
    {
        using var scope = NewDisposeScope();
        var indices = order.narrow(0, start, size);
        var images = BatchTransforms.Augment(train.Images.index_select(0, indices), settings.Augment, dataGenerator);
        var x = BatchTransforms.Normalize(images, settings.Mean, settings.Std);
        var y = train.Labels.index_select(0, indices);
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = lr;
        }

        optimizer.zero_grad();
        var logits = model.call(x);
        var loss = F.cross_entropy(logits, y, label_smoothing: settings.LabelSmoothing);
        foreach (var hook in hooks)
        {
            if (hook.ExtraLoss(model, x, logits) is Tensor extra)
            {
                loss = loss + extra;
            }
        }

        double value = loss.item<float>();
        if (!double.IsFinite(value))
        {
            throw new DivergenceException(
                $"Training diverged: the loss is {value} at epoch {epoch + 1}, batch {batch + 1} (step {step + 1}, learning rate {lr:G4}). " +
                "Lower the learning rate, add warm-up or gradient clipping (GradientClipNorm), or check the input data. " +
                (settings.CheckpointPath is null ? "No checkpoint was configured."
                    : File.Exists(settings.CheckpointPath) ? $"The last good checkpoint is kept at '{settings.CheckpointPath}'."
                    : "No checkpoint of this training was written yet (one is written at the end of each epoch)."));
        }

        loss.backward();
        if (settings.GradientClipNorm is double maxNorm)
        {
            nn.utils.clip_grad_norm_(model.parameters(), maxNorm);
        }

        optimizer.step();
        long hits = logits.argmax(1).eq(y).sum().item<long>();
        return (value, hits);
    }

    private void SaveCheckpoint(CheckpointState state, Tensor? order)
    {
        if (settings.CheckpointPath is string path)
        {
            Checkpoint.Save(path, model, optimizer, state, dataGenerator, order);
            foreach (var hook in hooks)
            {
                hook.OnCheckpointSaved(path);
            }
        }
    }

    /// <summary>Loss (mean cross-entropy, no smoothing), top-1 and top-5 accuracy on the whole split, in eval mode.</summary>
    public static EvalResult Evaluate(nn.Module<Tensor, Tensor> model, TensorDataset data, TrainerSettings settings)
    {
        model.eval();
        return Evaluate(model.call, data, settings);
    }

    /// <summary>
    /// Loss (mean cross-entropy, no smoothing), top-1 and top-5 accuracy of <paramref name="forward"/> on the whole split,
    /// normalised as <paramref name="settings"/> say; the forward gets float32 batches and returns logits.
    /// </summary>
    public static EvalResult Evaluate(Func<Tensor, Tensor> forward, TensorDataset data, TrainerSettings settings)
    {
        using var noGrad = no_grad();
        double lossSum = 0;
        long top1 = 0, top5 = 0;
        int k = Math.Min(5, data.NumClasses);
        for (int start = 0; start < data.Count; start += settings.EvalBatchSize)
        {
            using var scope = NewDisposeScope();
            int size = Math.Min(settings.EvalBatchSize, data.Count - start);
            var x = BatchTransforms.Normalize(data.Images.narrow(0, start, size), settings.Mean, settings.Std);
            var y = data.Labels.narrow(0, start, size);
            var logits = forward(x);
            lossSum += F.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
            var best = logits.topk(k, dim: 1).indexes;
            var hit = best.eq(y.unsqueeze(1));
            top1 += hit.narrow(1, 0, 1).sum().item<long>();
            top5 += hit.sum().item<long>();
        }

        return data.Count == 0 ? new EvalResult(0, 0, 0) : new EvalResult(lossSum / data.Count, (double)top1 / data.Count, (double)top5 / data.Count);
    }

    private static optim.Optimizer CreateOptimizer(nn.Module model, OptimizerSettings o) => o.Kind switch
    {
        OptimizerKind.Sgd => new ScalarSafeSgd(model.parameters(), o.LearningRate, o.Momentum, 0, o.WeightDecay, o.Nesterov),
        OptimizerKind.Adam => optim.Adam(model.parameters(), o.LearningRate, o.Momentum, o.Beta2, o.Epsilon, o.WeightDecay),
        OptimizerKind.AdamW => optim.AdamW(model.parameters(), o.LearningRate, o.Momentum, o.Beta2, o.Epsilon, o.WeightDecay),
        _ => throw new HodecException($"Unknown optimiser {o.Kind}."),
    };

    /// <inheritdoc />
    public void Dispose()
    {
        optimizer.Dispose();
        dataGenerator.Dispose();
    }
}
