using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Hodec.Tasks;

/// <summary>
/// Runs <c>hodec run</c> for one model, out of process: libtorch never loads into the MSBuild node
/// (node reuse would keep native libraries and files locked). Output lines stream into the build log
/// (canonical <c>file(line,col): error HODEC....</c> lines and <c>file:line:col: error: ...</c> lines become MSBuild errors
/// at that file, line and column) and into the model's build log file.
/// </summary>
public sealed partial class HodecRun : ToolTask
{
    private StreamWriter? _logFile;

    /// <summary>The recipe (full path).</summary>
    [Required]
    public string Recipe { get; set; } = string.Empty;

    /// <summary>The arguments after the executable, as computed by <see cref="HodecComputeModels"/>.</summary>
    [Required]
    public string[] Arguments { get; set; } = [];

    /// <summary>The predicted outputs; deleted when the tool fails so the next build is not skipped as up to date.</summary>
    public ITaskItem[] Outputs { get; set; } = [];

    /// <summary>A file receiving every line the tool prints.</summary>
    public string? LogFile { get; set; }

    /// <summary>$(HodecToolPath): the hodec executable (or a script). Empty: <c>dotnet hodec</c> from the project's tool manifest.</summary>
    public string? HodecToolPath { get; set; }

    /// <summary>The dotnet host; defaults to DOTNET_HOST_PATH, then <c>dotnet</c> on PATH.</summary>
    public string? DotnetHostPath { get; set; }

    /// <inheritdoc />
    protected override string ToolName => "hodec";

    /// <inheritdoc />
    protected override string GenerateFullPathToTool() => ResolveTool(HodecToolPath, DotnetHostPath ?? Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")).Executable;

    /// <inheritdoc />
    protected override string GenerateCommandLineCommands()
    {
        IEnumerable<string> all = ResolveTool(HodecToolPath, null).LeadingArguments.Concat(Arguments);
        return string.Join(" ", all.Select(argument => Quote(argument, OperatingSystem.IsWindows())));
    }

    /// <summary>
    /// Quotes one argument for the command line ToolTask hands to the shell: /bin/sh on Unix (single
    /// quotes, nothing expands inside), cmd on Windows (double quotes).
    /// </summary>
    public static string Quote(string argument, bool windows)
    {
        if (argument.Length > 0 && argument.All(c => char.IsLetterOrDigit(c) || "-_./=:,+@%".Contains(c)))
        {
            return argument;
        }

        return windows
            ? "\"" + argument.Replace("\"", "\\\"", StringComparison.Ordinal) + "\""
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>The executable and the arguments that come before ours (<c>hodec</c> for <c>dotnet hodec</c>).</summary>
    public static (string Executable, IReadOnlyList<string> LeadingArguments) ResolveTool(string? hodecToolPath, string? dotnetHostPath) =>
        string.IsNullOrWhiteSpace(hodecToolPath)
            ? (string.IsNullOrWhiteSpace(dotnetHostPath) ? "dotnet" : dotnetHostPath!, ["hodec"])
            : (hodecToolPath!, []);

    /// <inheritdoc />
    public override bool Execute()
    {
        Log.LogMessage(MessageImportance.High, "Hodec: compressing {0} (log: {1})", Recipe, LogFile ?? "none");
        if (!string.IsNullOrEmpty(LogFile))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(LogFile)!);
            _logFile = new StreamWriter(LogFile, append: false) { AutoFlush = true };
        }

        bool succeeded;
        try
        {
            succeeded = base.Execute() && !Log.HasLoggedErrors;
        }
        finally
        {
            _logFile?.Dispose();
            _logFile = null;
        }

        if (!succeeded)
        {
            // Stale or partial outputs would make the next build look up to date.
            foreach (string output in Outputs.Select(o => o.GetMetadata("FullPath")).Where(File.Exists))
            {
                File.Delete(output);
            }
        }

        return succeeded;
    }

    /// <inheritdoc />
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        _logFile?.WriteLine(singleLine);
        Match diagnostic = FileLineColumn().Match(singleLine);
        if (diagnostic.Success && File.Exists(diagnostic.Groups["file"].Value))
        {
            // A diagnostic in "file:line:col: error: message" form (the engine lists recipe errors that way): report it
            // at its file, line and column so it reaches the IDE's error list.
            int line = int.Parse(diagnostic.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture);
            int column = int.Parse(diagnostic.Groups["col"].Value, System.Globalization.CultureInfo.InvariantCulture);
            string message = diagnostic.Groups["message"].Value;
            if (diagnostic.Groups["severity"].Value == "warning")
            {
                Log.LogWarning(null, DiagnosticCode, null, diagnostic.Groups["file"].Value, line, column, 0, 0, "{0}", message);
            }
            else
            {
                Log.LogError(null, DiagnosticCode, null, diagnostic.Groups["file"].Value, line, column, 0, 0, "{0}", message);
            }

            return;
        }

        base.LogEventsFromTextOutput(singleLine, messageImportance);
    }

    /// <summary>The code recipe diagnostics carry in the build (the tool's own code for recipe errors).</summary>
    public const string DiagnosticCode = "HODEC0001";

    [GeneratedRegex(@"^(?<file>(?:[A-Za-z]:)?[^:]+):(?<line>\d+):(?<col>\d+): (?<severity>error|warning): (?<message>.*)$")]
    private static partial Regex FileLineColumn();
}
