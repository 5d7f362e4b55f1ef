using System.Text.RegularExpressions;
using Hodec.Tests.Shared;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Cli;

/// <summary>
/// The README's comparison tables (issue 31) are <c>hodec compare</c>'s output for the committed run records in
/// <c>benchmarks/compare/records/</c>, as <c>benchmarks/compare/readme-table.sh</c> writes them: nobody edits a number
/// by hand, and no finished row is left out.
/// </summary>
[Collection(SerialEngineCollection.Name)]
public sealed partial class ReadmeComparisonTableTests
{
    private static readonly string Repository = ProcessRunner.RepositoryRoot();

    public static TheoryData<string> Budgets => new() { "b60", "b80" };

    [Theory]
    [MemberData(nameof(Budgets))]
    public async Task ReadmeTable_IsCompareOutputForTheCommittedRecords(string budget)
    {
        var (arguments, shown) = Block(budget);

        CliResult result = await CliRunner.RunAsync(["compare", .. arguments.Select(a => Path.Combine(Repository, a))]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(result.Out, shown);
    }

    [Theory]
    [MemberData(nameof(Budgets))]
    public void ReadmeTable_ListsEveryCommittedRowOfItsBudget_InTheSweepsOrder(string budget)
    {
        var records = Path.Combine(Repository, "benchmarks", "compare", "records");
        var finished = Directory.Exists(records)
            ? Directory.GetDirectories(records).Where(d => File.Exists(Path.Combine(d, "report.json"))).Select(Path.GetFileName).ToHashSet()
            : [];
        var rows = SweepRow().Matches(File.ReadAllText(Path.Combine(Repository, "sweeps", "compare.yml"))).Select(m => m.Groups[1].Value)
            .Where(r => r == "dense" || r.StartsWith(budget + "-", StringComparison.Ordinal));
        var expected = rows.Where(r => finished.Any(f => Regex.IsMatch(f!, $"^{Regex.Escape(r)}-s[0-9]+$")))
            .Select(r => $"benchmarks/compare/records/{r}");

        Assert.Equal(expected, Block(budget).Arguments);
    }

    /// <summary>The <c>hodec compare</c> arguments the README's block for <paramref name="budget"/> names, and the text under them.</summary>
    private static (string[] Arguments, string Shown) Block(string budget)
    {
        var readme = File.ReadAllText(Path.Combine(Repository, "README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var begin = $"<!-- compare-table {budget}: begin -->\n";
        var end = $"<!-- compare-table {budget}: end -->";
        var start = readme.IndexOf(begin, StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no '{begin.Trim()}' line");
        start += begin.Length;
        var stop = readme.IndexOf(end, start, StringComparison.Ordinal);
        Assert.True(stop >= 0, $"README.md has no '{end}' line");
        var block = readme[start..stop];
        var command = CommandLine().Match(block);
        Assert.True(command.Success, $"The README's {budget} block does not start with '<!-- hodec compare ... -->'; run benchmarks/compare/readme-table.sh");
        return (command.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries), block[(command.Length + 1)..]);
    }

    [GeneratedRegex(@"\A<!-- hodec compare (.*) -->\n")]
    private static partial Regex CommandLine();

    [GeneratedRegex(@"^  - \{ name: ([a-z0-9-]+),", RegexOptions.Multiline)]
    private static partial Regex SweepRow();
}
