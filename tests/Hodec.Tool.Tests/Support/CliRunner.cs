using Hodec.Tool.Cli;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Tests.Support;

/// <summary>The outcome of one in-process <c>hodec</c> invocation.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the real command pipeline (<see cref="HodecApp.RunAsync"/>) in-process with captured output.
/// Without an explicit engine it uses <see cref="HodecApp.DefaultEngine"/>, so once the real engine is
/// wired in there, every test that does not pass its own engine exercises it.
/// </summary>
public static class CliRunner
{
    public static async Task<CliResult> RunAsync(IHodecEngine? engine, TimeProvider? time, CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        HodecCliHost host = HodecCliHost.ForCapture(engine ?? HodecApp.DefaultEngine(), output, error, time);
        int code = await HodecApp.RunAsync(args, host, cancellationToken);
        return new CliResult(code, Normalize(output.ToString()), Normalize(error.ToString()));
    }

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(null, null, CancellationToken.None, args);

    public static Task<CliResult> RunAsync(IHodecEngine engine, params string[] args) => RunAsync(engine, null, CancellationToken.None, args);

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}
