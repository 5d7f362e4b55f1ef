using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hodec.Compression;

/// <summary>Plans to and from JSON (the engine stores <c>plan.json</c> in the run directory before training).</summary>
public static class CompressionPlanJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Indented JSON with snake_case names; formats as "hodec", "tt-classical", "tt-fc".</summary>
    public static string Serialize(CompressionPlan plan) => JsonSerializer.Serialize(plan, Options);

    /// <summary>Reads a plan written by <see cref="Serialize"/>.</summary>
    /// <exception cref="HodecException">The text is not a plan.</exception>
    public static CompressionPlan Deserialize(string json)
    {
        try
        {
            var plan = JsonSerializer.Deserialize<CompressionPlan>(json, Options);
            if (plan?.Layers is null || plan.Layers.Any(l => l?.Path is null || l.Ranks is null || l.InputFactors is null || l.OutputFactors is null))
            {
                throw new HodecException("The compression plan JSON is incomplete: it needs 'layers' with path, factors and ranks for each layer.");
            }

            return plan;
        }
        catch (JsonException e)
        {
            throw new HodecException($"The compression plan JSON cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Writes the plan to <paramref name="path"/>.</summary>
    public static void Save(CompressionPlan plan, string path) => File.WriteAllText(path, Serialize(plan));

    /// <summary>Reads a plan from <paramref name="path"/>.</summary>
    public static CompressionPlan Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new HodecException($"Compression plan not found: '{path}'.") { Location = path };
        }

        try
        {
            return Deserialize(File.ReadAllText(path));
        }
        catch (HodecException e)
        {
            throw new HodecException($"{path}: {e.Message}", e) { Location = path };
        }
    }
}
