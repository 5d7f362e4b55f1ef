using System.Text.RegularExpressions;

namespace Hodec.Reports;

/// <summary>The labels the results table uses, so every report names models and methods the same way.</summary>
public static partial class ReportLabels
{
    private static readonly Dictionary<string, string> Datasets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["fashion-mnist"] = "Fashion-MNIST",
        ["fashion-mnist-mini"] = "Fashion-MNIST (bundled subset)",
        ["mnist"] = "MNIST",
        ["cifar10"] = "CIFAR-10",
        ["cifar100"] = "CIFAR-100",
        ["imagenet"] = "ImageNet",
    };

    [GeneratedRegex(@"^resnet(\d+)$", RegexOptions.IgnoreCase)]
    private static partial Regex ResNet();

    /// <summary><c>resnet20</c>, <c>fashion-mnist</c> -> <c>ResNet-20 / Fashion-MNIST</c>; a non-default width is shown as <c>(w8)</c>.</summary>
    public static string Model(string arch, string dataset, int? width = null, int defaultWidth = 16)
    {
        var m = ResNet().Match(arch);
        var name = m.Success ? $"ResNet-{m.Groups[1].Value}" : arch;
        if (width is { } w && w != defaultWidth)
        {
            name += $" (w{w})";
        }
        return $"{name} / {(Datasets.TryGetValue(dataset, out var d) ? d : dataset)}";
    }

    /// <summary>
    /// The method column: the method's label (<c>HODEC</c>, <c>classical TT</c>, <c>TT-FC</c>, ...), or <c>dense</c> when
    /// nothing is compressed (<see cref="Methods.IMethodIdentity.ReportLabel"/>).
    /// </summary>
    public static string Method(Recipes.CompressionFormat? format, bool adal = true) => format switch
    {
        null => "dense",
        { } f => Methods.CompressionMethods.Identify(f).ReportLabel(adal),
    };

    /// <summary>
    /// The family of the method a report's method column names (<see cref="Methods.IMethodIdentity.Family"/>), or
    /// <c>-</c> for dense runs and labels no registered method gives.
    /// </summary>
    public static string Family(string methodLabel) =>
        Methods.CompressionMethods.Identities.FirstOrDefault(m => m.ReportLabel(true) == methodLabel || m.ReportLabel(false) == methodLabel)?.Family ?? "-";
}
