using Hodec.Tool.Engine;
using Spectre.Console;

namespace Hodec.Tool.Cli;

/// <summary>
/// Everything the CLI touches outside itself: the engine, the two output streams, whether stdout is a
/// terminal, the clock and the environment. Tests build one around string writers and a fake engine.
/// </summary>
/// <param name="Engine">The pipeline engine behind the commands.</param>
/// <param name="Out">Standard output: results, tables, progress.</param>
/// <param name="Error">Standard error: diagnostics, errors and console logs.</param>
/// <param name="IsTerminal">True when stdout is an interactive terminal (live progress bars); false for CI or a pipe.</param>
/// <param name="Time">The clock used to pace plain progress lines.</param>
/// <param name="GetEnvironmentVariable">Reads an environment variable (HODEC_ERROR_FORMAT).</param>
public sealed record HodecCliHost(
    IHodecEngine Engine,
    TextWriter Out,
    TextWriter Error,
    bool IsTerminal,
    TimeProvider Time,
    Func<string, string?> GetEnvironmentVariable)
{
    /// <summary>True for the real process console (colours and the Serilog console sink).</summary>
    public bool IsRealConsole { get; init; }

    /// <summary>The host of the real process: <see cref="Console"/> streams and environment.</summary>
    public static HodecCliHost ForConsole(IHodecEngine engine) =>
        new(engine, Console.Out, Console.Error, !Console.IsOutputRedirected, TimeProvider.System, Environment.GetEnvironmentVariable)
        {
            IsRealConsole = true,
        };

    /// <summary>A host that captures output, for tests and embedding: no colours, not a terminal.</summary>
    public static HodecCliHost ForCapture(IHodecEngine engine, TextWriter output, TextWriter error, TimeProvider? time = null) =>
        new(engine, output, error, false, time ?? TimeProvider.System, _ => null);

    /// <summary>A Spectre console over <see cref="Out"/>; plain text when not a real terminal.</summary>
    internal IAnsiConsole CreateAnsiConsole()
    {
        if (IsRealConsole)
        {
            var real = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Out) });
            real.Profile.Width = Width(GetEnvironmentVariable("COLUMNS"), IsTerminal, real.Profile.Width);
            return real;
        }

        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = Width(GetEnvironmentVariable("COLUMNS"), false, 120); // stable tables in captured output
        return console;
    }

    /// <summary>The width tables are laid out for when nothing else decides it: a pipe or file has no width to wrap at.</summary>
    public const int UnwrappedWidth = 240;

    /// <summary>
    /// The width to lay tables out at: <c>COLUMNS</c> when it is set to a width, else the terminal's, else (output to a
    /// pipe or file) <paramref name="detected"/> for captured output and <see cref="UnwrappedWidth"/> for the real console.
    /// </summary>
    internal int Width(string? columns, bool terminal, int detected) =>
        int.TryParse(columns, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 20 ? n
        : terminal || !IsRealConsole ? detected
        : UnwrappedWidth;
}
