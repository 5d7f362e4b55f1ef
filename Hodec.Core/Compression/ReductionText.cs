using System.Globalization;

namespace Hodec.Compression;

/// <summary>How a reduction reads in one-line text: as the signed change of the count, so growth shows as +.</summary>
public static class ReductionText
{
    /// <summary>A reduction fraction r as the change of the count: 0.633 -> "-63.3%", -1.301 (growth) -> "+130.1%".</summary>
    public static string Change(double reduction) =>
        string.Create(CultureInfo.InvariantCulture, $"{-reduction * 100:+0.0;-0.0;0.0}%");
}
