using System.Globalization;
using System.Text.RegularExpressions;
using Hodec.Tool.Engine;

namespace Hodec.Tool.Cli;

/// <summary>How errors are printed: for people, or in MSBuild's canonical form for IDE error lists.</summary>
public enum ErrorFormat
{
    /// <summary><c>file:line:column: error: message</c>.</summary>
    Text,

    /// <summary><c>file(line,column): error HODEC0001: message</c>, parsed by MSBuild and IDEs.</summary>
    MSBuild,
}

/// <summary>Turns diagnostics and exceptions into single error lines.</summary>
public static partial class ErrorFormatter
{
    /// <summary>The code used for errors that have none of their own.</summary>
    public const string DefaultCode = "HODEC0001";

    /// <summary>Formats one diagnostic.</summary>
    public static string Format(Diagnostic diagnostic, ErrorFormat format)
    {
        string severity = diagnostic.Severity == DiagnosticSeverity.Error ? "error" : "warning";
        string position = Position(diagnostic.File, diagnostic.Line, diagnostic.Column, format);
        return format == ErrorFormat.MSBuild
            ? $"{position}: {severity} {diagnostic.Code}: {diagnostic.Message}"
            : $"{position}: {severity}: {diagnostic.Message}";
    }

    /// <summary>Formats a user error, using its <see cref="HodecException.Location"/> when it has one.</summary>
    public static string Format(HodecException exception, ErrorFormat format) =>
        Format(ToDiagnostic(exception), format);

    /// <summary>Reads a <c>file:line:column</c> location (line and column optional) into a diagnostic.</summary>
    public static Diagnostic ToDiagnostic(HodecException exception)
    {
        if (string.IsNullOrEmpty(exception.Location))
        {
            return new Diagnostic(DiagnosticSeverity.Error, string.Empty, 0, 0, exception.Message);
        }

        Match match = LocationPattern().Match(exception.Location);
        int line = match.Groups["line"].Success ? int.Parse(match.Groups["line"].Value, CultureInfo.InvariantCulture) : 0;
        int column = match.Groups["column"].Success ? int.Parse(match.Groups["column"].Value, CultureInfo.InvariantCulture) : 0;
        return new Diagnostic(DiagnosticSeverity.Error, match.Groups["file"].Value, line, column, exception.Message);
    }

    private static string Position(string file, int line, int column, ErrorFormat format)
    {
        if (file.Length == 0)
        {
            return format == ErrorFormat.MSBuild ? "hodec " : "hodec"; // MSBuild's canonical "origin : error"
        }

        if (format == ErrorFormat.MSBuild)
        {
            return line <= 0 ? file : column <= 0 ? $"{file}({line})" : $"{file}({line},{column})";
        }

        return line <= 0 ? file : column <= 0 ? $"{file}:{line}" : $"{file}:{line}:{column}";
    }

    // A path (which may itself hold ':' as in C:\), then optional :line and :column.
    [GeneratedRegex(@"^(?<file>.+?)(?::(?<line>\d+)(?::(?<column>\d+))?)?$")]
    private static partial Regex LocationPattern();
}
