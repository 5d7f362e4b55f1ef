using System.CommandLine;
using System.Globalization;
using Hodec.Tool.Engine;
using Spectre.Console;

namespace Hodec.Tool.Cli;

/// <summary><c>hodec runs [dir]</c>: the runs under a folder, newest first, with their state and headline figures.</summary>
internal static class RunsCommand
{
    public const string Examples =
        "  dotnet hodec runs\n"
        + "  dotnet hodec runs runs/sweep-ranks\n"
        + "  dotnet hodec runs --json | jq '.[] | select(.status == \"finished\") | .top1'";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var root = new Argument<string>("dir")
        {
            Description = "The folder holding run directories (searched two folders deep, so sweeps are included). Default: runs.",
            DefaultValueFactory = _ => "runs",
        };
        var json = CliJson.Flag("the runs (directory, name, status, method, top1, macs_reduction, params_reduction, stages_done, stages, date; reductions as fractions)");
        var command = new Command("runs", "List past runs, newest first: name, status (finished, running, interrupted, failed), method, top-1, MAC and parameter cuts, date.");
        command.Add(root);
        command.Add(json);
        command.SetAction((result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            return CommandGuard.RunAsync(host, settings, () =>
            {
                string folder = result.GetRequiredValue(root);
                if (!Directory.Exists(folder))
                {
                    throw new HodecException($"Runs folder not found: '{Path.GetFullPath(folder)}'. Pass the folder your runs' --out directories are in (default runs).") { Location = folder };
                }

                IReadOnlyList<RunEntry> runs = host.Engine.Runs(new RunsRequest(folder));
                if (result.GetValue(json))
                {
                    CliJson.Write(host.Out, runs);
                    return Task.FromResult(ExitCodes.Success);
                }

                if (runs.Count == 0)
                {
                    host.Out.WriteLine($"No runs in {Path.GetFullPath(folder)}.");
                    return Task.FromResult(ExitCodes.Success);
                }

                var table = new Table().AddColumn("Run").AddColumn("Name").AddColumn("Status").AddColumn("Stages").AddColumn("Method")
                    .AddColumn(new TableColumn("Top-1").RightAligned()).AddColumn(new TableColumn("MACs cut").RightAligned())
                    .AddColumn(new TableColumn("Params cut").RightAligned()).AddColumn("Started");
                foreach (RunEntry run in runs)
                {
                    table.AddRow(
                        Markup.Escape(Path.GetRelativePath(folder, run.Directory)), Markup.Escape(run.Name), Markup.Escape(run.Status),
                        run.Stages is int stages ? $"{run.StagesDone ?? 0}/{stages}" : "-", Markup.Escape(run.Method ?? "-"),
                        run.Top1 is double t ? t.ToString("F2", CultureInfo.InvariantCulture) : "-",
                        Percent(run.MacsReduction), Percent(run.ParamsReduction),
                        run.Date.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
                }

                host.CreateAnsiConsole().Write(table);
                return Task.FromResult(ExitCodes.Success);
            },
            null,
            cancellationToken);
        });
        return command;
    }

    private static string Percent(double? fraction) => fraction is double f ? f.ToString("0.0%", CultureInfo.InvariantCulture) : "-";
}
