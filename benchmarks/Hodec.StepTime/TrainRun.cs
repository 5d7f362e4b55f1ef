using Hodec.Data;
using Hodec.Models;
using Hodec.Training;
using TorchSharp;

namespace Hodec.StepTime;

/// <summary>A plain dense training run, printing per-epoch metrics (for baselines and sanity checks).</summary>
internal static class TrainRun
{
    public static void Run(string[] args)
    {
        string model = args.Length > 0 ? args[0] : "lenet5";
        string dataset = args.Length > 1 ? args[1] : "fashion-mnist-mini";
        int epochs = args.Length > 2 ? int.Parse(args[2]) : 1;
        int threads = args.Length > 3 ? int.Parse(args[3]) : 2;

        using var data = DatasetRegistry.Load(dataset);
        torch.random.manual_seed(1);
        using var net = ModelZoo.Create(model, new ModelOptions(data.Info.Channels, data.Info.NumClasses, InputSize: data.Info.Size));
        var settings = new TrainerSettings
        {
            Epochs = epochs,
            BatchSize = 128,
            Threads = threads,
            Optimizer = new OptimizerSettings(OptimizerKind.Sgd, 0.1, 0.9, Nesterov: true, WeightDecay: 5e-4),
            Schedule = new ScheduleSettings(ScheduleKind.Cosine, WarmupEpochs: Math.Min(1, epochs)),
            Augment = new AugmentSettings(CropPadding: 2, HorizontalFlip: true),
        }.WithNormalisation(data.Info);
        using var trainer = new Trainer(net, settings);
        foreach (var m in trainer.Fit(data.Train, data.Test))
        {
            Console.WriteLine($"{model} {dataset} epoch {m.Epoch}: train loss {m.TrainLoss:F4} acc {m.TrainTop1:P2} | test loss {m.TestLoss:F4} top1 {m.Top1:P2} top5 {m.Top5:P2} | lr {m.LearningRate:G3} | {m.Seconds:F1} s");
        }
    }
}
