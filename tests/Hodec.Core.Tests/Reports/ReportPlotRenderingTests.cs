using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Hodec.Reports;

namespace Hodec.Tests.Reports;

/// <summary>
/// Runs where <c>rsvg-convert</c> is installed (<c>apt-get install librsvg2-bin</c>). CI (<c>CI=true</c>) installs it
/// in .ci/run and requires it: there a missing <c>rsvg-convert</c> fails the test instead of skipping it.
/// </summary>
public sealed class RsvgTheoryAttribute : TheoryAttribute
{
    public RsvgTheoryAttribute()
    {
        if (Rsvg.Problem is { } problem && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = $"{problem}. Install it with 'apt-get install librsvg2-bin' to run the plot rendering tests; CI installs it and requires them.";
        }
    }
}

/// <summary>Runs <c>rsvg-convert</c>.</summary>
public static class Rsvg
{
    private static readonly Lazy<string?> Checked = new(() =>
    {
        try
        {
            var (code, _, error) = Run(["--version"]);
            return code == 0 ? null : $"rsvg-convert --version exited {code}: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "rsvg-convert is not installed";
        }
    });

    /// <summary>Why rsvg-convert cannot run here, or null when it can.</summary>
    public static string? Problem => Checked.Value;

    /// <summary>Renders <paramref name="svgFile"/> to <paramref name="pngFile"/> at its own size.</summary>
    public static void Convert(string svgFile, string pngFile)
    {
        var (code, _, error) = Run(["-o", pngFile, svgFile]);
        Assert.True(code == 0, $"rsvg-convert exited {code}: {error}");
    }

    private static (int Code, string Out, string Error) Run(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("rsvg-convert") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }
}

/// <summary>
/// Each plot kind, rendered by librsvg onto a canvas with a blank margin around the plot: nothing the plot draws (a
/// title, a legend entry, an axis label) may land in that margin, and the plot itself must not be blank. Reports are
/// hand-built so the pictures do not depend on trained float noise. With HODEC_PLOT_IMAGES set to a folder, the SVGs
/// and their PNGs are also written there (that is how docs/images was made).
/// </summary>
public sealed class ReportPlotRenderingTests : IDisposable
{
    private const int Margin = 40;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"hodec-plots-{Guid.NewGuid():N}");

    public ReportPlotRenderingTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string> Plots() => new()
    {
        { "resnet20-18-layers", ReportPlots.ApproxErrorFile },
        { "resnet20-18-layers", ReportPlots.AccuracyFile },
        { "two-layers", ReportPlots.ApproxErrorFile },
        { "two-layers", ReportPlots.AccuracyFile },
        { "30-layers-one-prefix", ReportPlots.ApproxErrorFile },
        { "train-only", ReportPlots.AccuracyFile },
    };

    internal static HodecReport Report(string name) => name switch
    {
        "resnet20-18-layers" => PlotFixture.Create(),
        "two-layers" => ReportFixture.Create(),
        "30-layers-one-prefix" => ReportFixture.Create() with
        {
            Stages = [new StageReport("adal", [.. Enumerable.Range(1, 5).Select(e => new EpochReport(e, 3, 50, 0.1,
                Enumerable.Range(0, 30).ToDictionary(i => $"features.{i}.conv", i => Math.Pow(10, -1 - (0.1 * i * e)))))])],
        },
        "train-only" => ReportFixture.Create() with
        {
            Stages = [new StageReport("train", [.. Enumerable.Range(1, 12).Select(e => new EpochReport(e, 2.3 / e, 100 - (50.0 / e), 0.1))], Split: "test")],
        },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [RsvgTheory]
    [MemberData(nameof(Plots))]
    public void Plot_RenderedByRsvg_LeavesTheMarginBlank_AndDrawsInside(string report, string file)
    {
        Assert.Null(Rsvg.Problem);
        var svg = ReportPlots.Render(Report(report)).Single(p => p.File == file).Svg;
        var padded = Path.Combine(_dir, "padded.svg");
        File.WriteAllText(padded, Padded(svg, Margin, out var width, out var height));
        var png = Path.Combine(_dir, "padded.png");
        Rsvg.Convert(padded, png);
        var image = PngImage.Decode(File.ReadAllBytes(png));
        Assert.Equal((width + (2 * Margin), height + (2 * Margin)), (image.Width, image.Height));

        var outside = new List<(int X, int Y)>();
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var inPlot = x >= Margin && x < Margin + width && y >= Margin && y < Margin + height;
                if (!inPlot && image.Alpha(x, y) != 0)
                {
                    outside.Add((x - Margin, y - Margin));
                }
            }
        }
        Assert.True(outside.Count == 0,
            $"{file} of {report} draws {outside.Count} pixels outside its {width}x{height} canvas, e.g. at (plot coordinates) {string.Join(", ", outside.Take(8))}");
        var inked = Enumerable.Range(Margin, height).Sum(y => Enumerable.Range(Margin, width).Count(x => image.Rgba[(((y * image.Width) + x) * 4) + 1] < 200));
        Assert.True(inked > width * 4, $"{file} of {report} looks blank: {inked} dark pixels");

        if (Environment.GetEnvironmentVariable("HODEC_PLOT_IMAGES") is { Length: > 0 } images)
        {
            Directory.CreateDirectory(images);
            var stem = Path.Combine(images, $"{report}-{Path.GetFileNameWithoutExtension(file)}");
            File.WriteAllText(stem + ".svg", svg);
            Rsvg.Convert(stem + ".svg", stem + ".rsvg.png");
        }
    }

    // The plot's own content inside a larger, transparent canvas, shifted by the margin (a <g>, which does not clip).
    private static string Padded(string svg, int margin, out int width, out int height)
    {
        var root = Regex.Match(svg, "<svg [^>]*>");
        width = int.Parse(Regex.Match(root.Value, "width=\"([0-9.]+)\"").Groups[1].Value, CultureInfo.InvariantCulture);
        height = (int)Math.Ceiling(double.Parse(Regex.Match(root.Value, "height=\"([0-9.]+)\"").Groups[1].Value, CultureInfo.InvariantCulture));
        var inner = svg[(root.Index + root.Length)..svg.LastIndexOf("</svg>", StringComparison.Ordinal)];
        int w = width + (2 * margin), h = height + (2 * margin);
        return string.Create(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\"><g transform=\"translate({margin} {margin})\">{inner}</g></svg>\n");
    }
}
