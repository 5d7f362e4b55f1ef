using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Hodec.Tool.Output;

/// <summary>
/// Formats log events onto a <see cref="TextWriter"/>: captured (non-console) output, or with <paramref name="live"/>
/// the lines above a live display while there is one (<see cref="LiveConsole"/>).
/// </summary>
internal sealed class TextWriterSink(ITextFormatter formatter, TextWriter writer, bool live = false) : ILogEventSink
{
    private readonly Lock _gate = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            if (live)
            {
                using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
                formatter.Format(logEvent, text);
                LiveConsole.WriteLine(text.ToString().TrimEnd('\r', '\n'), writer);
                return;
            }

            formatter.Format(logEvent, writer);
            writer.Flush();
        }
    }
}
