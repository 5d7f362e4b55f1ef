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
            return JsonSerializer.Deserialize<HodecReport>(json, Options)
                ?? throw new HodecException($"{source} is empty; re-run the pipeline to produce it.");
        }
        catch (JsonException e)
        {
            throw new HodecException($"{source} is not a valid Hodec report ({e.Message}); re-run the pipeline or restore the file.", e) { Location = source };
        }
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
