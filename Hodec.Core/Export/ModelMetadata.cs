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
