using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace Hodec.Tool.Output;

/// <summary>Formats log events onto a <see cref="TextWriter"/>; used for captured (non-console) output.</summary>
internal sealed class TextWriterSink(ITextFormatter formatter, TextWriter writer) : ILogEventSink
{
    private readonly Lock _gate = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            formatter.Format(logEvent, writer);
            writer.Flush();
        }
    }
}
