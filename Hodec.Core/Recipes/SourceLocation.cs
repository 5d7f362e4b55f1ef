namespace Hodec.Recipes;

/// <summary>A position in a recipe file (1-based line and column).</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}
