using System.CommandLine;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Cli;

/// <summary><c>hodec report &lt;run-dir&gt;</c>: re-render the Markdown, JSON and plots of a run.</summary>
internal static class ReportCommand
{
    public const string Examples = "  dotnet hodec report runs/quickstart";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var runDirectory = new Argument<string>("run-dir") { Description = "A run directory written by 'hodec run'." };
        var command = new Command("report", "Re-render the Markdown, JSON and plots of a run directory.");
        command.Add(runDirectory);
        command.SetAction((result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            return CommandGuard.RunAsync(host, settings, () =>
            {
                string directory = result.GetRequiredValue(runDirectory);
                RunDirectories.RequireExisting(directory);

                ReportResult report = host.Engine.Report(new ReportRequest(directory));
                host.Out.WriteLine($"Rendered {report.Files.Length} file(s) in {report.RunDirectory}:");
                foreach (string file in report.Files)
                {
                    host.Out.WriteLine($"  {file}");
                }

                return Task.FromResult(ExitCodes.Success);
            },
            null,
            cancellationToken);
        });
        return command;
    }
}
