using System.Globalization;
using System.Security;
using System.Text;

namespace Hodec.Reports.Plots;

/// <summary>
/// Draws a <see cref="PlotFigure"/> as SVG 1.1 that renders alike in browsers and in librsvg (<c>rsvg-convert</c>): text
/// sits on its alphabetic baseline (no <c>dominant-baseline</c>), every title, tick label and legend entry is measured
/// with <see cref="TextMetrics"/> and given the room it needs (the figure grows downwards, it never cuts text), and
/// series are clipped to their panel. Output is a deterministic function of the figure.
/// </summary>
public static class SvgPlotWriter
{
    /// <summary>Width of every figure, in pixels; the height follows from its panels and legend.</summary>
    public const int Width = 760;

    private const double Pad = 12;
    private const double TitleSize = 15;
    private const double TickSize = 11;
    private const double AxisTitleSize = 12;
    private const double LegendSize = 11.5;
    private const double PlotHeight = 200;
    private const double TickLength = 4;
    private const double SwatchWidth = 26;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The SVG document of <paramref name="figure"/>.</summary>
    public static string Write(PlotFigure figure)
    {
        ArgumentNullException.ThrowIfNull(figure);
        var svg = new StringBuilder();
        var body = new StringBuilder();
        double y = Pad;

        // Title, wrapped to the width rather than cut.
        foreach (var line in TextMetrics.Wrap(figure.Title, TitleSize, Width - (2 * Pad), bold: true))
        {
            Text(body, Width / 2.0, y + (TextMetrics.Ascent * TitleSize), line, TitleSize, "middle", bold: true);
            y += TitleSize * 1.25;
        }
        y += 6;

        // Panels share the left and right gutters, so their x axes line up.
        var layouts = figure.Panels.Select(p => new PanelScales(p)).ToList();
        double left = Pad + (AxisTitleSize * 1.25) + 6 + layouts.Max(l => l.Left.MaxLabelWidth) + TickLength + 4;
        double right = layouts.Any(l => l.Right is not null)
            ? Pad + (AxisTitleSize * 1.25) + 6 + layouts.Max(l => l.Right?.MaxLabelWidth ?? 0) + TickLength + 4
            : Pad + (layouts.Max(l => l.X.LastLabelWidth) / 2);
        for (var i = 0; i < figure.Panels.Count; i++)
        {
            y += TickSize; // room for the top tick label's upper half
            DrawPanel(body, figure.Panels[i], layouts[i], i, left, y, Width - left - right);
            y += PlotHeight + TickLength + (TickSize * 1.3) + 6 + (AxisTitleSize * 1.25) + 6;
        }

        y = DrawLegend(body, figure.Legend, y + 4) + Pad;

        var height = Math.Ceiling(y);
        svg.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{Width}\" height=\"{F(height)}\" viewBox=\"0 0 {Width} {F(height)}\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Escape(figure.Title)}</title>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<g font-family=\"{TextMetrics.FontFamily}\" fill=\"#222\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{F(height)}\" fill=\"#fff\"/>\n");
        svg.Append(body);
        svg.Append("</g>\n</svg>\n");
        return svg.ToString();
    }

    private static void DrawPanel(StringBuilder svg, PlotPanel panel, PanelScales scales, int index, double x0, double y0, double width)
    {
        double Sx(double v) => x0 + (scales.X.Fraction(v) * width);
        double SyOf(Scale s, double v) => y0 + PlotHeight - (s.Fraction(v) * PlotHeight);

        // Grid and ticks of the left axis, then the x axis.
        foreach (var t in scales.Left.Ticks)
        {
            var ty = SyOf(scales.Left, t.Value);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x0)}\" y1=\"{F(ty)}\" x2=\"{F(x0 + width)}\" y2=\"{F(ty)}\" stroke=\"#e3e3e3\" stroke-width=\"1\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x0 - TickLength)}\" y1=\"{F(ty)}\" x2=\"{F(x0)}\" y2=\"{F(ty)}\" stroke=\"#444\" stroke-width=\"1\"/>\n");
            TickLabel(svg, x0 - TickLength - 3, ty + (0.35 * TickSize), t, "end");
        }
        if (scales.Right is { } rightScale)
        {
            foreach (var t in rightScale.Ticks)
            {
                var ty = SyOf(rightScale, t.Value);
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x0 + width)}\" y1=\"{F(ty)}\" x2=\"{F(x0 + width + TickLength)}\" y2=\"{F(ty)}\" stroke=\"#444\" stroke-width=\"1\"/>\n");
                TickLabel(svg, x0 + width + TickLength + 3, ty + (0.35 * TickSize), t, "start");
            }
        }
        foreach (var t in scales.X.Ticks)
        {
            var tx = Sx(t.Value);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(tx)}\" y1=\"{F(y0 + PlotHeight)}\" x2=\"{F(tx)}\" y2=\"{F(y0 + PlotHeight + TickLength)}\" stroke=\"#444\" stroke-width=\"1\"/>\n");
            TickLabel(svg, tx, y0 + PlotHeight + TickLength + (TextMetrics.Ascent * TickSize), t, "middle");
        }

        // Axis titles: x centred under the plot, y rotated beside it (the glyphs rise to the left of the baseline).
        var xTitleY = y0 + PlotHeight + TickLength + (TickSize * 1.3) + 6 + (TextMetrics.Ascent * AxisTitleSize);
        Text(svg, x0 + (width / 2), xTitleY, panel.X.Title, AxisTitleSize, "middle");
        var leftTitleX = x0 - TickLength - 4 - scales.Left.MaxLabelWidth - 6 - (TextMetrics.Descent * AxisTitleSize);
        RotatedText(svg, leftTitleX, y0 + (PlotHeight / 2), panel.Left.Title);
        if (panel.Right is { } rightAxis && scales.Right is { } r)
        {
            var rightTitleX = x0 + width + TickLength + 4 + r.MaxLabelWidth + 6 + (TextMetrics.Ascent * AxisTitleSize);
            RotatedText(svg, rightTitleX, y0 + (PlotHeight / 2), rightAxis.Title);
        }

        // Dividers, then the series clipped to the plot area, then the frame on top.
        var clip = $"plot{index}";
        svg.Append(CultureInfo.InvariantCulture, $"<clipPath id=\"{clip}\"><rect x=\"{F(x0)}\" y=\"{F(y0)}\" width=\"{F(width)}\" height=\"{F(PlotHeight)}\"/></clipPath>\n");
        foreach (var d in panel.Dividers ?? [])
        {
            var dx = Sx(d);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(dx)}\" y1=\"{F(y0)}\" x2=\"{F(dx)}\" y2=\"{F(y0 + PlotHeight)}\" stroke=\"#999\" stroke-width=\"1\" stroke-dasharray=\"2 3\"/>\n");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<g clip-path=\"url(#{clip})\">\n");
        foreach (var s in panel.Series)
        {
            var scale = s.OnRight && scales.Right is not null ? scales.Right : scales.Left;
            bool Visible(PlotPoint p) => scale.Log ? p.Y > 0 : true;
            string Pt(PlotPoint p) => $"{F(Sx(p.X))} {F(SyOf(scale, p.Y))}";
            var points = s.Points.Where(Visible).ToList();
            if (points.Count == 0)
            {
                continue;
            }
            if (s.Style == SeriesStyle.Band)
            {
                var lower = (s.Lower ?? []).Where(Visible).Reverse().ToList();
                var outline = string.Join(" L ", points.Concat(lower).Select(Pt));
                svg.Append(CultureInfo.InvariantCulture, $"<path d=\"M {outline} Z\" fill=\"{s.Color}\" fill-opacity=\"0.18\" stroke=\"none\"><title>{Escape(s.Name)}</title></path>\n");
                continue;
            }
            var dash = s.Style == SeriesStyle.Dashed ? " stroke-dasharray=\"6 3\"" : "";
            svg.Append(CultureInfo.InvariantCulture, $"<path d=\"M {string.Join(" L ", points.Select(Pt))}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"1.8\" stroke-linejoin=\"round\"{dash}><title>{Escape(s.Name)}</title></path>\n");
            if (s.Style == SeriesStyle.LineWithMarkers || points.Count == 1)
            {
                foreach (var p in points)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(Sx(p.X))}\" cy=\"{F(SyOf(scale, p.Y))}\" r=\"2.6\" fill=\"{s.Color}\"/>\n");
                }
            }
        }
        svg.Append("</g>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x0)}\" y=\"{F(y0)}\" width=\"{F(width)}\" height=\"{F(PlotHeight)}\" fill=\"none\" stroke=\"#444\" stroke-width=\"1\"/>\n");
    }

    // Entries flow left to right in rows; an entry wider than a row has its text wrapped. Returns the y under the legend.
    private static double DrawLegend(StringBuilder svg, IReadOnlyList<LegendEntry> entries, double top)
    {
        const double gap = 18;
        const double lineHeight = LegendSize * 1.3;
        double available = Width - (2 * Pad);
        double x = Pad, y = top, rowHeight = 0;
        foreach (var e in entries)
        {
            var lines = TextMetrics.Wrap(e.Label, LegendSize, available - SwatchWidth - 6);
            var w = SwatchWidth + 6 + lines.Max(l => TextMetrics.Width(l, LegendSize));
            if (x > Pad && x + w > Pad + available)
            {
                x = Pad;
                y += rowHeight + 4;
                rowHeight = 0;
            }
            var mid = y + (lineHeight / 2);
            Swatch(svg, x, mid, e);
            for (var i = 0; i < lines.Count; i++)
            {
                Text(svg, x + SwatchWidth + 6, y + (i * lineHeight) + ((lineHeight - LegendSize) / 2) + (0.8 * LegendSize), lines[i], LegendSize, "start");
            }
            rowHeight = Math.Max(rowHeight, lines.Count * lineHeight);
            x += w + gap;
        }
        return y + rowHeight;
    }

    private static void Swatch(StringBuilder svg, double x, double mid, LegendEntry e)
    {
        if (e.Style is SeriesStyle.Band or SeriesStyle.LineOverBand)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(x)}\" y=\"{F(mid - 5)}\" width=\"{F(SwatchWidth)}\" height=\"10\" fill=\"{e.Color}\" fill-opacity=\"0.18\"/>\n");
            if (e.Style == SeriesStyle.Band)
            {
                return;
            }
        }
        var dash = e.Style == SeriesStyle.Dashed ? " stroke-dasharray=\"6 3\"" : "";
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{F(mid)}\" x2=\"{F(x + SwatchWidth)}\" y2=\"{F(mid)}\" stroke=\"{e.Color}\" stroke-width=\"1.8\"{dash}/>\n");
        if (e.Style == SeriesStyle.LineWithMarkers)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(x + (SwatchWidth / 2))}\" cy=\"{F(mid)}\" r=\"2.6\" fill=\"{e.Color}\"/>\n");
        }
    }

    private static void TickLabel(StringBuilder svg, double x, double baseline, Tick t, string anchor)
    {
        if (t.Exponent is { } exponent)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{F(x)}\" y=\"{F(baseline)}\" font-size=\"{F(TickSize)}\" text-anchor=\"{anchor}\">10<tspan dy=\"-5\" font-size=\"{F(TickSize * 0.75)}\">{Escape(exponent)}</tspan></text>\n");
            return;
        }
        Text(svg, x, baseline, t.Label, TickSize, anchor);
    }

    private static void Text(StringBuilder svg, double x, double baseline, string text, double size, string anchor, bool bold = false) =>
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{F(x)}\" y=\"{F(baseline)}\" font-size=\"{F(size)}\" text-anchor=\"{anchor}\"{(bold ? " font-weight=\"bold\"" : "")}>{Escape(text)}</text>\n");

    // An axis title longer than the plot is tall is drawn smaller, never cut.
    private static void RotatedText(StringBuilder svg, double x, double y, string text)
    {
        var size = Math.Min(AxisTitleSize, AxisTitleSize * (PlotHeight - 8) / TextMetrics.Width(text, AxisTitleSize));
        svg.Append(CultureInfo.InvariantCulture,
            $"<text transform=\"translate({F(x)} {F(y)}) rotate(-90)\" font-size=\"{F(size)}\" text-anchor=\"middle\">{Escape(text)}</text>\n");
    }

    private static string Escape(string s) => SecurityElement.Escape(s);

    private static string F(double v) => Math.Round(v, 2).ToString("0.##", Inv);

    /// <summary>A tick: its value and label (or, on a log axis past 1000 or under 0.001, the power of ten it is).</summary>
    private sealed record Tick(double Value, string Label, string? Exponent = null)
    {
        public double Width => Exponent is null ? TextMetrics.Width(Label, TickSize) : TextMetrics.Width("10", TickSize) + TextMetrics.Width(Exponent, TickSize * 0.75);
    }

    private sealed class PanelScales
    {
        public PanelScales(PlotPanel panel)
        {
            var left = panel.Series.Where(s => !s.OnRight || panel.Right is null).ToList();
            var right = panel.Series.Where(s => s.OnRight && panel.Right is not null).ToList();
            X = Scale.For(panel.X, panel.Series.SelectMany(s => s.Points.Concat(s.Lower ?? [])).Select(p => p.X).Concat(panel.Dividers ?? []), padX: true);
            Left = Scale.For(panel.Left, left.SelectMany(Ys));
            Right = panel.Right is { } r ? Scale.For(r, right.SelectMany(Ys)) : null;
        }

        public Scale X { get; }

        public Scale Left { get; }

        public Scale? Right { get; }

        private static IEnumerable<double> Ys(PlotSeries s) => s.Points.Concat(s.Lower ?? []).Select(p => p.Y);
    }

    private sealed class Scale
    {
        private readonly double _lo;
        private readonly double _hi;

        private Scale(bool log, double lo, double hi, IReadOnlyList<Tick> ticks)
        {
            Log = log;
            _lo = log ? Math.Log10(lo) : lo;
            _hi = log ? Math.Log10(hi) : hi;
            Ticks = ticks;
        }

        public bool Log { get; }

        public IReadOnlyList<Tick> Ticks { get; }

        public double MaxLabelWidth => Ticks.Count == 0 ? 0 : Ticks.Max(t => t.Width);

        public double LastLabelWidth => Ticks.Count == 0 ? 0 : Ticks[^1].Width;

        public double Fraction(double v) => ((Log ? Math.Log10(v) : v) - _lo) / (_hi - _lo);

        public static Scale For(PlotAxis axis, IEnumerable<double> values, bool padX = false)
        {
            var finite = values.Where(double.IsFinite).Where(v => axis.Scale != AxisScale.Log || v > 0).ToList();
            return axis.Scale == AxisScale.Log ? LogScale(finite) : LinearScale(finite, axis.Integer, padX);
        }

        private static Scale LinearScale(List<double> values, bool integer, bool padX)
        {
            double min = values.Count == 0 ? 0 : values.Min(), max = values.Count == 0 ? 1 : values.Max();
            if (max - min < 1e-12)
            {
                var half = Math.Max(Math.Abs(min) * 0.1, integer ? 1 : 0.5);
                (min, max) = (min - half, max + half);
            }
            var step = Nice((max - min) / (padX ? 8 : 5));
            if (integer)
            {
                step = Math.Max(1, Math.Round(step));
            }
            double lo, hi;
            if (padX)
            {
                var margin = (max - min) * 0.03;
                (lo, hi) = (min - margin, max + margin);
            }
            else
            {
                // A little room, so a point on the last tick is not cut in half by the frame.
                var room = (max - min) * 0.03;
                (lo, hi) = (Math.Floor(((min - room) / step) + 1e-9) * step, Math.Ceiling(((max + room) / step) - 1e-9) * step);
                if (min >= 0 && lo < 0)
                {
                    lo = 0;
                }
            }
            var ticks = new List<Tick>();
            for (var k = Math.Ceiling((lo / step) - 1e-9); k * step <= hi + (step * 1e-9); k++)
            {
                var v = Math.Round(k * step, 10);
                ticks.Add(new Tick(v, Label(v)));
            }
            return new Scale(false, lo, hi, ticks);
        }

        private static Scale LogScale(List<double> values)
        {
            double min = values.Count == 0 ? 0.1 : values.Min(), max = values.Count == 0 ? 1 : values.Max();
            var lo = Math.Floor(Math.Log10(min) + 1e-9);
            var hi = Math.Ceiling(Math.Log10(max) - 1e-9);
            if (hi <= lo)
            {
                hi = lo + 1;
            }
            // At most about seven labelled decades: past that, every second (third, ...) one.
            var every = Math.Ceiling((hi - lo) / 7);
            lo = Math.Floor(lo / every) * every;
            hi = Math.Ceiling(hi / every) * every;
            var ticks = new List<Tick>();
            for (var k = lo; k <= hi; k += every)
            {
                ticks.Add(Math.Abs(k) >= 4
                    ? new Tick(Math.Pow(10, k), "", ((int)k).ToString(Inv).Replace("-", "\u2212", StringComparison.Ordinal))
                    : new Tick(Math.Pow(10, k), Label(Math.Pow(10, k))));
                if (hi - lo <= 2 && k < hi)
                {
                    ticks.Add(new Tick(2 * Math.Pow(10, k), Label(2 * Math.Pow(10, k))));
                    ticks.Add(new Tick(5 * Math.Pow(10, k), Label(5 * Math.Pow(10, k))));
                }
            }
            return new Scale(true, Math.Pow(10, lo), Math.Pow(10, hi), ticks);
        }

        private static double Nice(double rough)
        {
            var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
            var f = rough / magnitude;
            return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * magnitude;
        }

        private static string Label(double v)
        {
            var s = Math.Round(v, 6).ToString("0.######", Inv);
            return s == "-0" ? "0" : s.Replace("-", "\u2212", StringComparison.Ordinal);
        }
    }
}
