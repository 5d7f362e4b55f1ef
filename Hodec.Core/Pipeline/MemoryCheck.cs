using Hodec.Recipes;
using Hodec.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Pipeline;

/// <summary>
/// What training a model needs in memory, estimated before anything large is allocated.
/// </summary>
/// <param name="Params">Parameters of the model.</param>
/// <param name="WeightBytes">The weights.</param>
/// <param name="StateBytes">Gradients, optimiser state (momentum or Adam's moments) and ADAL's two copies per weight.</param>
/// <param name="ActivationBytes">Activations kept for the backward pass at <paramref name="BatchSize"/>.</param>
/// <param name="BatchSize">The largest training batch size of the recipe.</param>
public sealed record MemoryEstimate(long Params, long WeightBytes, long StateBytes, long ActivationBytes, int BatchSize)
{
    /// <summary>Everything together.</summary>
    public long TotalBytes => WeightBytes + StateBytes + ActivationBytes;
}

/// <summary>
/// Refuses a recipe whose model cannot fit in this machine's memory, before it is allocated (libtorch would otherwise
/// end the process with a C++ frame dump).
/// </summary>
public static class MemoryCheck
{
    private const int BytesPerValue = sizeof(float);

    /// <summary>Memory this process may use: physical memory, or the container's limit where it is lower.</summary>
    public static long Available() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>
    /// Parameters of the recipe's model, counted on libtorch's meta device, where tensors have shapes but no storage,
    /// so a model far larger than memory costs nothing to count.
    /// </summary>
    public static long ParameterCount(Recipe recipe)
    {
        var device = get_default_device();
        set_default_device(new Device(DeviceType.META));
        try
        {
            using var model = RecipeModel.Create(recipe, loadWeights: false);
            return model.parameters().Sum(p => p.numel());
        }
        finally
        {
            set_default_device(device);
        }
    }

    /// <summary>
    /// Weights and training state of <paramref name="parameters"/> values under the recipe's most demanding stage, and
    /// activations of <paramref name="activationsPerImage"/> values per image at its largest batch.
    /// </summary>
    public static MemoryEstimate Estimate(Recipe recipe, long parameters, long activationsPerImage)
    {
        var training = recipe.Stages.Select(s => (Stage: s, Training: StageSpec.TrainingOf(s))).Where(t => t.Training is not null).ToList();
        // Per weight, besides itself: its gradient, the optimiser's slots, ADAL's Z and U, a distillation teacher's copy.
        long slots = training.Count == 0 ? 0 : training.Max(t => 1 + OptimizerSlots(t.Training!.Optimizer) + ExtraCopies(t.Stage));
        int batch = training.Count == 0 ? recipe.Data.EvalBatchSize : recipe.Data.BatchSize;
        // Training keeps each layer's output for the backward pass; their gradients are freed as the backward pass goes.
        return new MemoryEstimate(parameters, Bytes(parameters), Bytes(Multiply(parameters, slots)), Bytes(Multiply(activationsPerImage, batch)), batch);
    }

    /// <summary>Values per image that a forward of <paramref name="model"/> produces in its leaf modules (one image, no gradients).</summary>
    public static long ActivationsPerImage(nn.Module<Tensor, Tensor> model, long[] inputShape)
    {
        long values = inputShape.Skip(1).Aggregate(1L, (a, b) => a * b);
        var hooks = model.modules().Where(m => !m.children().Any()).OfType<nn.Module<Tensor, Tensor>>()
            .Select(m => m.register_forward_hook((_, _, output) =>
            {
                values += output.numel();
                return output;
            }))
            .ToList();
        bool training = model.training;
        try
        {
            model.eval();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            _ = model.call(zeros([1, .. inputShape.Skip(1)]));
        }
        finally
        {
            hooks.ForEach(h => h.remove());
            model.train(training);
        }
        return values;
    }

    /// <summary>Throws when the model's weights alone exceed <paramref name="available"/> bytes (counted without allocating them).</summary>
    /// <exception cref="ModelTooLargeException">The model cannot be created here (located at the recipe key to change).</exception>
    public static void EnsureModelFits(Recipe recipe, RecipeSourceMap? source, long available) =>
        Ensure(recipe, source, Estimate(recipe, ParameterCount(recipe), 0), available);

    /// <summary>Throws when training <paramref name="model"/> at the recipe's batch size needs more than <paramref name="available"/> bytes.</summary>
    /// <exception cref="ModelTooLargeException">The recipe cannot train here.</exception>
    public static MemoryEstimate EnsureTrainingFits(Recipe recipe, RecipeSourceMap? source, nn.Module<Tensor, Tensor> model, long[] inputShape, long available) =>
        Ensure(recipe, source, Estimate(recipe, model.parameters().Sum(p => p.numel()), ActivationsPerImage(model, inputShape)), available);

    // The error points at the batch size when the model itself fits, and otherwise at what sizes the model.
    private static MemoryEstimate Ensure(Recipe recipe, RecipeSourceMap? source, MemoryEstimate estimate, long available)
    {
        if (estimate.TotalBytes <= available)
        {
            return estimate;
        }
        string key = estimate.WeightBytes + estimate.StateBytes <= available ? "data.batch_size"
            : source?.Contains("model.width") == true ? "model.width" : "model.arch";
        throw new ModelTooLargeException(recipe, estimate, available) { Location = source?.Locate(key).ToString() };
    }

    /// <summary><paramref name="bytes"/> in binary units, e.g. "1.5 GiB".</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }

    private static long OptimizerSlots(OptimizerSettings optimizer) => optimizer.Kind switch
    {
        OptimizerKind.Sgd => optimizer.Momentum > 0 ? 1 : 0,
        _ => 2,
    };

    private static long ExtraCopies(StageSpec stage) => stage switch
    {
        AdalStageSpec => 2,
        RetrainStageSpec { Distill: not null } => 1,
        _ => 0,
    };

    // Saturating: a width far beyond memory must give a huge estimate, not an overflow.
    private static long Multiply(long a, long b) => a != 0 && b > long.MaxValue / a ? long.MaxValue : a * b;

    private static long Bytes(long values) => Multiply(values, BytesPerValue);
}

/// <summary>A recipe whose model or batch does not fit in memory; the message gives the parameter count and what is needed.</summary>
public sealed class ModelTooLargeException(Recipe recipe, MemoryEstimate estimate, long available)
    : HodecException(Describe(recipe, estimate, available))
{
    /// <summary>What was estimated.</summary>
    public MemoryEstimate Estimate { get; } = estimate;

    /// <summary>Bytes available.</summary>
    public long Available { get; } = available;

    private static string Describe(Recipe recipe, MemoryEstimate e, long available)
    {
        // Before the model exists its activations are unknown, so the figure is a lower bound.
        string amount = e.ActivationBytes > 0 ? "about" : "at least";
        string activations = e.ActivationBytes > 0 ? $", activations {MemoryCheck.Format(e.ActivationBytes)}" : string.Empty;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"The model ({recipe.Model.Arch}, {e.Params:N0} parameters) needs {amount} {MemoryCheck.Format(e.TotalBytes)} to train at batch size {e.BatchSize} " +
            $"(weights {MemoryCheck.Format(e.WeightBytes)}, gradients and optimiser state {MemoryCheck.Format(e.StateBytes)}{activations}), " +
            $"and this machine has {MemoryCheck.Format(available)}. Lower data.batch_size or model.width, or choose a smaller model.arch.");
    }
}
