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

    /// <summary>
    /// True: the arguments are <c>hodec cache key ...</c>; the key the tool prints is returned in <see cref="Key"/>
    /// instead of being logged.
    /// </summary>
    public bool ComputesKey { get; set; }

    /// <summary>With <see cref="ComputesKey"/>: the cache key the tool printed (64 hex digits), else empty.</summary>
    [Output]
    public string Key { get; private set; } = string.Empty;

    /// <inheritdoc />
    protected override string GenerateCommandLineCommands()
    {
        IEnumerable<string> all = ResolveTool(HodecToolPath, null).LeadingArguments.Concat(Arguments);
        return string.Join(" ", all.Select(Quote));
    }

    /// <summary>
    /// ToolTask turns every backslash of the command line into '/' on Linux and macOS (for Windows-style paths in
    /// project files); that would undo the escaping of double quotes, and change arguments. The arguments are already
    /// full paths of this OS and exact values, so they go through unchanged.
    /// </summary>
    protected override string AdjustCommandsForOperatingSystem(string input) => input;

    /// <summary>
    /// Quotes one argument for the command line ToolTask starts the tool with. ToolTask runs no shell on any OS: the
    /// process gets the line as one string and splits it the way the C runtime's <c>CommandLineToArgvW</c> does (on Linux and
    /// macOS .NET's <c>Process</c> applies the same rules): whitespace separates arguments, double quotes group them, a
    /// backslash escapes a double quote, and backslashes are literal elsewhere. Single quotes and <c>$</c> mean nothing.
    /// So: plain arguments as they are; others in double quotes, with each double quote escaped and the backslashes
    /// before a double quote (or the closing quote) doubled.
    /// </summary>
    public static string Quote(string argument)
    {
        if (argument.Length > 0 && !argument.Any(c => char.IsWhiteSpace(c) || c == '"'))
        {
            return argument;
        }

        var quoted = new System.Text.StringBuilder("\"");
        for (int i = 0; i < argument.Length; i++)
        {
            int backslashes = 0;
            while (i < argument.Length && argument[i] == '\\')
            {
                backslashes++;
                i++;
            }

            if (i == argument.Length)
            {
                quoted.Append('\\', backslashes * 2); // before the closing quote
            }
            else if (argument[i] == '"')
            {
                quoted.Append('\\', (backslashes * 2) + 1).Append('"');
            }
            else
            {
                quoted.Append('\\', backslashes).Append(argument[i]);
            }
        }

        return quoted.Append('"').ToString();
    }

    /// <summary>The executable and the arguments that come before ours (<c>hodec</c> for <c>dotnet hodec</c>).</summary>
    public static (string Executable, IReadOnlyList<string> LeadingArguments) ResolveTool(string? hodecToolPath, string? dotnetHostPath) =>
        string.IsNullOrWhiteSpace(hodecToolPath)
            ? (string.IsNullOrWhiteSpace(dotnetHostPath) ? "dotnet" : dotnetHostPath!, ["hodec"])
            : (hodecToolPath!, []);

    /// <inheritdoc />
    public override bool Execute()
    {
        if (ComputesKey)
        {
            Log.LogMessage(MessageImportance.Normal, "Hodec: computing the cache key of {0}", Recipe);
        }
        else
        {
            Log.LogMessage(MessageImportance.High, "Hodec: compressing {0} (log: {1})", Recipe, LogFile ?? "none");
        }

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

        if (succeeded && ComputesKey && !Shared.ModelCache.IsKey(Key))
        {
            Log.LogError(null, DiagnosticCode, null, Recipe, 0, 0, 0, 0, "hodec cache key printed no key for {0}.", Recipe);
            succeeded = false;
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
        if (ComputesKey && Shared.ModelCache.IsKey(singleLine.Trim()))
        {
            Key = singleLine.Trim();
            Log.LogMessage(MessageImportance.Low, "Hodec: cache key {0}", Key);
            return;
        }

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
