using Hodec.Training;
using Serilog;

namespace Hodec.Pipeline;

/// <summary>
/// Logs one line per finished epoch (top-1 on <paramref name="split"/>, loss, learning rate, and what <paramref name="detail"/> adds), so a
/// redirected run or the JSON log shows how training went without the progress bar. Register it after the hooks
/// whose state <paramref name="detail"/> reads.
/// </summary>
internal sealed class EpochLog(ILogger log, string stage, int epochs, string split, Func<string>? detail = null) : ITrainingHook
{
    public void OnEpochEnd(int epoch, EpochMetrics metrics) =>
        log.Information("{Stage} epoch {Epoch}/{Epochs}: {Split} top-1 {Top1:F2}%, train loss {Loss:F4}, lr {Lr:G4}, {Seconds:F0} s{Detail}",
            stage, epoch, epochs, split, metrics.Top1 * 100, metrics.TrainLoss, metrics.LearningRate, metrics.Seconds, detail?.Invoke() ?? "");
}
