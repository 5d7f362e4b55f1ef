using Hodec.Data;
using Hodec.Models;
using Hodec.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Training;

/// <summary>A small slice of the bundled data and a seeded LeNet-5, so each training test takes about a second.</summary>
internal static class TrainingFixture
{
    private static readonly Lazy<DatasetSplits> Mini = new(() =>
        DatasetRegistry.Load("fashion-mnist-mini", new DataOptions(TrainSubset: 512, TestSubset: 200)));

    public static TensorDataset Train => Mini.Value.Train;

    public static TensorDataset Test => Mini.Value.Test;

    public static nn.Module<Tensor, Tensor> Model(long seed = 42)
    {
        torch.random.manual_seed(seed);
        return ModelZoo.Create("lenet5", new ModelOptions());
    }

    public static TrainerSettings Settings(int epochs) => new()
    {
        Epochs = epochs,
        BatchSize = 64,
        EvalBatchSize = 200,
        Seed = 7,
        Threads = 1,
        Optimizer = new OptimizerSettings(OptimizerKind.Sgd, LearningRate: 0.05, Momentum: 0.9, Nesterov: true),
        Schedule = new ScheduleSettings(ScheduleKind.Cosine, WarmupEpochs: 0.5),
        Augment = new AugmentSettings(CropPadding: 2, HorizontalFlip: true),
        LabelSmoothing = 0.1,
        GradientClipNorm = 5,
    };

    /// <summary>Metrics without the wall-clock seconds, for exact comparison.</summary>
    public static object Comparable(EpochMetrics m) => m with { Seconds = 0 };
}

/// <summary>Test hook built from delegates.</summary>
internal sealed class LambdaHook(Action<int>? onStep = null, Action<int, EpochMetrics>? onEpoch = null, Func<nn.Module, Tensor?>? extra = null) : ITrainingHook
{
    public Tensor? ExtraLoss(nn.Module model, Tensor input, Tensor logits) => extra?.Invoke(model);

    public void OnStepEnd(int globalStep) => onStep?.Invoke(globalStep);

    public void OnEpochEnd(int epoch, EpochMetrics metrics) => onEpoch?.Invoke(epoch, metrics);
}
