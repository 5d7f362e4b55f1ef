using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hodec.Tool.Cli;

/// <summary>
/// The one JSON form of <c>--json</c> output: indented, snake_case field names (stable: they are the result records'
/// property names), nulls kept so every field is always present, enums as strings.
/// </summary>
internal static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes <paramref name="value"/> and a newline to <paramref name="output"/>.</summary>
    public static void Write<T>(TextWriter output, T value) => output.WriteLine(JsonSerializer.Serialize(value, Options));

    /// <summary>The <c>--json</c> option of a command, with its help line.</summary>
    public static Option<bool> Flag(string what) => new("--json") { Description = $"Print {what} as JSON (snake_case fields) instead of text." };
}
