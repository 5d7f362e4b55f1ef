using Hodec.Recipes;
using Hodec.Reports;

namespace Hodec.Tests.Reports;

public class ReportLabelsTests
{
    [Theory]
    [InlineData("resnet20", "fashion-mnist", null, "ResNet-20 / Fashion-MNIST")]
    [InlineData("ResNet56", "cifar10", 16, "ResNet-56 / CIFAR-10")]
    [InlineData("resnet20", "fashion-mnist-mini", 8, "ResNet-20 (w8) / Fashion-MNIST (bundled subset)")]
    [InlineData("lenet5", "svhn", null, "lenet5 / svhn")]
    public void Model_NamesLikeTheSeedTable(string arch, string dataset, int? width, string expected) =>
        Assert.Equal(expected, ReportLabels.Model(arch, dataset, width));

    [Fact]
    public void Method_NamesEachFormat()
    {
        Assert.Equal(["dense", "HODEC", "HODEC (no ADAL)", "classical TT", "TT-FC"],
            [ReportLabels.Method(null), ReportLabels.Method(CompressionFormat.Hodec), ReportLabels.Method(CompressionFormat.Hodec, adal: false),
             ReportLabels.Method(CompressionFormat.TtClassical), ReportLabels.Method(CompressionFormat.TtFc)]);
    }
}
