using System.Globalization;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Output;

/// <summary>The lines a live display keeps above its bars: a stage's start and end, each epoch's evaluation, the projection.</summary>
public static class ProgressLines
{
    /// <summary>"Stage 2/6 adal: 2 epochs of 47 batches".</summary>
    public static string StageStarted(TrainingProgress e)
    {
        var outline = e.Stages is { } s && e.StageNumber > 0 && e.StageNumber <= s.Count ? s[e.StageNumber - 1] : null;
        string what = outline is { Epochs: > 0 } o ? Invariant($": {o.Epochs} {(o.Epochs == 1 ? "epoch" : "epochs")} of {o.Batches} batches") : "";
        return $"{Position(e)}{e.Stage}{what}";
    }

    /// <summary>"  adal epoch 1/2: validation top-1 71.30% loss 0.7810 | train top-1 62.10% loss 1.0123 | lr 0.075 | 5.2 s | approximation error 0.153".</summary>
    public static string Epoch(TrainingProgress e)
    {
        var v = e.Evaluation ?? throw new ArgumentException("Not an epoch's evaluation.", nameof(e));
        return Invariant($"  {e.Stage} epoch {e.Epoch}/{e.Epochs}: {v.Split} top-1 {v.Top1 * 100:0.00}% loss {v.Loss:0.0000} | train top-1 {v.TrainTop1 * 100:0.00}% loss {v.TrainLoss:0.0000} | lr {v.LearningRate:G3} | {v.Seconds:0.0} s")
            + (v.ApproximationError is double error ? Invariant($" | approximation error {error:0.0000}") : "");
    }

    /// <summary>"  projected: validation top-1 85.20% -> 41.10% (-44.10 pts)".</summary>
    public static string Projection(TrainingProgress e)
    {
        var p = e.Projection ?? throw new ArgumentException("Not a projection.", nameof(e));
        return Invariant($"  projected: {p.Split} top-1 {p.Top1Before:0.00}% -> {p.Top1After:0.00}% ({p.Top1After - p.Top1Before:+0.00;-0.00;0.00} pts)");
    }

    /// <summary>"  adal finished in 12.3 s".</summary>
    public static string StageFinished(TrainingProgress e, TimeSpan took) => Invariant($"  {e.Stage} finished in {took.TotalSeconds:0.0} s");

    private static string Position(TrainingProgress e) => e.StageNumber > 0 && e.StageCount > 0 ? Invariant($"Stage {e.StageNumber}/{e.StageCount} ") : "";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
