namespace Hodec.Reports.Plots;

/// <summary>
/// A figure as a description: a title, panels stacked top to bottom on one x range each, and one legend under them.
/// <see cref="SvgPlotWriter"/> lays it out and draws it; nothing here knows about pixels.
/// </summary>
/// <param name="Title">Drawn in full above the panels, wrapped when longer than the figure is wide.</param>
/// <param name="Panels">Top to bottom.</param>
/// <param name="Legend">Entries in order, wrapped into as many rows as they need under the panels.</param>
public sealed record PlotFigure(string Title, IReadOnlyList<PlotPanel> Panels, IReadOnlyList<LegendEntry> Legend);

/// <summary>One panel: an x axis, a left y axis, an optional right y axis for series on another scale, and its series.</summary>
/// <param name="X">The horizontal axis.</param>
/// <param name="Left">The left vertical axis, for every series not <see cref="PlotSeries.OnRight"/>.</param>
/// <param name="Series">Drawn in order, so later series lie on top.</param>
/// <param name="Right">The right vertical axis, for series on a scale of their own; null when every series shares the left one.</param>
/// <param name="Dividers">X values at which a dotted vertical line marks a boundary, such as the start of a stage.</param>
public sealed record PlotPanel(PlotAxis X, PlotAxis Left, IReadOnlyList<PlotSeries> Series, PlotAxis? Right = null, IReadOnlyList<double>? Dividers = null);

/// <summary>An axis: its title, its scale, and whether its ticks fall on whole numbers only (epochs).</summary>
public sealed record PlotAxis(string Title, AxisScale Scale = AxisScale.Linear, bool Integer = false);

/// <summary>How an axis maps values to positions.</summary>
public enum AxisScale
{
    /// <summary>Evenly spaced values.</summary>
    Linear,

    /// <summary>Evenly spaced powers of ten; values at or below zero are left out.</summary>
    Log,
}

/// <summary>How a series or legend entry is drawn.</summary>
public enum SeriesStyle
{
    /// <summary>A solid line.</summary>
    Line,

    /// <summary>A solid line with a dot at each point.</summary>
    LineWithMarkers,

    /// <summary>A dashed line.</summary>
    Dashed,

    /// <summary>A translucent area between <see cref="PlotSeries.Lower"/> and <see cref="PlotSeries.Points"/>.</summary>
    Band,

    /// <summary>Legend only: a line over a band, for a group's mean drawn over its range.</summary>
    LineOverBand,
}

/// <summary>A point of a series.</summary>
public readonly record struct PlotPoint(double X, double Y);

/// <summary>One series of a panel.</summary>
/// <param name="Name">What the series is (for tests and the SVG's tooltips; the legend is separate).</param>
/// <param name="Color">A CSS colour, such as <c>#0072b2</c>.</param>
/// <param name="Points">The points; for a <see cref="SeriesStyle.Band"/>, its upper edge.</param>
/// <param name="Style">How the series is drawn.</param>
/// <param name="OnRight">True to plot against the panel's right axis.</param>
/// <param name="Lower">For a <see cref="SeriesStyle.Band"/>, its lower edge at the same x values.</param>
public sealed record PlotSeries(string Name, string Color, IReadOnlyList<PlotPoint> Points, SeriesStyle Style = SeriesStyle.Line, bool OnRight = false,
    IReadOnlyList<PlotPoint>? Lower = null);

/// <summary>A legend entry: its text (never shortened), colour and swatch style.</summary>
public sealed record LegendEntry(string Label, string Color, SeriesStyle Style);
