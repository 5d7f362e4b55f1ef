using System.CommandLine;
using TorchSharp;

namespace Hodec.Tool.Cli;

/// <summary>
/// <c>hodec info</c>: versions and the native runtime. Loads libtorch, so it doubles as a check that the
/// installed tool's native libraries load on this machine (see build/Hodec.NativeCompat.targets).
/// </summary>
internal static class InfoCommand
{
    public const string Examples = "  dotnet hodec info";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var command = new Command("info", "Show versions and check that libtorch loads (CPU threads, devices).");
        command.SetAction((result, cancellationToken) =>
            CommandGuard.RunAsync(host, common.Read(result), () =>
            {
                host.Out.WriteLine($"hodec {HodecApp.Version}");
                host.Out.WriteLine($"TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString(3)} (libtorch {torch.__version__})");
                host.Out.WriteLine($"Device: cpu, {torch.get_num_threads()} thread(s); CUDA: not in this build");
                host.Out.WriteLine($".NET {Environment.Version} on {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}");
                return Task.FromResult(ExitCodes.Success);
            },
            null,
            cancellationToken));
        return command;
    }
}
