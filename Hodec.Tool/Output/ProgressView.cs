using Hodec.Tool.Engine;
using Spectre.Console;

namespace Hodec.Tool.Output;

/// <summary>Where training progress goes while a run executes: bars, plain lines or nowhere.</summary>
internal abstract class ProgressView
{
    /// <summary>True when a live display owns the terminal (console logs should then stay quiet).</summary>
    public abstract bool IsLive { get; }

    public abstract Task<T> RunAsync<T>(Func<IProgress<TrainingProgress>, Task<T>> body);

    /// <summary>Bars on a terminal, plain paced lines otherwise, nothing with --quiet.</summary>
    public static ProgressView Choose(bool quiet, bool isTerminal, IAnsiConsole console, TextWriter output, TimeProvider time)
    {
        if (quiet)
        {
            return new Silent();
        }

        return isTerminal && console.Profile.Capabilities.Interactive
            ? new Bars(console, time)
            : new Lines(new PlainProgressWriter(output, time, PlainProgressWriter.DefaultInterval));
    }

    private sealed class Silent : ProgressView
    {
        public override bool IsLive => false;

        public override Task<T> RunAsync<T>(Func<IProgress<TrainingProgress>, Task<T>> body) =>
            body(new Discard());

        private sealed class Discard : IProgress<TrainingProgress>
        {
            public void Report(TrainingProgress value)
            {
            }
        }
    }

    private sealed class Lines(PlainProgressWriter writer) : ProgressView
    {
        public override bool IsLive => false;

        public override Task<T> RunAsync<T>(Func<IProgress<TrainingProgress>, Task<T>> body) => body(writer);
    }

    private sealed class Bars(IAnsiConsole console, TimeProvider time) : ProgressView
    {
        public override bool IsLive => true;

        // Cleared at the end: the lines above the bars keep what happened, and what follows (the summary, or the
        // interruption's message) starts on a line of its own.
        public override Task<T> RunAsync<T>(Func<IProgress<TrainingProgress>, Task<T>> body)
        {
            var eta = new LiveProgressSink.EtaColumn();
            return console.Progress()
                .AutoClear(true)
                .HideCompleted(true)
                .Columns(LiveProgressSink.Columns(eta))
                .StartAsync(async context =>
                {
                    var sink = new LiveProgressSink(context, console, new ProgressEstimator(time), eta);
                    using IDisposable live = LiveConsole.Attach(sink);
                    return await body(sink).ConfigureAwait(false);
                });
        }
    }
}
