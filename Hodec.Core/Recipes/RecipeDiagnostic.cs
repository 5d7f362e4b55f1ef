namespace Hodec.Recipes;

/// <summary>One recipe error: where it is, which key it concerns (dotted path) and what is wrong.</summary>
public sealed record RecipeDiagnostic(string File, int Line, int Column, string Key, string Message)
{
    /// <summary>The MSBuild error code every recipe diagnostic is reported under.</summary>
    public const string Code = "HODEC0001";

    internal static RecipeDiagnostic At(SourceLocation at, string key, string message) =>
        new(at.File, at.Line, at.Column, key, message);

    /// <summary>Compiler style: <c>file:line:column: error: message</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: error: {Message}";

    /// <summary>MSBuild canonical style: <c>file(line,column): error HODEC0001: message</c>.</summary>
    public string ToMsBuildString() => $"{File}({Line},{Column}): error {Code}: {Message}";

    /// <summary>All diagnostics, one per line, in compiler style.</summary>
    public static string FormatAll(IEnumerable<RecipeDiagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString()));
}
