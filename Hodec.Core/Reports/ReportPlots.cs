using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace Hodec.Reports;

/// <summary>
/// The report's plots, drawn with OxyPlot and exported by its managed <see cref="SvgExporter"/>:
/// the ADAL approximation-error curve per layer (log scale) and the top-1 / loss curves over all
/// stages. Output is a deterministic function of the report.
/// </summary>
public static class ReportPlots
{
    public const string ApproxErrorFile = "approx_error.svg";
    public const string AccuracyFile = "accuracy.svg";
    public const int Width = 720;
    public const int Height = 420;

    /// <summary>Every plot the report has data for, as (file name, SVG text).</summary>
    public static IReadOnlyList<(string File, string Svg)> Render(HodecReport report)
    {
        var plots = new List<(string, string)>();
        if (ApproxError(report) is { } a)
        {
            plots.Add((ApproxErrorFile, ToSvg(a)));
        }
        if (Accuracy(report) is { } b)
        {
            plots.Add((AccuracyFile, ToSvg(b)));
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

    /// <summary>Per-layer <c>||W - Proj(W)||_F / ||W||_F</c> over ADAL epochs, log y; null without ADAL data.</summary>
    public static PlotModel? ApproxError(HodecReport report)
    {
        var epochs = report.Stages.Where(s => s.Kind == "adal").SelectMany(s => s.Epochs).Where(e => e.ApproxError is { Count: > 0 }).ToList();
        if (epochs.Count == 0)
        {
            return null;
        }
        var model = Base(Title(ApproxErrorFile));
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "ADAL epoch", MinimumMajorStep = 1, MinimumMinorStep = 1, MinimumPadding = 0.02, MaximumPadding = 0.02 });
        model.Axes.Add(new LogarithmicAxis { Position = AxisPosition.Left, Title = "relative error", MajorGridlineStyle = LineStyle.Dot });
        var layers = epochs.SelectMany(e => e.ApproxError!.Keys).Distinct().ToList();
        for (var i = 0; i < layers.Count; i++)
        {
            var series = new LineSeries { Title = layers[i], Color = Palette(i, layers.Count), MarkerType = MarkerType.Circle, MarkerSize = 2 };
            foreach (var e in epochs)
            {
                if (e.ApproxError!.TryGetValue(layers[i], out var v) && v > 0)
                {
                    series.Points.Add(new DataPoint(e.Epoch, ReportJson.Round(v)));
                }
            }
            model.Series.Add(series);
        }
        return model;
    }

    /// <summary>Top-1 (left axis) and loss (right axis) per epoch over all training stages; null without epochs.</summary>
    public static PlotModel? Accuracy(HodecReport report)
    {
        var stages = report.Stages.Where(s => s.Epochs.Count > 0).ToList();
        if (stages.Count == 0)
        {
            return null;
        }
        var model = Base(Title(AccuracyFile));
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "epoch (all stages)", MinimumMajorStep = 1, MinimumMinorStep = 1 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "top-1 (%)", Key = "top1", MajorGridlineStyle = LineStyle.Dot });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Right, Title = "loss", Key = "loss" });
        var offset = 0;
        for (var i = 0; i < stages.Count; i++)
        {
            var s = stages[i];
            var color = Palette(i, stages.Count);
            var top1 = new LineSeries { Title = $"{s.Kind} top-1", Color = color, YAxisKey = "top1", MarkerType = MarkerType.Circle, MarkerSize = 2 };
            var loss = new LineSeries { Title = $"{s.Kind} loss", Color = color, YAxisKey = "loss", LineStyle = LineStyle.Dash };
            foreach (var e in s.Epochs)
            {
                var x = offset + e.Epoch;
                if (e.Top1 is { } t)
                {
                    top1.Points.Add(new DataPoint(x, ReportJson.Round(t)));
                }
                loss.Points.Add(new DataPoint(x, ReportJson.Round(e.Loss)));
            }
            offset += s.Epochs.Count;
            model.Series.Add(top1);
            model.Series.Add(loss);
        }
        return model;
    }

    /// <summary>SVG text of a plot, measured with the managed PDF text metrics so no GUI toolkit is needed.</summary>
    public static string ToSvg(PlotModel model)
    {
        var exporter = new SvgExporter { Width = Width, Height = Height, TextMeasurer = new PdfRenderContext(Width, Height, OxyColors.White) };
        return exporter.ExportToString(model).Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static PlotModel Base(string title)
    {
        var model = new PlotModel { Title = title, Background = OxyColors.White, TitleFontSize = 14, DefaultFont = "Helvetica" };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.RightTop, LegendPlacement = LegendPlacement.Outside, LegendFontSize = 9 });
        return model;
    }

    // Evenly spaced hues: stable colours for a given series count.
    private static OxyColor Palette(int i, int n) => OxyColor.FromHsv((double)i / Math.Max(1, n), 0.75, 0.8);
}
