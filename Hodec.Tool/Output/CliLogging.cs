using Hodec.Tool.Cli;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace Hodec.Tool.Output;

/// <summary>Builds the Serilog logger of one command: human (or JSON) lines on stderr, JSON lines in the run directory.</summary>
internal static class CliLogging
{
    /// <summary>The log file name inside a run directory.</summary>
    public const string LogFileName = "hodec.log.jsonl";

    private const string ConsoleTemplate = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}";

    public static Logger Create(HodecCliHost host, OutputSettings settings, string? runDirectory, bool liveProgress)
    {
        // Live bars redraw stdout; console log lines would tear them, so only warnings get through then.
        LogEventLevel consoleLevel = settings.Quiet || liveProgress ? LogEventLevel.Warning
            : settings.Verbose ? LogEventLevel.Debug
            : LogEventLevel.Information;

        LoggerConfiguration configuration = new LoggerConfiguration()
            .MinimumLevel.Debug()
            .Enrich.WithProperty("Tool", "hodec");

        if (host.IsRealConsole && !settings.JsonLogs && liveProgress && !Console.IsErrorRedirected)
        {
            // stderr is the terminal the bars are on: what gets through goes above them (see LiveConsole), not over them.
            configuration.WriteTo.Sink(
                new TextWriterSink(new MessageTemplateTextFormatter(ConsoleTemplate, System.Globalization.CultureInfo.InvariantCulture), host.Error, live: true),
                consoleLevel);
        }
        else if (host.IsRealConsole && !settings.JsonLogs)
        {
            configuration.WriteTo.Console(
                outputTemplate: ConsoleTemplate,
                restrictedToMinimumLevel: consoleLevel,
                standardErrorFromLevel: LogEventLevel.Verbose,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (settings.JsonLogs)
        {
            configuration.WriteTo.Sink(new TextWriterSink(new CompactJsonFormatter(), host.Error), consoleLevel);
        }
        else
        {
            configuration.WriteTo.Sink(
                new TextWriterSink(new MessageTemplateTextFormatter(ConsoleTemplate, System.Globalization.CultureInfo.InvariantCulture), host.Error),
                consoleLevel);
        }

        if (runDirectory is not null)
        {
            configuration.WriteTo.File(new CompactJsonFormatter(), Path.Combine(runDirectory, LogFileName));
        }

        return configuration.CreateLogger();
    }
}
