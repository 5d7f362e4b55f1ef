namespace Hodec.Tool.Output;

/// <summary>
/// The live display that owns the terminal, if any, so that what is written meanwhile (a log warning, the Ctrl+C
/// notice) goes above the bars or into them, not over them; without one it goes to the fallback writer.
/// </summary>
internal static class LiveConsole
{
    private static readonly Lock Gate = new();
    private static ILiveSurface? _surface;

    /// <summary>Makes <paramref name="surface"/> the live display until the result is disposed.</summary>
    public static IDisposable Attach(ILiveSurface surface)
    {
        lock (Gate)
        {
            _surface = surface;
        }

        return new Detach(surface);
    }

    /// <summary>A line above the live display, or on <paramref name="fallback"/> when none is live.</summary>
    public static void WriteLine(string text, TextWriter fallback)
    {
        lock (Gate)
        {
            if (_surface is { } live)
            {
                live.WriteLine(text);
                return;
            }
        }

        fallback.WriteLine(text);
    }

    /// <summary>A notice shown in the live display until it ends (the bars are then cleared), or a line on <paramref name="fallback"/>.</summary>
    public static void Notice(string text, TextWriter fallback)
    {
        lock (Gate)
        {
            if (_surface is { } live)
            {
                live.Notice(text);
                return;
            }
        }

        fallback.WriteLine(text);
    }

    private sealed class Detach(ILiveSurface surface) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate)
            {
                if (ReferenceEquals(_surface, surface))
                {
                    _surface = null;
                }
            }
        }
    }
}

/// <summary>What a live display offers to the rest of the process.</summary>
internal interface ILiveSurface
{
    /// <summary>Writes a line above the bars.</summary>
    void WriteLine(string text);

    /// <summary>Shows a notice with the bars.</summary>
    void Notice(string text);
}
