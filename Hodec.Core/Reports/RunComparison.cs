using System.Globalization;
using System.Text;
using static Hodec.Reports.ReportMarkdown;

namespace Hodec.Reports;

/// <summary>Runs of one recipe that differ only by seed (or a single run), shown as one row of a comparison.</summary>
/// <param name="Label">What the row is called.</param>
/// <param name="Runs">One report per seed.</param>
public sealed record RunGroup(string Label, IReadOnlyList<HodecReport> Runs);

/// <summary>
/// One Markdown table comparing several runs (<c>hodec compare</c>), shaped like the seed's Table 1, with each row's
/// method family (tensor train, low-rank matrix, Tucker); a method that adds MACs shows "(increases N%)" as FLOPs down. The first row is
/// the reference every delta is taken against. A row of several seeds shows each figure as mean ± standard deviation
/// with the per-seed values. Output depends only on the reports.
/// </summary>
public static class RunComparison
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The footnote printed under the table when any latency ratio is shown.</summary>
    public const string LatencyNote = "Latency ratio: compressed / dense time per batch; above 1 means slower.";

    /// <summary>The note printed under the table when any row has several seeds.</summary>
    public const string SeedNote =
        "Rows of several seeds: mean ± sample standard deviation, per-seed values in brackets. A delta's ± combines both rows' deviations.";

    /// <summary>The comparison table of single runs; <paramref name="runs"/>[0] is the reference.</summary>
    /// <exception cref="ArgumentException">No runs.</exception>
    public static string Render(IReadOnlyList<HodecReport> runs) => Render([.. runs.Select(r => new RunGroup(r.Name, [r]))]);

    /// <summary>The comparison table; <paramref name="groups"/>[0] is the reference.</summary>
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
        Line($"{ModelLine([.. groups.SelectMany(g => g.Runs)])} Reference: {reference.Label}, test top-1 {Cell(referenceTop1, Pct)}{EpochsNote(reference)}.");
        Line();
        Line("| run | method | family | stages | top-1 before -> after projection | approximation error at projection | top-1 | delta | FLOPs down | params down | latency ratio b1 / b32 |");
        Line("|---|---|---|---|---|---|---|---|---|---|---|");
        bool anyLatency = false, anySeeds = false;
        for (var i = 0; i < groups.Count; i++)
        {
            var g = groups[i];
            var first = g.Runs[0];
            var top1 = Values(g, r => r.Final.Top1);
            // A dense run times one model twice, so only compressed runs show a latency ratio.
            var latency = first.IsCompressed ? $"{Cell(Values(g, r => LatencyAt(r, 1)), Ratio)} / {Cell(Values(g, r => LatencyAt(r, 32)), Ratio)}" : "-";
            latency = latency == "- / -" ? "-" : latency;
            anyLatency |= latency != "-";
            anySeeds |= g.Runs.Count > 1;
            var incomplete = g.Runs.Where(r => r.Incomplete is not null).ToList();
            var name = incomplete.Count == 0 ? g.Label
                : g.Runs.Count == 1 ? $"{g.Label} (**incomplete**, {incomplete[0].Incomplete!.StagesDone} of {incomplete[0].Incomplete!.Stages} stages)"
                : $"{g.Label} (**{incomplete.Count} of {g.Runs.Count} incomplete**)";
            var before = Values(g, r => Projection(r)?.Top1Before ?? double.NaN);
            var after = Values(g, r => Projection(r)?.Top1After ?? double.NaN);
            var projection = before.All(double.IsNaN) ? "-" : $"{Cell(before, Pct)} -> {Cell(after, Pct)}";
            var delta = i == 0 ? "-" : Delta(top1, referenceTop1) + BudgetNote(g, reference);
            Line($"| {name} | {first.Method} | {ReportLabels.Family(first.Method)} | {Stages(first.Stages)} | {projection} | {Cell(Values(g, ApproxErrorAtProjection), Num)} | {Cell(top1, Pct)} | {delta} | {Down(first.Reduction?.Macs)} | {Down(first.Reduction?.Params)} | {latency} |");
        }
        if (anyLatency)
        {
            Line();
            Line(LatencyNote);
        }
        if (anySeeds)
        {
            Line();
            Line(SeedNote);
        }
        return md.ToString();
    }

    /// <summary>Mean and sample standard deviation (0 for one value).</summary>
    public static (double Mean, double Std) MeanStd(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        double std = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return (mean, std);
    }

    private static double[] Values(RunGroup g, Func<HodecReport, double> figure) => [.. g.Runs.Select(figure)];

    // One value as it is; several as mean ± std (per-seed values); missing values as "-".
    private static string Cell(IReadOnlyList<double> values, Func<double, string> format)
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
        return $"{format(mean)} ± {format(std)} ({string.Join(", ", values.Select(format))})";
    }

    private static string Delta(IReadOnlyList<double> top1, IReadOnlyList<double> reference)
    {
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

    private static double LatencyAt(HodecReport r, int batch) =>
        r.Latency?.Points.FirstOrDefault(p => p.BatchSize == batch) is { } p ? p.Ratio : double.NaN;
}
