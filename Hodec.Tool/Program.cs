using System.Runtime.InteropServices;
using Hodec.Tool.Cli;

// Ctrl+C cancels the token: the engine saves a checkpoint and the run exits with 130. A second Ctrl+C
// terminates at once.
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (!interrupt.IsCancellationRequested)
    {
        e.Cancel = true;
        Console.Error.WriteLine("Stopping after the current step and saving a checkpoint... (Ctrl+C again to abort)");
        interrupt.Cancel();
    }
};

// SIGTERM (kill, a CI timeout, a container stop) takes the same path, so a stopped run is resumable too.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    if (!interrupt.IsCancellationRequested) // a second SIGTERM terminates at once
    {
        context.Cancel = true;
        Console.Error.WriteLine("Terminated: stopping after the current step and saving a checkpoint...");
        interrupt.Cancel();
    }
});

return await HodecApp.RunAsync(args, HodecCliHost.ForConsole(HodecApp.DefaultEngine()), interrupt.Token);
