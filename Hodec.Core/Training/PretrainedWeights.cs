using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Hodec.Training;

/// <summary>Imports state dicts saved by PyTorch: <c>.safetensors</c> and <c>.pt</c>/<c>.pth</c> (<c>torch.save(state_dict)</c>).</summary>
public static class PretrainedWeights
{
    /// <summary>Reads a state dict from a safetensors or PyTorch pickle file (by extension).</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new HodecException($"Weights file not found: '{path}'.") { Location = path };
        }

        string ext = Path.GetExtension(path).ToLowerInvariant();
        try
        {
            return ext switch
            {
                ".safetensors" => Safetensors.LoadStateDict(path),
                ".pt" or ".pth" or ".bin" => FromPickle(PyTorchUnpickler.UnpickleStateDict(path)),
                _ => throw new HodecException($"Unsupported weights file '{path}': expected .safetensors, .pt or .pth.") { Location = path },
            };
        }
        catch (Exception e) when (e is not HodecException)
        {
            throw new HodecException($"Cannot read weights from '{path}': {e.Message}", e) { Location = path };
        }
    }

    private static Dictionary<string, Tensor> FromPickle(System.Collections.Hashtable table)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (System.Collections.DictionaryEntry entry in table)
        {
            if (entry.Value is Tensor t)
            {
                result[(string)entry.Key] = t;
            }
        }

        return result;
    }

    /// <summary>
    /// Copies a state dict into <paramref name="model"/>. All keys must match by name and shape; otherwise nothing is
    /// copied and the error lists every missing, unexpected and shape-mismatched key.
    /// </summary>
    public static void Load(nn.Module model, string path)
    {
        var source = Read(path);
        try
        {
            Apply(model, source, path);
        }
        finally
        {
            foreach (var t in source.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Copies <paramref name="source"/> into the model after checking every key (see <see cref="Load"/>).</summary>
    public static void Apply(nn.Module model, IReadOnlyDictionary<string, Tensor> source, string origin = "state dict")
    {
        var target = model.state_dict();
        var missing = target.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).ToList();
        var mismatched = target.Where(kv => source.TryGetValue(kv.Key, out var s) && !s.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key} (model [{string.Join(", ", kv.Value.shape)}], file [{string.Join(", ", source[kv.Key].shape)}])")
            .ToList();
        if (missing.Count + unexpected.Count + mismatched.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"missing keys: {string.Join(", ", missing)}");
            if (unexpected.Count > 0) parts.Add($"unexpected keys: {string.Join(", ", unexpected)}");
            if (mismatched.Count > 0) parts.Add($"shape mismatches: {string.Join(", ", mismatched)}");
            throw new HodecException($"Weights in '{origin}' do not fit the model:\n  {string.Join("\n  ", parts)}") { Location = origin };
        }

        using var noGrad = no_grad();
        foreach (var (name, tensor) in target)
        {
            tensor.copy_(source[name].to_type(tensor.dtype));
        }
    }
}
