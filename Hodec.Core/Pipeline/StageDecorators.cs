using System.Diagnostics;
using Hodec.Training;

namespace Hodec.Pipeline;

/// <summary>Cross-cutting behaviour added around stages: logging, progress, checkpoints and interim reports.</summary>
public static class StageDecorators
{
    /// <summary>Logs the start, the end (with duration and what changed) and failures of the stage.</summary>
    public static Stage WithLogging(this Stage stage) => (state, context) =>
    {
        context.Log.Information("Stage {Index}/{Count} {Stage} started", context.Index + 1, context.StageCount, context.Name);
        var clock = Stopwatch.StartNew();
        try
        {
            var next = stage(state, context);
            var last = next.Stages.Count > 0 ? next.Stages[^1] : null;
            // A stage that trained says how its last epoch ended; the others have no loss or accuracy of their own.
            if (last is { Epochs: [.., { Top1: null } unmeasured] })
            {
                context.Log.Information("Stage {Index}/{Count} {Stage} finished in {Seconds:F1} s ({Epochs} epochs, final loss {Loss:F4})",
                    context.Index + 1, context.StageCount, context.Name, clock.Elapsed.TotalSeconds, last.Epochs.Count, unmeasured.Loss);
            }
            else if (last is { Epochs: [.., var final] })
            {
                context.Log.Information(
                    "Stage {Index}/{Count} {Stage} finished in {Seconds:F1} s ({Epochs} epochs, final loss {Loss:F4}, {Split} top-1 {Top1:F2}%)",
                    context.Index + 1, context.StageCount, context.Name, clock.Elapsed.TotalSeconds, last.Epochs.Count, final.Loss, last.Split, final.Top1);
            }
            else
            {
                context.Log.Information("Stage {Index}/{Count} {Stage} finished in {Seconds:F1} s",
                    context.Index + 1, context.StageCount, context.Name, clock.Elapsed.TotalSeconds);
            }
            return next;
        }
        catch (OperationCanceledException)
        {
            context.Log.Warning("Stage {Stage} interrupted after {Seconds:F1} s; a checkpoint was saved", context.Name, clock.Elapsed.TotalSeconds);
            throw;
        }
        catch (Exception e)
        {
            context.Log.Error(e, "Stage {Stage} failed after {Seconds:F1} s", context.Name, clock.Elapsed.TotalSeconds);
            throw;
        }
    };

    /// <summary>
    /// Routes the trainer's per-batch progress to <paramref name="sink"/>, tagged with the stage, and tells it when the
    /// stage starts (with an outline of the whole run) and finishes; the stage reports its own events through
    /// <see cref="StageContext.Events"/>.
    /// </summary>
    public static Stage WithProgress(this Stage stage, IProgress<PipelineProgress>? sink) => (state, context) =>
    {
        if (sink is null)
        {
            return stage(state, context);
        }

        int epochs = Recipes.StageSpec.TrainingOf(context.Spec)?.Epochs ?? 0;
        PipelineProgress Event(PipelineProgressKind kind, TrainingProgress? step = null) =>
            new(context.Name, context.Index, epochs, step) { Kind = kind, StageCount = context.StageCount };
        var events = new SyncProgress<PipelineProgress>(e => sink.Report(e with { StageCount = context.StageCount }));
        var progress = new SyncProgress<TrainingProgress>(p => sink.Report(Event(PipelineProgressKind.Step, p)));
        sink.Report(Event(PipelineProgressKind.StageStarted) with { Stages = Outline(context) });
        var next = stage(state, context with { Progress = progress, Events = events });
        sink.Report(Event(PipelineProgressKind.StageFinished));
        return next;
    };

    /// <summary>Every stage of the run: its epochs, batches per epoch and how much it evaluates per epoch.</summary>
    public static IReadOnlyList<StageOutline> Outline(StageContext context)
    {
        int train = context.Data.Train.Count, batches = (train + context.Recipe.Data.BatchSize - 1) / Math.Max(1, context.Recipe.Data.BatchSize);
        double share = train == 0 ? 0 : context.Data.Selection.Count / (double)train;
        return [.. context.Recipe.Stages.Select(s => Recipes.StageSpec.TrainingOf(s) is { } t
            ? new StageOutline(Recipes.YamlNames.Of(s.Kind), t.Epochs, batches, share)
            : new StageOutline(Recipes.YamlNames.Of(s.Kind), 0, 0, 0))];
    }

    /// <summary>
    /// After the stage: saves the model and the pipeline state (so a resume starts after it), then writes
    /// the report so far, marked incomplete, so a run that fails or is killed later still has the earlier results and
    /// nobody takes them for the final ones.
    /// </summary>
    public static Stage WithCheckpoint(this Stage stage) => (state, context) =>
    {
        var next = stage(state, context);
        context.Run.SaveStageCheckpoint(next, context.Index + 1);
        var soFar = ReportBuilder.Build(next, context.Recipe) with { Incomplete = new(context.Index + 1, context.Recipe.Stages.Count) };
        context.Run.WriteReport(soFar);
        return next;
    };
}
