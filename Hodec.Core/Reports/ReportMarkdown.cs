using System.Globalization;
using System.Text;

namespace Hodec.Reports;

/// <summary>
/// Renders <c>report.md</c>: the results table shaped like the seed's Table 1, the per-layer table
/// (layers whose compressed MACs exceed the dense ones are flagged "slower"), stage summaries,
/// links to the SVG plots, latency and export. Output depends only on the report.
/// </summary>
public static class ReportMarkdown
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <param name="report">The report.</param>
    /// <param name="plots">File names of the plots written next to report.md (linked if present).</param>
    public static string Render(HodecReport report, IReadOnlyList<string>? plots = null)
    {
        var md = new StringBuilder();
        void Line(string s = "") => md.Append(s).Append('\n');

        Line($"# Hodec report: {report.Name}");
        Line();
        if (report.Incomplete is { } inc)
        {
            Line($"> **Incomplete run:** {inc.StagesDone} of {inc.Stages} stages finished. These are the results so far, not the final model; resuming it with the same recipe and run directory continues it.");
            Line();
        }
        Line("## Results");
        Line();
        Line("| model | method | dense reference top-1 | final top-1 | delta | FLOPs down | params down |");
        Line("|---|---|---|---|---|---|---|");
        var final = report.Final;
        var r = report.Reference;
        Line($"| {report.Model} | {report.Method} | {(r is null ? "-" : Pct(r.Top1))} | {Pct(final.Top1)} | {(report.DeltaTop1 is { } d ? Signed(d) : "-")} | {Down(report.Reduction?.Macs)} | {Down(report.Reduction?.Params)} |");
        Line();
        Line("| model | split | epochs | top-1 | top-5 | params | MACs |");
        Line("|---|---|---|---|---|---|---|");
        if (r is not null)
        {
            Line($"| dense reference ({r.Name}) | test | {r.Epochs} | {Pct(r.Top1)} | - | - | - |");
        }
        if (report.PreProjection is { } pre)
        {
            Line($"| dense, before projection | {pre.Split ?? "-"} | {Epochs(pre.Epochs)} | {Pct(pre.Top1)} | {Pct(pre.Top5)} | {Count(pre.Params)} | {Count(pre.Macs)} |");
        }
        Line($"| final{(report.IsCompressed ? ", compressed" : ", dense")} | {final.Split ?? "-"} | {Epochs(final.Epochs)} | {Pct(final.Top1)} | {Pct(final.Top5)} | {Count(final.Params)} | {Count(final.Macs)} |");
        Line();
        Line(r is not null
            ? $"The delta compares the final model with the dense reference run `{r.Name}`, both trained for {r.Epochs} epochs and measured on the test split."
            : report.IsCompressed
                ? "No dense reference of equal budget was named (`reference: { run: ... }`), so there is no accuracy delta. The model before projection is no reference: it trained for fewer epochs and is measured on the validation split."
                : "A dense run: it can serve as the `reference` of compressed runs with the same number of epochs.");
        Line();
        Line("FLOPs are multiply-accumulates of conv and linear layers on the executed path; \"down\" is `1 - final/dense`.");

        if (report.Layers.Count > 0)
        {
            Line();
            Line("## Layers");
            Line();
            Line("| layer | format | in -> out | k / s | factorization | ranks | params | MACs | path |");
            Line("|---|---|---|---|---|---|---|---|---|");
            foreach (var l in report.Layers)
            {
                var f = l.Factorization is { } fz ? $"[{Join(fz.In)}] x [{Join(fz.Out)}]" : "-";
                Line($"| {l.Name} | {l.Format} | {Shape(l.InShape)} -> {Shape(l.OutShape)} | {l.Kernel} / {l.Stride} | {f} | [{Join(l.Ranks)}] | {Count(l.ParamsBefore)} -> {Count(l.ParamsAfter)} | {Count(l.MacsBefore)} -> {Count(l.MacsAfter)}{(l.Slower ? " (**slower**)" : "")} | {l.Path ?? "-"} |");
            }
            var slower = report.Layers.Count(l => l.Slower);
            if (slower > 0)
            {
                Line();
                Line($"{slower} layer{(slower == 1 ? "" : "s")} marked **slower** cost more MACs compressed than dense on the executed path.");
            }
        }

        if (report.Stages.Count > 0)
        {
            Line();
            Line("## Stages");
            Line();
            // Numbered from 1, as the log numbers them.
            Line("| # | stage | epochs | final loss | final top-1 | notes |");
            Line("|---|---|---|---|---|---|");
            for (var i = 0; i < report.Stages.Count; i++)
            {
                var s = report.Stages[i];
                var last = s.Epochs.Count > 0 ? s.Epochs[^1] : null;
                var notes = new List<string>();
                if (s.Projection is { } p)
                {
                    notes.Add($"{(p.Split is { } on ? on + " " : "")}top-1 {Pct(p.Top1Before)} -> {Pct(p.Top1After)} at projection ({Signed(p.Top1After - p.Top1Before)})");
                }
                if (last?.ApproxError is { Count: > 0 } errors)
                {
                    notes.Add($"approximation error mean {Num(errors.Values.Average())}, max {Num(errors.Values.Max())}");
                }
                if (s.SharedFrom is { } from)
                {
                    notes.Add($"taken from run `{from}` (start_from)");
                }
                Line($"| {i + 1} | {s.Kind} | {s.Epochs.Count} | {(last is null ? "-" : Num(last.Loss))} | {(last?.Top1 is { } t ? $"{Pct(t)}{(s.Split is { } split ? $" ({split})" : "")}" : "-")} | {string.Join("; ", notes)} |");
            }
        }

        if (plots is { Count: > 0 })
        {
            Line();
            Line("## Plots");
            foreach (var plot in plots)
            {
                Line();
                Line($"![{ReportPlots.Title(plot)}]({plot})");
            }
        }

        if (report.Latency is { } lat)
        {
            Line();
            Line($"## Latency ({lat.Threads} thread{(lat.Threads == 1 ? "" : "s")}, median ms per batch)");
            Line();
            Line("| runtime | batch | dense ms | compressed ms | ratio |");
            Line("|---|---|---|---|---|");
            foreach (var p in lat.Points)
            {
                Line($"| {RuntimeName(p.Runtime)} | {p.BatchSize} | {Num(p.DenseMs)} | {Num(p.CompressedMs)} | {Ratio(p.Ratio)}x |");
            }
            Line();
            Line("Ratio: compressed / dense time per batch; above 1 means slower.");
        }

        if (report.Export is { Files.Count: > 0 } export)
        {
            Line();
            Line("## Export");
            Line();
            Line("| format | file | bytes | max abs diff |");
            Line("|---|---|---|---|");
            foreach (var f in export.Files)
            {
                Line($"| {f.Format} | `{f.File}` | {Count(f.Bytes)} | {(f.MaxAbsDiff is { } m ? m.ToString("0.###e+0", Inv) : "-")} |");
            }
        }

        if (report.Run is { } run)
        {
            Line();
            Line("## Run");
            Line();
            foreach (var (key, value) in RunFacts(run))
            {
                Line($"- {key}: {value}");
            }
        }
        return md.ToString();
    }

    private static IEnumerable<(string, string)> RunFacts(RunInfo r)
    {
        if (r.StartedAt is { } s) { yield return ("started", s.ToString("u", Inv)); }
        if (r.DurationSeconds is { } d) { yield return ("duration", $"{d.ToString("0.0", Inv)} s"); }
        if (r.Host is { } h) { yield return ("host", h); }
        if (r.Os is { } o) { yield return ("os", o); }
        if (r.Threads is { } t) { yield return ("threads", t.ToString(Inv)); }
        if (r.Hodec is { } v) { yield return ("hodec", v); }
        if (r.Dotnet is { } n) { yield return (".NET", n); }
        if (r.Torch is { } tv) { yield return ("TorchSharp", tv); }
        if (r.GitCommit is { } g) { yield return ("commit", g); }
        if (r.Recipe is { } rc) { yield return ("recipe", rc); }
    }

    internal static string Pct(double v) => v.ToString("0.00", Inv);

    internal static string Signed(double v) => (v >= 0 ? "+" : "") + v.ToString("0.00", Inv);

    /// <summary>A reduction fraction as a percentage; growth is named, e.g. <c>(increases 50.0%)</c>.</summary>
    internal static string Down(double? v) => v is not { } x ? "-" : x < 0 ? $"(increases {(-x * 100).ToString("0.0", Inv)}%)" : $"{(x * 100).ToString("0.0", Inv)}%";

    /// <summary>Counts with thin grouping and K/M suffixes, e.g. 272474 -> 272.5K.</summary>
    internal static string Count(long v) => v switch
    {
        >= 10_000_000 => (v / 1e6).ToString("0.0", Inv) + "M",
        >= 1_000_000 => (v / 1e6).ToString("0.00", Inv) + "M",
        >= 10_000 => (v / 1e3).ToString("0.0", Inv) + "K",
        _ => v.ToString(Inv),
    };

    /// <summary>A latency point's runtime as tables name it: <c>TorchSharp</c>, <c>ONNX Runtime</c>.</summary>
    internal static string RuntimeName(string runtime) => runtime switch
    {
        LatencyPoint.TorchSharp => "TorchSharp",
        LatencyPoint.OnnxRuntime => "ONNX Runtime",
        _ => runtime,
    };

    /// <summary>Latency ratios and other plain factors, two decimals.</summary>
    internal static string Ratio(double v) => v.ToString("0.00", Inv);

    /// <summary>Four significant digits of the value report.json stores.</summary>
    internal static string Num(double v) => ReportJson.Round(v).ToString("G4", Inv);

    private static string Join(IEnumerable<int> xs) => string.Join(", ", xs);

    private static string Shape(IReadOnlyList<int> s) => string.Join("x", s);

    private static string Epochs(int? epochs) => epochs is { } e ? e.ToString(Inv) : "-";
}
