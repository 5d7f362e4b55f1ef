using System.Globalization;
using Hodec.Compression;
using Hodec.Data;
using Hodec.Models;
using Hodec.Recipes;
using Hodec.Training;
using TorchSharp;

namespace Hodec.StepTime;

/// <summary>
/// ADAL with the recipe defaults (SGD 0.1, momentum 0.9, wd 5e-4, cosine, batch 128, Z/U once per epoch), then
/// projection: prints the per-epoch approximation error and top-1 right before and after projection, so rho schedules
/// can be compared. Usage: adal [model] [dataset] [epochs] [threads] [rho initial] [rho factor] [train subset|all].
/// Without a factor, rho grows to the recipe default's final value over the epochs, as a recipe's adal stage does.
/// </summary>
internal static class AdalRun
{
    public static void Run(string[] args)
    {
        var c = CultureInfo.InvariantCulture;
        string model = args.Length > 0 ? args[0] : "lenet5";
        string dataset = args.Length > 1 ? args[1] : "fashion-mnist-mini";
        int epochs = args.Length > 2 ? int.Parse(args[2], c) : 15;
        int threads = args.Length > 3 ? int.Parse(args[3], c) : 1;
        double initial = args.Length > 4 ? double.Parse(args[4], c) : RhoSpec.DefaultInitial;
        double factor = args.Length > 5 ? double.Parse(args[5], c) : RhoSpec.Reaching(initial, RhoSpec.DefaultFinal, epochs).Factor;
        int? subset = args.Length > 6 && args[6] != "all" ? int.Parse(args[6], c) : null;

        torch.set_num_threads(threads);
        using var data = DatasetRegistry.Load(dataset, new DataOptions(TrainSubset: subset));
        torch.random.manual_seed(1);
        using var net = ModelZoo.Create(model, new ModelOptions(data.Info.Channels, data.Info.NumClasses, InputSize: data.Info.Size));
        long[] input = [1, data.Info.Channels, data.Info.Size, data.Info.Size];
        var spec = model == "lenet5"
            ? new CompressionSpec(CompressionFormat.Hodec, ["conv2", "fc1", "fc2"], [], RankSpec.Of(8), 2, [new LayerRule("fc*", Format: CompressionFormat.TtFc)], null)
            : new CompressionSpec(CompressionFormat.Hodec, [], ["conv1"], RankSpec.Of(8), 2, [new LayerRule("layer2.*", RankSpec.Of(12)), new LayerRule("layer3.*", RankSpec.Of(16))], null);
        var plan = CompressionPlanner.Plan(net, input, LayerSelector.Resolve(spec, CompressionPlanner.Catalog(net, input)), spec, useWeights: false);
        Console.Write(CompressionPlanText.Format(plan));

        var rho = new RhoSpec(factor == 1 ? RhoScheduleName.Constant : RhoScheduleName.Growing, initial, factor);
        var settings = new TrainerSettings
        {
            Epochs = epochs,
            BatchSize = 128,
            Threads = threads,
            Optimizer = new OptimizerSettings(OptimizerKind.Sgd, 0.1, 0.9, WeightDecay: 5e-4),
            Schedule = new ScheduleSettings(ScheduleKind.Cosine),
            Augment = new AugmentSettings(CropPadding: 2, HorizontalFlip: true),
        }.WithNormalisation(data.Info);
        using var adal = new AdalRegularizer(net, plan, new AdalStageSpec(new TrainingSettings(epochs, new OptimizerSettings(), new ScheduleSettings()), rho, UpdateEvery.Epoch));
        var probe = new EpochProbe((epoch, m) => Console.WriteLine(string.Create(
            c, $"{model} {dataset} rho {initial}x{factor}^e epoch {epoch}: top1 {m.Top1:P2} | rho {rho.At(epoch - 1):G3} | error mean {adal.MeanApproximationError:F4} max {adal.ApproximationErrors.Values.Max():F4} | {m.Seconds:F1} s")));
        using var trainer = new Trainer(net, settings, [adal, probe]);
        trainer.Fit(data.Train, data.Test);

        double before = Trainer.Evaluate(net, data.Test, settings).Top1;
        Projector.Project(net, plan);
        double after = Trainer.Evaluate(net, data.Test, settings).Top1;
        Console.WriteLine(string.Create(c, $"projection: top1 {before:P2} -> {after:P2} ({(after - before) * 100:+0.00;-0.00} pt); params down {plan.ParamsReduction:P1}, MACs down {plan.MacsReduction:P1}"));
    }

    private sealed class EpochProbe(Action<int, EpochMetrics> onEpoch) : ITrainingHook
    {
        public void OnEpochEnd(int epoch, EpochMetrics metrics) => onEpoch(epoch, metrics);
    }
}
