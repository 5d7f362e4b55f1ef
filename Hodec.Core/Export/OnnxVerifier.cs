using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Export;

/// <summary>ORT against TorchSharp on one batch: the largest and mean absolute output difference.</summary>
public sealed record OutputComparison(int Samples, double MaxAbsDiff, double MeanAbsDiff)
{
    /// <summary>True when every output differs by at most <paramref name="tolerance"/>.</summary>
    public bool Within(double tolerance) => MaxAbsDiff <= tolerance;
}

/// <summary>
/// ORT against TorchSharp on a data set: how many predictions agree, and both top-1 accuracies when
/// labels are given.
/// </summary>
public sealed record Top1Comparison(int Samples, int Agreements, double? TorchTop1, double? OrtTop1, double MaxAbsDiff)
{
    /// <summary>Fraction of samples where both pick the same class.</summary>
    public double Agreement => Samples == 0 ? 1 : (double)Agreements / Samples;
}

/// <summary>Checks an exported ONNX file in ONNX Runtime against the TorchSharp model it came from.</summary>
public static class OnnxVerifier
{
    /// <summary>
    /// Opens the file in ORT with full graph optimisation and returns the model's declared input shape.
    /// Throws <see cref="HodecException"/> with ORT's message when ORT's load-time checks fail.
    /// </summary>
    public static IReadOnlyList<int> CheckLoads(string onnxPath, OrtSettings? settings = null)
    {
        using OrtModel model = OrtModel.Open(onnxPath, settings);
        return model.InputShape;
    }

    /// <summary>Runs one batch through both (the TorchSharp model in eval mode, no grad) and compares outputs.</summary>
    public static OutputComparison CompareOutputs(Module<Tensor, Tensor> model, string onnxPath, Tensor batch, OrtSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using OrtModel ort = OrtModel.Open(onnxPath, settings);
        using var scope = NewDisposeScope();
        (Tensor expected, Tensor actual) = RunBoth(model, ort, batch);
        Tensor diff = (expected - actual).abs();
        return new OutputComparison((int)batch.shape[0], diff.max().to_type(ScalarType.Float64).item<double>(), diff.mean().to_type(ScalarType.Float64).item<double>());
    }

    /// <summary>
    /// Runs <paramref name="images"/> through both in batches of <paramref name="batchSize"/> and compares
    /// the arg-max classes (and accuracies against <paramref name="labels"/>, when given).
    /// </summary>
    public static Top1Comparison CompareTop1(
        Module<Tensor, Tensor> model, string onnxPath, Tensor images, Tensor? labels = null, int batchSize = 64, OrtSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (batchSize <= 0)
        {
            throw new HodecException($"batchSize must be positive; got {batchSize}.");
        }

        long count = images.shape[0];
        if (labels is not null && labels.shape[0] != count)
        {
            throw new HodecException($"{count} images but {labels.shape[0]} labels; pass one label per image.");
        }

        using OrtModel ort = OrtModel.Open(onnxPath, settings);
        int agreements = 0, torchCorrect = 0, ortCorrect = 0;
        double maxDiff = 0;
        for (long start = 0; start < count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            long length = Math.Min(batchSize, count - start);
            (Tensor expected, Tensor actual) = RunBoth(model, ort, images.narrow(0, start, length));
            Tensor torchClass = expected.argmax(1);
            Tensor ortClass = actual.argmax(1);
            agreements += (int)torchClass.eq(ortClass).sum().item<long>();
            maxDiff = Math.Max(maxDiff, (expected - actual).abs().max().to_type(ScalarType.Float64).item<double>());
            if (labels is not null)
            {
                Tensor truth = labels.narrow(0, start, length).to_type(ScalarType.Int64);
                torchCorrect += (int)torchClass.eq(truth).sum().item<long>();
                ortCorrect += (int)ortClass.eq(truth).sum().item<long>();
            }
        }

        return new Top1Comparison(
            (int)count,
            agreements,
            labels is null ? null : (double)torchCorrect / count,
            labels is null ? null : (double)ortCorrect / count,
            maxDiff);
    }

    private static (Tensor Expected, Tensor Actual) RunBoth(Module<Tensor, Tensor> model, OrtModel ort, Tensor batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var eval = new EvalModeScope(model);
        using var noGrad = no_grad();
        Tensor expected = model.call(batch).to_type(ScalarType.Float32).cpu();
        Tensor actual = ort.Run(batch);
        if (!expected.shape.SequenceEqual(actual.shape))
        {
            throw new HodecException(
                $"ORT output shape [{string.Join(", ", actual.shape)}] differs from TorchSharp's [{string.Join(", ", expected.shape)}] " +
                $"for '{ort.Path}'; the export does not mirror the model's forward.");
        }

        return (expected, actual);
    }
}
