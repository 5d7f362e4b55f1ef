using System.Globalization;
using Hodec.Reports.Plots;

namespace Hodec.Reports;

/// <summary>
/// The report's plots as <see cref="PlotFigure"/>s, drawn to SVG by <see cref="SvgPlotWriter"/>: the ADAL approximation
/// error per layer (log scale; layers grouped by network stage, or by depth, as a mean line over a min–max band once
/// there are more than <see cref="MaxLayerLines"/>), and top-1 and training loss per epoch over all stages in two
/// panels, the ADAL loss on an axis of its own when its scale differs. Output is a deterministic function of the report.
/// </summary>
public static class ReportPlots
{
    public const string ApproxErrorFile = "approx_error.svg";
    public const string AccuracyFile = "accuracy.svg";

    /// <summary>Up to this many layers the approximation-error plot draws one line per layer; past it, one band per group.</summary>
    public const int MaxLayerLines = 8;

    /// <summary>A loss axis is shared only while the largest losses of the stages on it are within this factor of each other.</summary>
    public const double SharedLossRatio = 3;

    // Okabe–Ito, told apart with colour-blindness too (yellow left out: it is unreadable on white).
    private static readonly string[] Colors = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"];

    /// <summary>Every plot the report has data for, as (file name, SVG text).</summary>
    public static IReadOnlyList<(string File, string Svg)> Render(HodecReport report)
    {
        var plots = new List<(string, string)>();
        if (ApproxError(report) is { } a)
        {
            plots.Add((ApproxErrorFile, SvgPlotWriter.Write(a)));
        }
        if (Accuracy(report) is { } b)
        {
            plots.Add((AccuracyFile, SvgPlotWriter.Write(b)));
        }
        return plots;
    }

    /// <summary>A caption for a plot file name.</summary>
    public static string Title(string file) => file switch
    {
        ApproxErrorFile => "ADAL approximation error per layer",
        AccuracyFile => "Top-1 accuracy and training loss per epoch",
        _ => file,
    };

    /// <summary>Per-layer <c>||W - Proj(W)||_F / ||W||_F</c> over the ADAL epochs of all ADAL stages, log y; null without ADAL data.</summary>
    public static PlotFigure? ApproxError(HodecReport report)
    {
        var epochs = new List<(double X, IReadOnlyDictionary<string, double> Errors)>();
        var offset = 0;
        foreach (var stage in report.Stages.Where(s => s.Kind == "adal"))
        {
            epochs.AddRange(stage.Epochs.Where(e => e.ApproxError is { Count: > 0 }).Select(e => ((double)(offset + e.Epoch), e.ApproxError!)));
            offset += stage.Epochs.Count;
        }
        if (epochs.Count == 0)
        {
            return null;
        }
        var layers = epochs.SelectMany(e => e.Errors.Keys).Distinct().ToList();
        var series = new List<PlotSeries>();
        var legend = new List<LegendEntry>();
        var groups = LayerGroups(layers);
        for (var i = 0; i < groups.Count; i++)
        {
            var (label, members) = groups[i];
            var color = Color(i, groups.Count);
            var values = epochs
                .Select(e => (e.X, Values: members.Where(e.Errors.ContainsKey).Select(m => e.Errors[m]).Where(v => v > 0).ToList()))
                .Where(e => e.Values.Count > 0)
                .ToList();
            if (members.Count == 1)
            {
                series.Add(new PlotSeries(label, color, [.. values.Select(v => new PlotPoint(v.X, ReportJson.Round(v.Values[0])))], SeriesStyle.LineWithMarkers));
                legend.Add(new LegendEntry(label, color, SeriesStyle.LineWithMarkers));
                continue;
            }
            series.Add(new PlotSeries($"{label}: min–max", color, [.. values.Select(v => new PlotPoint(v.X, ReportJson.Round(v.Values.Max())))],
                SeriesStyle.Band, Lower: [.. values.Select(v => new PlotPoint(v.X, ReportJson.Round(v.Values.Min())))]));
            series.Add(new PlotSeries($"{label}: mean", color, [.. values.Select(v => new PlotPoint(v.X, ReportJson.Round(v.Values.Average())))], SeriesStyle.LineWithMarkers));
            legend.Add(new LegendEntry($"{label} ({members.Count} layers)", color, SeriesStyle.LineOverBand));
        }
        if (groups.Count < layers.Count)
        {
            legend.Add(new LegendEntry("line: mean over the group's layers; band: min to max", "#777777", SeriesStyle.LineOverBand));
        }
        var panel = new PlotPanel(new PlotAxis("ADAL epoch", Integer: true), new PlotAxis("relative error ‖W − Proj(W)‖ / ‖W‖", AxisScale.Log), series,
            Dividers: StageStarts(report.Stages.Where(s => s.Kind == "adal").Select(s => s.Epochs.Count)));
        return new PlotFigure(Title(ApproxErrorFile), [panel], legend);
    }

    /// <summary>
    /// Top-1 (upper panel) and mean training loss (lower panel) per epoch, the stages one after another on one epoch axis;
    /// a projection shows as its top-1 right before and right after. Null without epochs.
    /// </summary>
    public static PlotFigure? Accuracy(HodecReport report)
    {
        var stages = report.Stages.Where(s => s.Epochs.Count > 0).ToList();
        if (stages.Count == 0)
        {
            return null;
        }

        // Stages whose losses are on another scale than the rest (ADAL's adds its regulariser) get the right axis.
        var maxLoss = stages.Select(s => s.Epochs.Max(e => Math.Abs(e.Loss))).ToList();
        var onRight = stages.Select(s => s.Kind == "adal").ToList();
        var leftMax = maxLoss.Where((_, i) => !onRight[i]).DefaultIfEmpty(0).Max();
        var rightMax = maxLoss.Where((_, i) => onRight[i]).DefaultIfEmpty(0).Max();
        var split = leftMax > 0 && rightMax > 0 && Math.Max(leftMax, rightMax) / Math.Min(leftMax, rightMax) > SharedLossRatio;
        if (!split)
        {
            onRight = [.. onRight.Select(_ => false)];
        }

        var top1 = new List<PlotSeries>();
        var loss = new List<PlotSeries>();
        var legend = new List<LegendEntry>();
        var counts = stages.GroupBy(s => s.Kind).ToDictionary(g => g.Key, g => g.Count());
        var seen = new Dictionary<string, int>();
        var offset = 0;
        var starts = new List<double>();
        var projections = new List<PlotPoint>();
        foreach (var stage in report.Stages)
        {
            if (stage.Projection is { } p)
            {
                projections.Add(new PlotPoint(offset + 0.5, ReportJson.Round(p.Top1Before)));
                projections.Add(new PlotPoint(offset + 0.5, ReportJson.Round(p.Top1After)));
            }
            var i = stages.IndexOf(stage);
            if (i < 0)
            {
                continue;
            }
            seen[stage.Kind] = seen.GetValueOrDefault(stage.Kind) + 1;
            var name = counts[stage.Kind] > 1 ? $"{stage.Kind} {seen[stage.Kind]}" : stage.Kind;
            var color = Color(i, stages.Count);
            if (i > 0)
            {
                starts.Add(offset + 0.5);
            }
            var points = stage.Epochs.Where(e => e.Top1 is not null).Select(e => new PlotPoint(offset + e.Epoch, ReportJson.Round(e.Top1!.Value))).ToList();
            top1.Add(new PlotSeries($"{name} top-1", color, points, SeriesStyle.LineWithMarkers));
            loss.Add(new PlotSeries($"{name} loss", color, [.. stage.Epochs.Select(e => new PlotPoint(offset + e.Epoch, ReportJson.Round(e.Loss)))],
                onRight[i] ? SeriesStyle.Dashed : SeriesStyle.LineWithMarkers, onRight[i]));
            legend.Add(new LegendEntry(onRight[i] ? $"{name} (loss dashed, on the right axis)" : name, color, SeriesStyle.LineWithMarkers));
            offset += stage.Epochs.Count;
        }
        if (projections.Count > 0)
        {
            for (var k = 0; k < projections.Count; k += 2)
            {
                top1.Add(new PlotSeries("projection", "#222222", [projections[k], projections[k + 1]], SeriesStyle.LineWithMarkers));
            }
            legend.Add(new LegendEntry("projection: top-1 right before and after", "#222222", SeriesStyle.LineWithMarkers));
        }

        var splits = stages.Select(s => s.Split).Distinct().ToList();
        var top1Title = splits is [string only] ? $"top-1 on {only} (%)" : "top-1 (%)";
        var x = new PlotAxis("epoch (all stages in order)", Integer: true);
        var panels = new List<PlotPanel>();
        if (top1.Any(s => s.Points.Count > 0))
        {
            panels.Add(new PlotPanel(x, new PlotAxis(top1Title), top1, Dividers: starts));
        }
        string Kinds(bool right) => string.Join(", ", stages.Where((_, i) => onRight[i] == right).Select(s => s.Kind).Distinct());
        panels.Add(split
            ? new PlotPanel(x, new PlotAxis($"{Kinds(false)} loss"), loss, new PlotAxis($"{Kinds(true)} loss"), starts)
            : new PlotPanel(x, new PlotAxis("training loss"), loss, Dividers: starts));
        return new PlotFigure(Title(AccuracyFile), panels, legend);
    }

    /// <summary>
    /// The series groups of the approximation-error plot: each layer alone up to <see cref="MaxLayerLines"/> layers; else
    /// the layers grouped by the first part of their name (ResNet's <c>layer1</c>, <c>layer2</c>, ...) when that gives 2 to
    /// <see cref="MaxLayerLines"/> groups; else runs of consecutive layers, named by their first and last layer.
    /// </summary>
    public static IReadOnlyList<(string Label, IReadOnlyList<string> Layers)> LayerGroups(IReadOnlyList<string> layers)
    {
        if (layers.Count <= MaxLayerLines)
        {
            return [.. layers.Select(l => (l, (IReadOnlyList<string>)[l]))];
        }
        var byStage = layers.GroupBy(l => l.Split('.')[0], StringComparer.Ordinal).ToList();
        if (byStage.Count is >= 2 and <= MaxLayerLines)
        {
            return [.. byStage.Select(g => (g.Key, (IReadOnlyList<string>)[.. g]))];
        }
        var size = (int)Math.Ceiling(layers.Count / (double)(MaxLayerLines - 2));
        return [.. layers.Chunk(size).Select((c, i) => (
            string.Create(CultureInfo.InvariantCulture, $"layers {(i * size) + 1}–{(i * size) + c.Length}: {c[0]} to {c[^1]}"),
            (IReadOnlyList<string>)[.. c]))];
    }

    private static List<double> StageStarts(IEnumerable<int> epochCounts)
    {
        var starts = new List<double>();
        var offset = 0;
        foreach (var n in epochCounts)
        {
            if (offset > 0)
            {
                starts.Add(offset + 0.5);
            }
            offset += n;
        }
        return starts;
    }

    private static string Color(int i, int n) => n <= Colors.Length ? Colors[i] : Hsv((double)i / n);

    private static string Hsv(double hue)
    {
        double h = hue * 6, c = 0.8 * 0.75, x = c * (1 - Math.Abs((h % 2) - 1)), m = 0.8 - c;
        var (r, g, b) = (int)h switch { 0 => (c, x, 0.0), 1 => (x, c, 0.0), 2 => (0.0, c, x), 3 => (0.0, x, c), 4 => (x, 0.0, c), _ => (c, 0.0, x) };
        return $"#{(int)Math.Round((r + m) * 255):x2}{(int)Math.Round((g + m) * 255):x2}{(int)Math.Round((b + m) * 255):x2}";
    }
}
