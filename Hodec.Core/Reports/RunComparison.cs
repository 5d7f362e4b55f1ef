using System.Text;
using static Hodec.Reports.ReportMarkdown;

namespace Hodec.Reports;

/// <summary>
/// One Markdown table comparing several runs (<c>hodec compare</c>), shaped like the seed's Table 1.
/// The first run is the reference every delta is taken against. Output depends only on the reports.
/// </summary>
public static class RunComparison
{
    /// <summary>The footnote printed under the table when any latency ratio is shown.</summary>
    public const string LatencyNote = "Latency ratio: compressed / dense time per batch; above 1 means slower.";

    /// <summary>The comparison table; <paramref name="runs"/>[0] is the reference.</summary>
    /// <exception cref="ArgumentException">No runs.</exception>
    public static string Render(IReadOnlyList<HodecReport> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
        {
            throw new ArgumentException("Pass at least one report; the first is the reference.", nameof(runs));
        }

        var md = new StringBuilder();
        void Line(string s = "") => md.Append(s).Append('\n');

        var reference = runs[0];
        var referenceTop1 = FinalTop1(reference);
        Line($"{ModelLine(runs)} Reference: {reference.Name}, top-1 {Pct(referenceTop1)}%.");
        Line();
        Line("| run | method | stages | top-1 before -> after projection | approximation error at projection | top-1 | delta | FLOPs down | params down | latency ratio b1 / b32 |");
        Line("|---|---|---|---|---|---|---|---|---|---|");
        var anyLatency = false;
        for (var i = 0; i < runs.Count; i++)
        {
            var r = runs[i];
            var top1 = FinalTop1(r);
            var latency = r.Compressed is null ? "-" : LatencyRatios(r.Latency); // a dense run times one model twice
            anyLatency |= latency != "-";
            var name = r.Incomplete is { } inc ? $"{r.Name} (**incomplete**, {inc.StagesDone} of {inc.Stages} stages)" : r.Name;
            Line($"| {name} | {r.Method} | {Stages(r.Stages)} | {Projection(r.Stages)} | {ApproxErrorAtProjection(r.Stages)} | {Pct(top1)} | {(i == 0 ? "-" : Signed(top1 - referenceTop1))} | {Down(r.Reduction?.Macs)} | {Down(r.Reduction?.Params)} | {latency} |");
        }
        if (anyLatency)
        {
            Line();
            Line(LatencyNote);
        }
        return md.ToString();
    }

    /// <summary>The run's final top-1: the compressed model's when there is one, else the dense model's.</summary>
    public static double FinalTop1(HodecReport report) => report.Compressed?.Top1 ?? report.Baseline.Top1;

    // Different models are worth a comparison but never silently: the header names each with its runs.
    private static string ModelLine(IReadOnlyList<HodecReport> runs)
    {
        var models = runs.GroupBy(r => r.Model, StringComparer.Ordinal).ToList();
        return models.Count == 1
            ? $"Model: {models[0].Key}."
            : $"Models differ: {string.Join("; ", models.Select(g => $"{g.Key} ({string.Join(", ", g.Select(r => r.Name))})"))}.";
    }

    // Evaluate and export change no weights, so they would only lengthen the cell.
    private static string Stages(IReadOnlyList<StageReport> stages) => string.Join(", ", stages
        .Where(s => s.Kind is not ("evaluate" or "export"))
        .Select(s => s.Epochs.Count > 0 ? $"{s.Kind} {s.Epochs.Count}" : s.Kind));

    private static string Projection(IReadOnlyList<StageReport> stages) =>
        stages.LastOrDefault(s => s.Projection is not null)?.Projection is { } p ? $"{Pct(p.Top1Before)} -> {Pct(p.Top1After)}" : "-";

    private static string ApproxErrorAtProjection(IReadOnlyList<StageReport> stages) =>
        stages.LastOrDefault(s => s.Kind == "adal") is { Epochs: [.., { ApproxError: { Count: > 0 } errors }] }
            ? Num(errors.Values.Average())
            : "-";

    private static string LatencyRatios(LatencyReport? latency)
    {
        string? At(int batch) => latency?.Points.FirstOrDefault(p => p.BatchSize == batch) is { } p ? Ratio(p.Ratio) : null;
        var (b1, b32) = (At(1), At(32));
        return b1 is null && b32 is null ? "-" : $"{b1 ?? "-"} / {b32 ?? "-"}";
    }
}
