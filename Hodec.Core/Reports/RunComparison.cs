using System.Globalization;
using System.Text;
using Hodec.Recipes;
using static Hodec.Reports.ReportMarkdown;

namespace Hodec.Reports;

/// <summary>Runs of one recipe that differ only by seed (or a single run), shown as one row of a comparison.</summary>
/// <param name="Label">What the row is called.</param>
/// <param name="Runs">One report per seed.</param>
public sealed record RunGroup(string Label, IReadOnlyList<HodecReport> Runs);

/// <summary>What a comparison row is, for telling rows of one recipe apart (<see cref="RunComparison.Distinctions"/>).</summary>
/// <param name="Name">The recipe's name, as the report gives it.</param>
/// <param name="Recipe">The text of the row's resolved <c>recipe.yml</c>, or null when its run directory has none.</param>
/// <param name="Directory">The row's run directory (for seeds, the first seed's).</param>
public sealed record RowIdentity(string Name, string? Recipe, string Directory);

/// <summary>
/// The comparison of several runs (<c>hodec compare</c>) in two Markdown tables. The main table is shaped like the seed's
/// Table 1: each row's method family (tensor train, low-rank matrix, Tucker), the reference's, its own and the delta
/// top-1, FLOPs and parameters down (a method that adds MACs shows "(increases N%)"), and the latency ratio at batch 1
/// and 32 in TorchSharp and in ONNX Runtime. The details table gives each row's stages, its top-1 right before and after
/// projection and the approximation error ADAL left. The first row is the reference every delta is taken against. A row
/// of several seeds shows each figure as mean ± standard deviation, with the per-seed values in the details table.
/// Output depends only on the reports.
/// </summary>
public static class RunComparison
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The main table's header row.</summary>
    public const string Header =
        "| run | family | method | reference top-1 | top-1 | delta | FLOPs down | params down | latency b1 / b32, TorchSharp | latency b1 / b32, ONNX Runtime |";

    /// <summary>The details table's header row (with a last column of per-seed top-1 when any row has several seeds).</summary>
    public const string DetailsHeader = "| run | stages | top-1 before -> after projection | approximation error at projection |";

    /// <summary>The footnote printed under the main table when any latency ratio is shown, before its thread count.</summary>
    public const string LatencyNote = "Latency ratio: compressed / dense median time per batch at batch 1 / 32; above 1 means slower.";

    /// <summary>The line introducing the details table.</summary>
    public const string DetailsNote =
        "Details: the stages each row ran (evaluate and export left out), its top-1 right before and after projection, and the mean approximation error over layers at the end of its last ADAL stage.";

    /// <summary>The note printed under the tables when any row has several seeds.</summary>
    public const string SeedNote =
        "Rows of several seeds: mean ± sample standard deviation; the details give per-seed values, in brackets and in the last column. A delta's ± combines both rows' deviations.";

    /// <summary>The comparison of single runs; <paramref name="runs"/>[0] is the reference.</summary>
    /// <exception cref="ArgumentException">No runs.</exception>
    public static string Render(IReadOnlyList<HodecReport> runs) => Render([.. runs.Select(r => new RunGroup(r.Name, [r]))]);

    /// <summary>The comparison; <paramref name="groups"/>[0] is the reference.</summary>
    /// <exception cref="ArgumentException">No runs, or an empty group.</exception>
    public static string Render(IReadOnlyList<RunGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count == 0 || groups.Any(g => g.Runs.Count == 0))
        {
            throw new ArgumentException("Pass at least one run in every row; the first row is the reference.", nameof(groups));
        }

        var md = new StringBuilder();
        void Line(string s = "") => md.Append(s).Append('\n');

        var reference = groups[0];
        var referenceTop1 = Values(reference, r => r.Final.Top1);
        var anySeeds = groups.Any(g => g.Runs.Count > 1);
        Line($"{ModelLine([.. groups.SelectMany(g => g.Runs)])} Reference: {reference.Label}, test top-1 {Cell(referenceTop1, Pct, perSeed: true)}{EpochsNote(reference)}.");
        Line();
        Line(Header);
        Line("|---|---|---|---|---|---|---|---|---|---|");
        var threads = new SortedSet<int>();
        for (var i = 0; i < groups.Count; i++)
        {
            var g = groups[i];
            var first = g.Runs[0];
            var top1 = Values(g, r => r.Final.Top1);
            var torchSharp = Latency(g, LatencyPoint.TorchSharp);
            var onnxRuntime = Latency(g, LatencyPoint.OnnxRuntime);
            if (torchSharp != "-" || onnxRuntime != "-")
            {
                threads.UnionWith(g.Runs.Where(r => r.Latency is not null).Select(r => r.Latency!.Threads));
            }
            var delta = i == 0 ? "-" : Delta(top1, referenceTop1) is var d && d == "-" ? d : d + BudgetNote(g, reference);
            var referenceCell = i == 0 ? "-" : Cell(referenceTop1, Pct);
            Line($"| {Name(g)} | {ReportLabels.Family(first.Method)} | {first.Method} | {referenceCell} | {Cell(top1, Pct)} | {delta} | {Down(first.Reduction?.Macs)} | {Down(first.Reduction?.Params)} | {torchSharp} | {onnxRuntime} |");
        }
        if (threads.Count > 0)
        {
            Line();
            var counts = threads.Select(t => t.ToString(Inv)).ToList();
            var listed = counts.Count == 1 ? counts[0] : $"{string.Join(", ", counts[..^1])} and {counts[^1]}";
            Line($"{LatencyNote} Timed at {listed} thread{(threads is { Count: 1, Min: 1 } ? "" : "s")}.");
        }

        Line();
        Line(DetailsNote);
        Line();
        Line(anySeeds ? DetailsHeader + " top-1 per seed |" : DetailsHeader);
        Line(anySeeds ? "|---|---|---|---|---|" : "|---|---|---|---|");
        foreach (var g in groups)
        {
            var before = Values(g, r => Projection(r)?.Top1Before ?? double.NaN);
            var after = Values(g, r => Projection(r)?.Top1After ?? double.NaN);
            var projection = before.All(double.IsNaN) ? "-" : $"{Cell(before, Pct, perSeed: true)} -> {Cell(after, Pct, perSeed: true)}";
            var row = $"| {Name(g)} | {Stages(g.Runs[0].Stages)} | {projection} | {Cell(Values(g, ApproxErrorAtProjection), Num, perSeed: true)} |";
            Line(anySeeds ? $"{row} {string.Join(", ", g.Runs.Select(r => double.IsNaN(r.Final.Top1) ? "-" : Pct(r.Final.Top1)))} |" : row);
        }
        if (anySeeds)
        {
            Line();
            Line(SeedNote);
        }
        return md.ToString();
    }

    /// <summary>Most keys a row label lists before it says how many more differ.</summary>
    public const int MaxLabelKeys = 3;

    /// <summary>
    /// What tells each row apart from the other rows of the same <see cref="RowIdentity.Name"/>, or null for a row whose name
    /// is unique. Rows that share a name are told apart by the resolved-recipe keys whose values differ among them
    /// (<c>compression.target.macs_reduction=0.4</c>, a key one of them lacks reads "not set"), at most
    /// <see cref="MaxLabelKeys"/> then "and N more"; by their run directory's name when their recipes are the same or
    /// missing.
    /// </summary>
    public static IReadOnlyList<string?> Distinctions(IReadOnlyList<RowIdentity> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var result = new string?[rows.Count];
        foreach (var group in rows.Select((r, i) => (Row: r, Index: i)).GroupBy(x => x.Row.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var members = group.ToList();
            var recipes = members.Select(m => m.Row.Recipe is { } yaml
                ? RecipeDifference.Values(yaml).GroupBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal)
                : null).ToList();
            var keys = recipes.Any(r => r is null) ? [] : recipes.SelectMany(r => r!.Keys).Distinct(StringComparer.Ordinal)
                .Where(k => recipes.Select(r => r!.GetValueOrDefault(k)).Distinct(StringComparer.Ordinal).Count() > 1).ToList();
            for (var m = 0; m < members.Count; m++)
            {
                var shown = keys.Take(MaxLabelKeys).Select(k => $"{k}={Unquote(recipes[m]!.GetValueOrDefault(k))}").ToList();
                if (keys.Count > MaxLabelKeys)
                {
                    shown.Add(string.Create(Inv, $"and {keys.Count - MaxLabelKeys} more"));
                }
                result[members[m].Index] = shown.Count > 0 ? string.Join(", ", shown) : Path.GetFileName(Path.TrimEndingDirectorySeparator(members[m].Row.Directory));
            }
        }
        return result;
    }

    private static string Unquote(string? value) =>
        value is null ? "not set" : value is ['"', .. var inner, '"'] ? new string(inner) : value;

    /// <summary>Mean and sample standard deviation (0 for one value).</summary>
    public static (double Mean, double Std) MeanStd(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        double std = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return (mean, std);
    }

    private static double[] Values(RunGroup g, Func<HodecReport, double> figure) => [.. g.Runs.Select(figure)];

    // One value as it is; several as mean ± std, with the per-seed values when asked; missing values as "-".
    private static string Cell(IReadOnlyList<double> values, Func<double, string> format, bool perSeed = false)
    {
        if (values.Any(double.IsNaN))
        {
            return values.All(double.IsNaN) ? "-" : string.Join(", ", values.Select(v => double.IsNaN(v) ? "-" : format(v)));
        }
        if (values.Count == 1)
        {
            return format(values[0]);
        }
        var (mean, std) = MeanStd(values);
        return perSeed ? $"{format(mean)} ± {format(std)} ({string.Join(", ", values.Select(format))})" : $"{format(mean)} ± {format(std)}";
    }

    private static string Name(RunGroup g)
    {
        var incomplete = g.Runs.Where(r => r.Incomplete is not null).ToList();
        return incomplete.Count == 0 ? g.Label
            : g.Runs.Count == 1 ? $"{g.Label} (**incomplete**, {incomplete[0].Incomplete!.StagesDone} of {incomplete[0].Incomplete!.Stages} stages)"
            : $"{g.Label} (**{incomplete.Count} of {g.Runs.Count} incomplete**)";
    }

    // A dense run times one model twice, so only compressed runs show a latency ratio.
    private static string Latency(RunGroup g, string runtime)
    {
        if (!g.Runs[0].IsCompressed)
        {
            return "-";
        }
        var cell = $"{Cell(Values(g, r => LatencyAt(r, runtime, 1)), Ratio)} / {Cell(Values(g, r => LatencyAt(r, runtime, 32)), Ratio)}";
        return cell == "- / -" ? "-" : cell;
    }

    private static string Delta(IReadOnlyList<double> top1, IReadOnlyList<double> reference)
    {
        if (top1.Any(double.IsNaN) || reference.Any(double.IsNaN))
        {
            return "-"; // a run without its final top-1 yet (incomplete) has no delta
        }
        var (mean, std) = MeanStd(top1);
        var (referenceMean, referenceStd) = MeanStd(reference);
        return top1.Count == 1 && reference.Count == 1
            ? Signed(mean - referenceMean)
            : $"{Signed(mean - referenceMean)} ± {Pct(Math.Sqrt((std * std) + (referenceStd * referenceStd)))}";
    }

    // A delta between different training budgets says so.
    private static string BudgetNote(RunGroup g, RunGroup reference)
    {
        var epochs = g.Runs.Select(r => r.Final.Epochs).Distinct().ToList();
        var referenceEpochs = reference.Runs.Select(r => r.Final.Epochs).Distinct().ToList();
        return epochs.SequenceEqual(referenceEpochs) && epochs.Count == 1 && epochs[0] is not null
            ? string.Empty
            : $" (unequal budgets: {string.Join("/", epochs.Select(e => e?.ToString(Inv) ?? "?"))} vs {string.Join("/", referenceEpochs.Select(e => e?.ToString(Inv) ?? "?"))} epochs)";
    }

    private static string EpochsNote(RunGroup g) =>
        g.Runs.Select(r => r.Final.Epochs).Distinct().ToList() is [int e] ? $" after {e} epochs" : string.Empty;

    // Different models are worth a comparison but never silently: the header names each with its runs.
    private static string ModelLine(IReadOnlyList<HodecReport> runs)
    {
        var models = runs.GroupBy(r => r.Model, StringComparer.Ordinal).ToList();
        return models.Count == 1
            ? $"Model: {models[0].Key}."
            : $"Models differ: {string.Join("; ", models.Select(g => $"{g.Key} ({string.Join(", ", g.Select(r => r.Name).Distinct())})"))}.";
    }

    // Evaluate and export change no weights, so they would only lengthen the cell.
    private static string Stages(IReadOnlyList<StageReport> stages) => string.Join(", ", stages
        .Where(s => s.Kind is not ("evaluate" or "export"))
        .Select(s => s.Epochs.Count > 0 ? $"{s.Kind} {s.Epochs.Count}" : s.Kind));

    private static ProjectionReport? Projection(HodecReport r) => r.Stages.LastOrDefault(s => s.Projection is not null)?.Projection;

    private static double ApproxErrorAtProjection(HodecReport r) =>
        r.Stages.LastOrDefault(s => s.Kind == "adal") is { Epochs: [.., { ApproxError: { Count: > 0 } errors }] }
            ? errors.Values.Average()
            : double.NaN;

    private static double LatencyAt(HodecReport r, string runtime, int batch) =>
        r.Latency?.At(runtime, batch) is { } p ? p.Ratio : double.NaN;
}
