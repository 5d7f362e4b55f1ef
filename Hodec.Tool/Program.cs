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

return await HodecApp.RunAsync(args, HodecCliHost.ForConsole(HodecApp.DefaultEngine()), interrupt.Token);
