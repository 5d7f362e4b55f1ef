using Hodec.Costs;
using Hodec.Recipes;
using Hodec.Reports;
using Hodec.Training;
using static TorchSharp.torch;

namespace Hodec.Pipeline;

/// <summary>What the training stages share: running the trainer with the run's checkpoint, and measuring a model.</summary>
public static class StageTraining
{
    /// <summary>
    /// Trains the state's model for the stage. The trainer checkpoints every epoch (and on Ctrl+C) to the stage's
    /// checkpoint file; when resuming and that file exists, training continues from it. Each epoch is logged, with
    /// <c>epochNote</c> (read after the hooks ran) appended, and reported to <see cref="StageContext.Events"/> with
    /// <c>approximationErrors</c> (also read after the hooks ran).
    /// </summary>
    /// <exception cref="DamagedCheckpointException">The stage's checkpoint (or a hook's state beside it) is not the file that was written; deleting <see cref="DamagedCheckpointException.Restart"/> restarts the stage.</exception>
    public static IReadOnlyList<EpochMetrics> Fit(PipelineState state, StageContext context, TrainingSettings training, IReadOnlyList<ITrainingHook>? hooks = null, Func<string>? epochNote = null,
        Func<IReadOnlyDictionary<string, double>>? approximationErrors = null)
    {
        var checkpoint = context.Run.TrainerCheckpoint(context.Index);
        var settings = RecipeModel.TrainerSettings(context.Recipe, training, context.Index, checkpoint);
        var resumeFrom = context.Resume && File.Exists(checkpoint) ? checkpoint : null;
        if (resumeFrom is not null)
        {
            context.Log.Information("Stage {Stage} continues from {Checkpoint}", context.Name, resumeFrom);
        }
        var log = new EpochLog(context.Log, context.Name, training.Epochs, context.Data.SelectionName, epochNote);
        ITrainingHook[] report = context.Events is { } events
            ? [new EpochEvents(events, context, training.Epochs, approximationErrors)]
            : [];
        using var trainer = new Trainer(state.Model, settings, [.. hooks ?? [], log, .. report], context.Progress);
        try
        {
            return trainer.Fit(context.Data.Train, context.Data.Selection, resumeFrom, context.CancellationToken);
        }
        catch (DamagedCheckpointException e) when (resumeFrom is not null && e.RestartableStage is null)
        {
            // The stage's own checkpoint (or a hook's file beside it): without them the stage starts from its beginning.
            var folder = Path.GetDirectoryName(checkpoint)!;
            string[] restart = [.. Directory.EnumerateFiles(folder, Path.GetFileName(checkpoint) + "*").Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
            throw new DamagedCheckpointException(e.File, e.Problem, e) { Location = e.File, RestartableStage = context.Index + 1, Restart = restart };
        }
    }

    /// <summary>One report row per epoch: mean training loss, top-1 in percent on the selection split, final learning rate.</summary>
    public static EpochReport Epoch(EpochMetrics m, IReadOnlyDictionary<string, double>? approxError = null) =>
        new(m.Epoch, m.TrainLoss, m.Top1 * 100, m.LearningRate, approxError);

    /// <summary>A training stage's report: its epochs, measured on the selection split.</summary>
    public static StageReport Report(StageContext context, IEnumerable<EpochReport> epochs) =>
        new(context.Name, [.. epochs], Split: context.Data.SelectionName);

    /// <summary>Accuracy on the selection split (validation, or test without one), params and MACs: for choices during the run.</summary>
    public static ModelMetrics MeasureSelection(nn.Module<Tensor, Tensor> model, StageContext context) =>
        Measure(model, context.Recipe, context.Data.Selection, context.Data.SelectionName, context.InputShape);

    /// <summary>Top-1 and top-5 (percent) on the full test split, trainable parameters and MACs per image on the executed path.</summary>
    public static ModelMetrics MeasureTest(nn.Module<Tensor, Tensor> model, StageContext context) =>
        Measure(model, context.Recipe, context.Data.Test, Data.SplitNames.Test, context.InputShape);

    /// <summary>Accuracy on <paramref name="split"/> (named <paramref name="splitName"/>), params and MACs of the executed path.</summary>
    public static ModelMetrics Measure(nn.Module<Tensor, Tensor> model, Recipe recipe, Data.TensorDataset split, string splitName, long[] inputShape)
    {
        var eval = Trainer.Evaluate(model, split, RecipeModel.EvalSettings(recipe));
        var cost = ModelCost.Measure(model, inputShape);
        return new ModelMetrics(eval.Top1 * 100, eval.Top5 * 100, cost.TotalParams, cost.TotalMacs, splitName);
    }

    // Tells the progress display how each epoch ended, after the hooks before it updated their state.
    private sealed class EpochEvents(IProgress<PipelineProgress> events, StageContext context, int epochs, Func<IReadOnlyDictionary<string, double>>? approximationErrors) : ITrainingHook
    {
        public void OnEpochEnd(int epoch, EpochMetrics metrics) =>
            events.Report(new PipelineProgress(context.Name, context.Index, epochs, null)
            {
                Kind = PipelineProgressKind.EpochEvaluated,
                Evaluation = new EpochEvaluation(metrics, context.Data.SelectionName, approximationErrors is null ? null : new Dictionary<string, double>(approximationErrors())),
            });
    }
}
