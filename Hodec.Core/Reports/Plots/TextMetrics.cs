namespace Hodec.Reports.Plots;

/// <summary>
/// Text widths for laying out plots without a font engine: the advance widths of DejaVu Sans (regular and bold), the
/// widest of the sans-serif fonts a viewer picks for the plots' font list, so text laid out with them also fits in
/// Liberation Sans, Arial or Helvetica. Widths are per 1000 units of the font size.
/// </summary>
internal static class TextMetrics
{
    /// <summary>The font list every plot's text is drawn in, widest first.</summary>
    public const string FontFamily = "'DejaVu Sans', Verdana, 'Liberation Sans', Arial, Helvetica, sans-serif";

    /// <summary>Height of the font's ascent above the baseline, per unit of font size.</summary>
    public const double Ascent = 0.93;

    /// <summary>Depth of the font's descent below the baseline, per unit of font size.</summary>
    public const double Descent = 0.24;

    // U+0020..U+007E.
    private static readonly short[] Regular =
    [
        317, 400, 459, 837, 636, 950, 779, 274, 390, 390, 500, 837, 317, 360, 317, 336, 636, 636, 636, 636, 636, 636, 636, 636,
        636, 636, 336, 336, 837, 837, 837, 530, 1000, 684, 686, 698, 770, 631, 575, 774, 751, 294, 294, 655, 557, 862, 748, 787,
        603, 787, 694, 634, 610, 731, 684, 988, 685, 610, 685, 390, 336, 390, 837, 500, 500, 612, 634, 549, 634, 615, 352, 634,
        633, 277, 277, 579, 277, 974, 633, 611, 634, 634, 411, 520, 392, 633, 591, 817, 591, 591, 524, 636, 336, 636, 837,
    ];

    private static readonly short[] Bold =
    [
        348, 456, 520, 837, 695, 1001, 872, 306, 457, 457, 522, 837, 379, 415, 379, 365, 695, 695, 695, 695, 695, 695, 695, 695,
        695, 695, 399, 399, 837, 837, 837, 580, 1000, 773, 762, 733, 830, 683, 683, 820, 836, 372, 372, 774, 637, 995, 836, 850,
        732, 850, 770, 720, 682, 812, 773, 1103, 770, 724, 725, 457, 365, 457, 837, 500, 500, 674, 715, 592, 715, 678, 435, 715,
        711, 342, 342, 665, 342, 1041, 711, 687, 715, 715, 493, 595, 478, 711, 651, 923, 645, 651, 582, 711, 365, 711, 837,
    ];

    /// <summary>The width of <paramref name="text"/> at <paramref name="size"/> pixels; characters outside ASCII count as one em.</summary>
    public static double Width(string text, double size, bool bold = false)
    {
        var table = bold ? Bold : Regular;
        double units = 0;
        foreach (var c in text)
        {
            units += c is >= ' ' and <= '~' ? table[c - ' '] : c switch
            {
                '\u2013' => 500, // en dash
                '\u00b1' or '\u2192' or '\u2212' or '\u00d7' => 837,
                _ => 1000,
            };
        }
        return units * size / 1000;
    }

    /// <summary>
    /// <paramref name="text"/> broken into lines no wider than <paramref name="width"/>, at spaces where it can, else after
    /// a dot, slash or dash, else anywhere: nothing is cut off.
    /// </summary>
    public static IReadOnlyList<string> Wrap(string text, double size, double width, bool bold = false)
    {
        var lines = new List<string>();
        var rest = text;
        while (Width(rest, size, bold) > width && rest.Length > 1)
        {
            var fit = 1;
            while (fit < rest.Length && Width(rest[..(fit + 1)], size, bold) <= width)
            {
                fit++;
            }
            var space = rest.LastIndexOf(' ', fit - 1, fit);
            var mark = rest.LastIndexOfAny(['.', '/', '-', '_', ','], fit - 1, fit);
            var cut = space > 0 ? space : mark > 0 ? mark + 1 : fit;
            lines.Add(rest[..cut].TrimEnd());
            rest = rest[cut..].TrimStart();
        }
        lines.Add(rest);
        return lines;
    }
}
