using Hodec.Tool.Engine;

namespace Hodec.Tool.Cli;

/// <summary>
/// The one place where exceptions become exit codes and error lines. User mistakes
/// (<see cref="HodecException"/>) print no stack trace unless --verbose.
/// </summary>
internal static class CommandGuard
{
    public static async Task<int> RunAsync(
        HodecCliHost host,
        OutputSettings settings,
        Func<Task<int>> body,
        Func<string>? interruptedHint,
        CancellationToken cancellationToken)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            host.Error.WriteLine("Interrupted." + (interruptedHint is null ? string.Empty : " " + interruptedHint()));
            return ExitCodes.Interrupted;
        }
        catch (HodecException e)
        {
            host.Error.WriteLine(ErrorFormatter.Format(CliWording.Word(e), settings.ErrorFormat));
            WriteStack(host, settings, e);
            return ExitCodes.InvalidInput;
        }
        catch (Exception e)
        {
            host.Error.WriteLine(ErrorFormatter.Format(
                new Diagnostic(DiagnosticSeverity.Error, string.Empty, 0, 0, $"{e.GetType().Name}: {e.Message}"), settings.ErrorFormat));
            if (settings.Verbose)
            {
                host.Error.WriteLine(e.ToString());
            }
            else
            {
                host.Error.WriteLine("Rerun with --verbose for the stack trace; the run directory's hodec.log.jsonl has the full log.");
            }

            return ExitCodes.Failure;
        }
    }

    private static void WriteStack(HodecCliHost host, OutputSettings settings, Exception e)
    {
        if (settings.Verbose)
        {
            host.Error.WriteLine(e.ToString());
        }
    }
}
