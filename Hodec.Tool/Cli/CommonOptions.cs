using System.CommandLine;

namespace Hodec.Tool.Cli;

/// <summary>How much the console shows and in which format; shared by every command (recursive options).</summary>
public sealed record OutputSettings(bool Verbose, bool Quiet, bool JsonLogs, ErrorFormat ErrorFormat);

/// <summary>The options every command accepts: --verbose, --quiet, --log-format, --error-format.</summary>
internal sealed class CommonOptions
{
    public const string ErrorFormatVariable = "HODEC_ERROR_FORMAT";

    public CommonOptions(HodecCliHost host)
    {
        Verbose = new Option<bool>("--verbose", "-v")
        {
            Description = "Show debug logs, and stack traces with errors.",
            Recursive = true,
        };
        Quiet = new Option<bool>("--quiet", "-q")
        {
            Description = "Only warnings and errors; no progress.",
            Recursive = true,
        };
        LogFormat = new Option<string>("--log-format")
        {
            Description = "Console log format. The run directory always gets JSON lines.",
            DefaultValueFactory = _ => "text",
            Recursive = true,
            HelpName = "text|json",
        };
        LogFormat.AcceptOnlyFromAmong("text", "json");
        ErrorFormat = new Option<string>("--error-format")
        {
            Description = $"Error line format; msbuild prints file(line,col): error HODEC0001: ... (also set by {ErrorFormatVariable}).",
            DefaultValueFactory = _ => host.GetEnvironmentVariable(ErrorFormatVariable) ?? "text",
            Recursive = true,
            HelpName = "text|msbuild",
        };
        ErrorFormat.AcceptOnlyFromAmong("text", "msbuild");
    }

    public Option<bool> Verbose { get; }

    public Option<bool> Quiet { get; }

    public Option<string> LogFormat { get; }

    public Option<string> ErrorFormat { get; }

    public IEnumerable<Option> All => [Verbose, Quiet, LogFormat, ErrorFormat];

    public OutputSettings Read(ParseResult result) => new(
        result.GetValue(Verbose),
        result.GetValue(Quiet),
        result.GetValue(LogFormat) == "json",
        string.Equals(result.GetValue(ErrorFormat), "msbuild", StringComparison.OrdinalIgnoreCase)
            ? Cli.ErrorFormat.MSBuild
            : Cli.ErrorFormat.Text);
}
