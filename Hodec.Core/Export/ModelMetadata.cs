using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hodec.Export;

/// <summary>Names of the layer formats recorded in <see cref="LayerMetadata.Format"/>.</summary>
public static class LayerFormats
{
    public const string Dense = "dense";
    public const string Hodec = "hodec";
    public const string ClassicalTt = "classical-tt";
    public const string TtFc = "tt-fc";
    public const string LowRank = "low-rank";
    public const string Tucker2 = "tucker2";

    /// <summary>A residual block whose inner channels were pruned (any criterion); its ranks are <c>(1, kept, 1)</c>.</summary>
    public const string FilterPruned = "filter-pruned";
}

/// <summary>
/// How one compressed layer is stored: its module path (state-dict prefix), format, channel
/// factorisations and TT ranks (all bonds, including the boundary ranks of 1).
/// </summary>
public sealed record LayerMetadata(
    string Name,
    string Format,
    IReadOnlyList<int> InputFactors,
    IReadOnlyList<int> OutputFactors,
    IReadOnlyList<int> Ranks);

/// <summary>
/// What Hodec needs to rebuild a saved model without a recipe: the architecture name and its options
/// (as the model factory understands them), and per compressed layer its format, factorisation and ranks.
/// Serialised as JSON into a safetensors <c>__metadata__</c> entry.
/// </summary>
public sealed record ModelMetadata(
    string Architecture,
    IReadOnlyDictionary<string, string> Options,
    IReadOnlyList<LayerMetadata> Layers)
{
    /// <summary>Version of this metadata layout; bumped when it changes incompatibly.</summary>
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The <see cref="Options"/> key holding the class names by output index, as a JSON list (image-folder datasets).</summary>
    public const string ClassNamesKey = "class_names";

    /// <summary>The class names by output index, where the model's dataset named them; null otherwise.</summary>
    public IReadOnlyList<string>? ClassNames =>
        Options.TryGetValue(ClassNamesKey, out var json) ? JsonSerializer.Deserialize<List<string>>(json) : null;

    /// <summary>Metadata for a model with no compressed layers.</summary>
    public static ModelMetadata Dense(string architecture, IReadOnlyDictionary<string, string>? options = null) =>
        new(architecture, options ?? new Dictionary<string, string>(), []);

    /// <summary>The layer entry for the module at <paramref name="name"/>, if recorded.</summary>
    public LayerMetadata? Layer(string name) => Layers.FirstOrDefault(l => l.Name == name);

    /// <summary>The <see cref="Options"/> keys holding the input normalisation's per-channel mean and std, as JSON lists.</summary>
    public const string MeanKey = "mean";

    /// <inheritdoc cref="MeanKey"/>
    public const string StdKey = "std";

    /// <summary>
    /// The facts an ONNX file carries in <c>metadata_props</c>: every option (class names, input size, mean, std, ...)
    /// under its own key, plus <c>architecture</c>, <c>method</c> (the layer formats, or <c>dense</c>), <c>ranks</c>
    /// (JSON object, layer path to bond ranks), <c>hodec_version</c> and <c>hodec_metadata</c> (this record's JSON).
    /// </summary>
    public IReadOnlyDictionary<string, string> OnnxProperties()
    {
        var props = new Dictionary<string, string>(Options, StringComparer.Ordinal)
        {
            ["architecture"] = Architecture,
            ["method"] = Layers.Count == 0 ? LayerFormats.Dense : string.Join(",", Layers.Select(l => l.Format).Distinct()),
            ["ranks"] = JsonSerializer.Serialize(Layers.ToDictionary(l => l.Name, l => l.Ranks)),
            ["hodec_version"] = HodecInfo.Version,
            ["hodec_metadata"] = ToJson(),
        };
        return props;
    }

    /// <summary>The metadata as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(new Dto(FormatVersion, Architecture, Options, Layers), Json);

    /// <summary>Parses <see cref="ToJson"/> output; <paramref name="source"/> names the file in errors.</summary>
    public static ModelMetadata FromJson(string json, string source = "metadata")
    {
        Dto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<Dto>(json, Json);
        }
        catch (JsonException e)
        {
            throw new HodecException($"The Hodec model metadata in '{source}' is not valid JSON ({e.Message}).", e) { Location = source };
        }

        if (dto is null || string.IsNullOrWhiteSpace(dto.Architecture))
        {
            throw new HodecException($"The Hodec model metadata in '{source}' names no architecture.") { Location = source };
        }

        if (dto.FormatVersion > FormatVersion)
        {
            throw new HodecException(
                $"'{source}' was written with Hodec metadata version {dto.FormatVersion}; this Hodec reads up to {FormatVersion}. Update Hodec.")
            { Location = source };
        }

        return new ModelMetadata(dto.Architecture, dto.Options ?? new Dictionary<string, string>(), dto.Layers ?? []);
    }

    private sealed record Dto(
        int FormatVersion,
        string Architecture,
        IReadOnlyDictionary<string, string>? Options,
        IReadOnlyList<LayerMetadata>? Layers);
}
