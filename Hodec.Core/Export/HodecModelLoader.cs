using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Export;

/// <summary>
/// Loads a compressed model for inference: the architecture and TT structure come from the metadata saved with it
/// (no recipe), the weights are loaded strictly, and the module is returned in eval mode.
/// </summary>
public static class HodecModelLoader
{
    /// <summary>
    /// Loads <paramref name="path"/>: a <c>.safetensors</c> file written by <see cref="CompressedModelFile.Save"/>, or a
    /// TorchSharp-format file with its <c>.hodec.json</c> metadata beside it. <paramref name="factories"/> defaults to
    /// <see cref="HodecExport.DefaultFactories"/> (every zoo architecture).
    /// </summary>
    public static Module<Tensor, Tensor> Load(string path, ModelFactoryRegistry? factories = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        factories ??= HodecExport.DefaultFactories;
        if (!File.Exists(path))
        {
            throw new HodecException($"No model file at '{Path.GetFullPath(path)}'. Give the path of the model.safetensors the export wrote.") { Location = path };
        }

        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            return CompressedModelFile.Load(path, factories);
        }

        if (File.Exists(CompressedModelFile.SidecarPath(path)))
        {
            return CompressedModelFile.LoadTorchSharp(path, factories);
        }

        throw new HodecException(
            $"'{path}' is neither a .safetensors file nor a TorchSharp model with its metadata '{CompressedModelFile.SidecarPath(path)}'; " +
            "load the model.safetensors (or model.dat with model.dat.hodec.json) that Hodec's export wrote.")
        { Location = path };
    }

    /// <summary>The metadata saved with the model at <paramref name="path"/> (either format).</summary>
    public static ModelMetadata ReadMetadata(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string sidecar = CompressedModelFile.SidecarPath(path);
        return !path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) && File.Exists(sidecar)
            ? ModelMetadata.FromJson(File.ReadAllText(sidecar), sidecar)
            : CompressedModelFile.ReadMetadata(path);
    }
}
