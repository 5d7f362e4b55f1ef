using System.CommandLine;
using System.Globalization;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Cli;

/// <summary><c>hodec export &lt;run-dir&gt;</c>: writes a run's model again, as the export stage does.</summary>
internal static class ExportCommand
{
    public const string Examples =
        "  dotnet hodec export runs/quickstart --out deploy/\n"
        + "  dotnet hodec export runs/quickstart --format safetensors --out deploy/\n"
        + "  dotnet hodec export runs/quickstart --overwrite          # replace the files in runs/quickstart/export";

    public static Command Create(HodecCliHost host, CommonOptions common)
    {
        var runDirectory = new Argument<string>("run-dir") { Description = "A run directory written by 'hodec run'; its model after the last finished stage is exported." };
        var format = new Option<string[]>("--format", "-f")
        {
            Description = "onnx (checked in ONNX Runtime against TorchSharp; the safetensors and TorchSharp files are written beside it), safetensors or torchsharp. Repeatable. Default: onnx.",
            HelpName = "onnx|safetensors|torchsharp",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        format.AcceptOnlyFromAmong("onnx", "safetensors", "torchsharp");
        var output = new Option<string?>("--out", "-o") { Description = "The folder to write into (created). Default: the run's export/ folder.", HelpName = "dir" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace files that exist; without it, an export that would replace one is refused and nothing is written." };
        var json = CliJson.Flag("the files written (folder, files: [{format, path, bytes, max_abs_diff}], unfinished)");
        var command = new Command("export", "Export a run's model again (ONNX, safetensors or TorchSharp), with the code the export stage uses; never replaces files without --overwrite.");
        command.Add(runDirectory);
        command.Add(format);
        command.Add(output);
        command.Add(overwrite);
        command.Add(json);
        command.SetAction((result, cancellationToken) =>
        {
            OutputSettings settings = common.Read(result);
            return CommandGuard.RunAsync(host, settings, () =>
            {
                string directory = result.GetRequiredValue(runDirectory);
                if (File.Exists(directory))
                {
                    throw new HodecException($"'{Path.GetFullPath(directory)}' is a file; export takes a run directory (the --out of a 'hodec run').") { Location = directory };
                }

                RunDirectories.RequireExisting(directory);
                string? folder = result.GetValue(output);
                if (folder is not null && File.Exists(folder))
                {
                    throw new HodecException($"--out '{Path.GetFullPath(folder)}' is a file; pass a folder.") { Location = folder };
                }

                ExportResult export;
                try
                {
                    export = ModelArguments.Worded(() => host.Engine.Export(new ExportRequest(directory, [.. result.GetValue(format) ?? []], folder, result.GetValue(overwrite))));
                }
                catch (ExportTargetsExistException e)
                {
                    throw new HodecException($"{e.Message} Pass --overwrite to replace {(e.Files.Count == 1 ? "it" : "them")}, or another --out.", e) { Location = e.Location };
                }

                if (export.Unfinished is string unfinished)
                {
                    host.Error.WriteLine($"warning: {unfinished}.");
                }

                if (result.GetValue(json))
                {
                    CliJson.Write(host.Out, export);
                    return Task.FromResult(ExitCodes.Success);
                }

                host.Out.WriteLine($"Exported {Path.GetFullPath(directory)} into {export.Folder}:");
                foreach (ExportedModelFile file in export.Files)
                {
                    string check = file.MaxAbsDiff is double d ? string.Create(CultureInfo.InvariantCulture, $", max |ONNX Runtime - TorchSharp| {d:0.##e+0}") : "";
                    host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Path.GetFileName(file.Path)} ({file.Format}, {file.Bytes:N0} bytes{check})"));
                }

                return Task.FromResult(ExitCodes.Success);
            },
            null,
            cancellationToken);
        });
        return command;
    }
}
