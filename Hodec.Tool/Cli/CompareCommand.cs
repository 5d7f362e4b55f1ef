using System.CommandLine;
using Hodec.Reports;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Cli;

/// <summary><c>hodec compare &lt;run-dir&gt;...</c>: runs compared in the seed's Table 1 shape plus a details table, the first as reference.</summary>
internal static class CompareCommand
{
    public const string Examples =
        "  dotnet hodec compare runs/bench-1-dense runs/bench-2-hodec-adal runs/bench-3-hodec-no-adal runs/bench-4-tt-classical\n"
        + "  dotnet hodec compare runs/bench-1-dense runs/bench-2-hodec-adal --out docs/results.md\n"
        + "  dotnet hodec compare runs/bench-1-dense runs/bench-2-hodec-adal --json";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var runDirectories = new Argument<string[]>("run-dir")
        {
            Description = "Run directories written by 'hodec run'; the first is the reference (normally the dense baseline).",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = "Also write the Markdown table to this file.",
            HelpName = "file",
        };
        var command = new Command("compare", "Compare run directories in a Markdown table shaped like the seed's Table 1 (top-1, delta, FLOPs, params, latency in TorchSharp and ONNX Runtime), with a details table.");
        command.Add(runDirectories);
        command.Add(output);
        var json = CliJson.Flag("the rows (label, runs, method, top1, top1_std, delta_top1, macs_reduction, params_reduction, epochs; reductions as fractions)");
        command.Add(json);
        command.SetAction((result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            return CommandGuard.RunAsync(host, settings, () =>
            {
                string[] directories = result.GetRequiredValue(runDirectories);
                foreach (string directory in directories)
                {
                    RunDirectories.RequireExisting(directory);
                }

                // Check --out before reading the reports, so a bad path fails before any work.
                string? file = result.GetValue(output) is { } o ? Path.GetFullPath(o) : null;
                if (file is not null && Directory.Exists(file))
                {
                    throw new HodecException($"--out '{file}' is a directory; pass a file path such as {Path.Combine(file, "comparison.md")}.") { Location = file };
                }

                ComparisonResult comparison = host.Engine.Compare(new CompareRequest([.. directories]));
                if (result.GetValue(json))
                {
                    CliJson.Write(host.Out, new { reference = directories[0], rows = comparison.Rows ?? Array.Empty<ComparisonRow>() });
                }
                else
                {
                    host.Out.Write(comparison.Markdown);
                }

                if (file is not null)
                {
                    string folder = Path.GetDirectoryName(file)!;
                    Directory.CreateDirectory(folder);
                    AtomicFile.Write(Path.Combine(folder, Path.GetFileName(file)), comparison.Markdown);
                    host.Error.WriteLine($"Wrote {file}"); // stderr, so stdout stays the table alone
                }

                return Task.FromResult(ExitCodes.Success);
            },
            null,
            cancellationToken);
        });
        return command;
    }
}
