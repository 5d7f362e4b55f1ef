using System.Runtime.InteropServices;
using Hodec.Tool.Cli;

// Ctrl+C (SIGINT) and SIGTERM (kill, a CI timeout, a container stop) cancel the token: the engine saves a
// checkpoint and the run exits with 130, resumable. A second signal terminates at once.
using var interrupt = new CancellationTokenSource();
void StopAfterTheCurrentStep(PosixSignalContext context)
{
    if (!interrupt.IsCancellationRequested)
    {
        context.Cancel = true;
        // Into the live display when there is one (not over its bars); the bars are cleared before "Interrupted." is printed.
        Hodec.Tool.Output.LiveConsole.Notice(context.Signal == PosixSignal.SIGINT
            ? "Stopping after the current step and saving a checkpoint... (Ctrl+C again to abort)"
            : "Terminated: stopping after the current step and saving a checkpoint...", Console.Error);
        interrupt.Cancel();
    }
}

using var onCtrlC = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopAfterTheCurrentStep);
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopAfterTheCurrentStep);

return await HodecApp.RunAsync(args, HodecCliHost.ForConsole(HodecApp.DefaultEngine()), interrupt.Token);
