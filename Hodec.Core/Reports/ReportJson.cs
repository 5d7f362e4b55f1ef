using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hodec.Reports;

/// <summary>
/// <c>report.json</c> (de)serialisation: snake_case, indented, nulls omitted, and every floating
/// point number rounded to <see cref="SignificantDigits"/> significant digits so output is stable.
/// </summary>
public static class ReportJson
{
    public const int SignificantDigits = 6;

    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        IndentSize = 2,
        NewLine = "\n",
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new RoundedDouble() },
    };

    public static string Serialize(HodecReport report) => JsonSerializer.Serialize(report, Options) + "\n";

    /// <summary>Read a report; a broken file gives a <see cref="HodecException"/> naming it.</summary>
    public static HodecReport Deserialize(string json, string source = "report.json")
    {
        try
        {
            var report = JsonSerializer.Deserialize<HodecReport>(json, Options)
                ?? throw new HodecException($"{source} is empty; re-run the pipeline to produce it.") { Location = source };
            if (report.SchemaVersion is > 0 and not HodecReport.CurrentSchemaVersion)
            {
                throw new HodecException(
                    $"{source} has report schema {report.SchemaVersion}, written by an older Hodec; this release reads schema {HodecReport.CurrentSchemaVersion}. Run the recipe again to compare it.")
                { Location = source };
            }
            return Missing(report) is { } member
                ? throw new JsonException($"'{member}' is missing")
                : report;
        }
        catch (JsonException e)
        {
            throw new HodecException($"{source} is not a valid Hodec report ({e.Message}); re-run the pipeline or restore the file.", e) { Location = source };
        }
    }

    // System.Text.Json leaves absent members null whatever their nullability; a valid but cut-down object
    // would otherwise fail later as a NullReferenceException far from the file.
    private static string? Missing(HodecReport r)
    {
        (object? Value, string Name)[] required =
            [(r.Name, "name"), (r.Model, "model"), (r.Method, "method"), (r.Final, "final"), (r.Dense, "dense"), (r.Layers, "layers"), (r.Stages, "stages")];
        if (required.FirstOrDefault(m => m.Value is null).Name is { } top)
        {
            return top;
        }
        for (var i = 0; i < r.Stages.Count; i++)
        {
            if (r.Stages[i]?.Kind is null || r.Stages[i].Epochs is null)
            {
                return $"stages[{i}].kind or stages[{i}].epochs";
            }
        }
        return null;
    }

    /// <summary>A number rounded the way report.json writes it.</summary>
    public static double Round(double value) =>
        double.IsFinite(value) ? double.Parse(value.ToString("G" + SignificantDigits, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : value;

    private sealed class RoundedDouble : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String
                ? double.Parse(reader.GetString()!, CultureInfo.InvariantCulture)
                : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value))
            {
                writer.WriteNumberValue(Round(value));
            }
            else
            {
                // JSON has no NaN or infinity; write them as strings ("NaN", "Infinity").
                writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
            }
        }
    }
}
