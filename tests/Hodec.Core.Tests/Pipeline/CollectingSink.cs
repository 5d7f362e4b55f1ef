using Serilog.Core;
using Serilog.Events;

namespace Hodec.Tests.Pipeline;

/// <summary>Keeps every rendered log message, for assertions on what a run logged.</summary>
internal sealed class CollectingSink : ILogEventSink
{
    public List<string> Messages { get; } = [];

    public void Emit(LogEvent logEvent) => Messages.Add(logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture));
}
