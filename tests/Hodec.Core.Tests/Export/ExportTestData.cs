using Hodec.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Tests.Export;

/// <summary>Seeded inputs, BN statistics and temporary paths shared by the export tests.</summary>
internal static class ExportTestData
{
    /// <summary>Gives every batch norm non-trivial affine parameters and running statistics.</summary>
    public static void RandomiseBatchNorms(Module model, Generator gen)
    {
        using var noGrad = no_grad();
        foreach (BatchNorm2d bn in model.modules().OfType<BatchNorm2d>())
        {
            long c = bn.num_features;
            bn.weight!.copy_(rand(c, generator: gen) + 0.5);
            bn.bias!.copy_((rand(c, generator: gen) - 0.5) * 0.2);
            bn.running_mean!.copy_((rand(c, generator: gen) - 0.5) * 0.2);
            bn.running_var!.copy_(rand(c, generator: gen) + 0.5);
        }
    }

    /// <summary>Same dtype, shape and every element bit-equal.</summary>
    public static bool IsSame(this Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public static Tensor Input(Generator gen, params long[] shape) => randn(shape, generator: gen);

    /// <summary>A fresh path under a per-test temporary folder.</summary>
    public static string TempPath(string fileName)
    {
        string folder = Path.Combine(Path.GetTempPath(), "hodec-export-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, fileName);
    }

    /// <summary>Exports, runs ORT and TorchSharp on <paramref name="batch"/>, returns the max abs diff and the export result.</summary>
    public static (double MaxAbsDiff, OnnxExportResult Export) ExportAndCompare(Module<Tensor, Tensor> model, Tensor batch, OnnxExportOptions options)
    {
        string path = TempPath("model.onnx");
        OnnxExportResult result = OnnxExporter.Export(model, path, options);
        OutputComparison comparison = OnnxVerifier.CompareOutputs(model, path, batch);
        return (comparison.MaxAbsDiff, result);
    }
}
