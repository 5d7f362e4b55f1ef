using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Hodec.Export;

/// <summary>
/// Saves a (compressed) model with the metadata needed to rebuild it, and loads it back for inference:
/// the architecture comes from the file, a <see cref="ModelFactoryRegistry"/> builds the module, the
/// weights are loaded strictly (every name and shape must match) and the module is put in eval mode.
/// Two formats: safetensors (metadata inside, under <c>__metadata__</c>) and TorchSharp's own
/// (<c>Module.save</c>, metadata in a <c>.hodec.json</c> file beside it).
/// </summary>
public static class CompressedModelFile
{
    /// <summary>The <c>__metadata__</c> key that holds <see cref="ModelMetadata.ToJson"/>.</summary>
    public const string MetadataKey = "hodec.model";

    /// <summary>The <c>__metadata__</c> key naming the producer, for other tools reading the file.</summary>
    public const string FormatKey = "format";

    /// <summary>Writes the model's state dict (parameters and buffers) and metadata as safetensors.</summary>
    public static void Save(string path, Module model, ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metadata);
        var meta = new Dictionary<string, string>
        {
            [FormatKey] = "pt",
            ["hodec.version"] = HodecInfo.Version,
            [MetadataKey] = metadata.ToJson(),
        };
        SafetensorsFile.Write(path, model.state_dict(), meta);
    }

    /// <summary>The metadata of a file written by <see cref="Save"/>.</summary>
    public static ModelMetadata ReadMetadata(string path)
    {
        IReadOnlyDictionary<string, string> meta = SafetensorsFile.ReadMetadata(path);
        if (!meta.TryGetValue(MetadataKey, out string? json))
        {
            throw new HodecException(
                $"'{path}' is a safetensors file without Hodec metadata ('{MetadataKey}'); it was not saved by Hodec, " +
                "so its architecture is unknown. Save it with CompressedModelFile.Save.")
            { Location = path };
        }

        return ModelMetadata.FromJson(json, path);
    }

    /// <summary>Rebuilds the model saved at <paramref name="path"/> by <see cref="Save"/>, in eval mode.</summary>
    public static Module<Tensor, Tensor> Load(string path, ModelFactoryRegistry factories)
    {
        ArgumentNullException.ThrowIfNull(factories);
        ModelMetadata metadata = ReadMetadata(path);
        Module<Tensor, Tensor> model = factories.Create(metadata);
        SafetensorsContent content = SafetensorsFile.Read(path);
        try
        {
            LoadState(model, content.Tensors, path);
        }
        finally
        {
            foreach (Tensor t in content.Tensors.Values)
            {
                t.Dispose();
            }
        }

        model.eval();
        return model;
    }

    /// <summary>Writes the model in TorchSharp's format (<c>Module.save</c>) plus <c>path.hodec.json</c> metadata.</summary>
    public static void SaveTorchSharp(string path, Module model, ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metadata);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        model.save(path);
        File.WriteAllText(SidecarPath(path), metadata.ToJson());
    }

    /// <summary>Rebuilds a model saved by <see cref="SaveTorchSharp"/>, in eval mode.</summary>
    public static Module<Tensor, Tensor> LoadTorchSharp(string path, ModelFactoryRegistry factories)
    {
        ArgumentNullException.ThrowIfNull(factories);
        string sidecar = SidecarPath(path);
        if (!File.Exists(path) || !File.Exists(sidecar))
        {
            throw new HodecException($"Loading '{path}' needs the weights file and its metadata '{sidecar}'; one is missing.") { Location = path };
        }

        Module<Tensor, Tensor> model = factories.Create(ModelMetadata.FromJson(File.ReadAllText(sidecar), sidecar));
        try
        {
            model.load(path, strict: true);
        }
        catch (Exception e) when (e is not HodecException)
        {
            throw new HodecException(
                $"The weights in '{path}' do not fit the '{model.GetType().Name}' rebuilt from its metadata: {e.Message}", e)
            { Location = path };
        }

        model.eval();
        return model;
    }

    /// <summary>The metadata file that goes with a TorchSharp-format weights file.</summary>
    public static string SidecarPath(string path) => path + ".hodec.json";

    /// <summary>Copies <paramref name="state"/> into the model's parameters and buffers; names and shapes must match exactly.</summary>
    internal static void LoadState(Module model, IReadOnlyDictionary<string, Tensor> state, string source)
    {
        Dictionary<string, Tensor> target = model.state_dict();
        string[] missing = [.. target.Keys.Where(k => !state.ContainsKey(k)).Order(StringComparer.Ordinal)];
        string[] unexpected = [.. state.Keys.Where(k => !target.ContainsKey(k)).Order(StringComparer.Ordinal)];
        string[] misshapen =
        [
            .. target.Where(kv => state.TryGetValue(kv.Key, out Tensor? t) && !t.shape.SequenceEqual(kv.Value.shape))
                .Select(kv => $"{kv.Key}: file [{string.Join(", ", state[kv.Key].shape)}], model [{string.Join(", ", kv.Value.shape)}]")
                .Order(StringComparer.Ordinal),
        ];
        if (missing.Length + unexpected.Length + misshapen.Length > 0)
        {
            var lines = new List<string> { $"The weights in '{source}' do not fit the module rebuilt from its metadata ({model.GetType().Name}):" };
            lines.AddRange(missing.Select(k => $"  - missing in file: {k}"));
            lines.AddRange(unexpected.Select(k => $"  - not in model: {k}"));
            lines.AddRange(misshapen.Select(k => $"  - shape differs: {k}"));
            lines.Add("The model factory must build the same layers (formats, factorisations, ranks) as the saved model.");
            throw new HodecException(string.Join(Environment.NewLine, lines)) { Location = source };
        }

        using var noGrad = no_grad();
        foreach ((string name, Tensor destination) in target)
        {
            destination.copy_(state[name]);
        }
    }
}
