using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Export;

/// <summary>What <see cref="ModelExport.WriteAll"/> wrote and, when a batch was given, how ORT compared.</summary>
public sealed record ModelExportReport(
    string OnnxPath,
    string SafetensorsPath,
    string TorchSharpPath,
    OnnxExportResult Onnx,
    OutputComparison? Verification);

/// <summary>
/// The export stage's work in one call: ONNX (checked by ORT's load-time checks), safetensors with
/// metadata, and TorchSharp's format, side by side in one folder; then, given a batch, ORT against TorchSharp.
/// </summary>
public static class ModelExport
{
    /// <summary>
    /// Writes <c>{name}.onnx</c>, <c>{name}.safetensors</c> and <c>{name}.dat</c> (+ <c>.hodec.json</c>) into
    /// <paramref name="folder"/>. With <paramref name="verificationBatch"/>, also compares ORT's outputs with
    /// TorchSharp's on it; a difference above <paramref name="tolerance"/> throws.
    /// </summary>
    public static ModelExportReport WriteAll(
        Module<Tensor, Tensor> model,
        ModelMetadata metadata,
        string folder,
        string name,
        OnnxExportOptions onnx,
        Tensor? verificationBatch = null,
        double tolerance = 1e-4)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new HodecException($"Export name '{name}' is not a valid file name; use letters, digits, '-' or '_'.");
        }

        Directory.CreateDirectory(folder);
        string onnxPath = Path.Combine(folder, name + ".onnx");
        string safetensorsPath = Path.Combine(folder, name + ".safetensors");
        string torchSharpPath = Path.Combine(folder, name + ".dat");

        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(onnx);
        var props = new Dictionary<string, string>(metadata.OnnxProperties(), StringComparer.Ordinal);
        foreach (var (key, value) in onnx.Metadata)
        {
            props[key] = value;
        }

        OnnxExportResult result = OnnxExporter.Export(model, onnxPath, onnx with { Metadata = props });
        OnnxVerifier.CheckLoads(onnxPath);
        CompressedModelFile.Save(safetensorsPath, model, metadata);
        CompressedModelFile.SaveTorchSharp(torchSharpPath, model, metadata);

        OutputComparison? comparison = null;
        if (verificationBatch is not null)
        {
            comparison = OnnxVerifier.CompareOutputs(model, onnxPath, verificationBatch);
            if (!comparison.Within(tolerance))
            {
                throw new HodecException(
                    $"ONNX Runtime's outputs for '{onnxPath}' differ from TorchSharp's by up to {comparison.MaxAbsDiff:G3} " +
                    $"(tolerance {tolerance:G3}); the exporter of some layer does not mirror its forward.")
                { Location = onnxPath };
            }
        }

        return new ModelExportReport(onnxPath, safetensorsPath, torchSharpPath, result, comparison);
    }
}
