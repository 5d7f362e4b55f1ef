using System.Text.RegularExpressions;
using Hodec.Tests.Recipes;

namespace Hodec.Tests.Foundation;

/// <summary>Core raises typed errors; only the front ends (Tool, Tasks) word them with their flags and commands.</summary>
public sealed partial class CoreBoundaryTests
{
    [Fact]
    public void CoreSources_NameNoCliFlagOrCommandInAStringLiteral()
    {
        var core = Path.Combine(ShippedRecipesTests.RepoRoot, "Hodec.Core");
        var hits = Directory.EnumerateFiles(core, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                     && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, line, i)))
            .Where(x => StringLiterals().Matches(x.line).Any(m => CliWords().IsMatch(m.Value)))
            .Select(x => $"{Path.GetRelativePath(core, x.f)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();

        Assert.True(hits.Count == 0, "Core words CLI flags in messages:\n" + string.Join('\n', hits));
    }

    [Theory]
    [InlineData("""throw new HodecException("start without --resume.");""", true)]
    [InlineData("""var s = $"or start over (--overwrite)";""", true)]
    [InlineData("""var s = $"after --set x=1";""", true)]
    [InlineData("""Line("`dotnet hodec run` continues it");""", true)]
    [InlineData("""// comment naming --resume, outside a literal""", false)]
    [InlineData("""var s = "resume it with the same recipe";""", false)]
    public void TheScan_FindsFlagsOnlyInsideLiterals(string line, bool found) =>
        Assert.Equal(found, StringLiterals().Matches(line).Any(m => CliWords().IsMatch(m.Value)));

    // A (possibly interpolated or verbatim) string literal on one line; escaped quotes are skipped.
    [GeneratedRegex("""[$@]*"(?:[^"\\]|\\.)*"|\"{3}.*?\"{3}""")]
    private static partial Regex StringLiterals();

    [GeneratedRegex(@"--resume|--overwrite|--set\b|--threads|dotnet hodec")]
    private static partial Regex CliWords();
}
