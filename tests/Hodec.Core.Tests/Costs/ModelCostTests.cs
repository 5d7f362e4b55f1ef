using Hodec.Costs;
using Hodec.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hodec.Tests.Costs;

public sealed class ModelCostTests
{
    /// <summary>A ResNet basic block with an option-A shortcut (subsample, zero-pad channels) and a residual add.</summary>
    private sealed class OptionABlock : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1;
        private readonly BatchNorm2d bn1;
        private readonly nn.Module<Tensor, Tensor> conv2;
        private readonly BatchNorm2d bn2;
        private readonly Conv2d unused;
        private readonly long pad;

        public OptionABlock(long inC, long outC, nn.Module<Tensor, Tensor>? replaceConv2 = null)
            : base(nameof(OptionABlock))
        {
            conv1 = nn.Conv2d(inC, outC, 3, stride: 2, padding: 1, bias: false);
            bn1 = nn.BatchNorm2d(outC);
            conv2 = replaceConv2 ?? nn.Conv2d(outC, outC, 3, padding: 1, bias: false);
            bn2 = nn.BatchNorm2d(outC);
            unused = nn.Conv2d(outC, outC, 1);
            pad = (outC - inC) / 2;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            Tensor y = nn.functional.relu(bn1.call(conv1.call(x)));
            y = bn2.call(conv2.call(y));
            Tensor shortcut = nn.functional.pad(x[.., .., TensorIndex.Slice(null, null, 2), TensorIndex.Slice(null, null, 2)], [0, 0, 0, 0, pad, pad]);
            return nn.functional.relu(y + shortcut);
        }
    }

    private sealed class TinyNet : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d stem;
        private readonly Sequential layer1;
        private readonly Linear fc;

        public TinyNet(nn.Module<Tensor, Tensor>? replaceConv2 = null)
            : base(nameof(TinyNet))
        {
            stem = nn.Conv2d(3, 8, 3, padding: 1, bias: false);
            layer1 = nn.Sequential(new OptionABlock(8, 16, replaceConv2));
            fc = nn.Linear(16, 10);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            Tensor y = layer1.call(nn.functional.relu(stem.call(x)));
            return fc.call(nn.functional.adaptive_avg_pool2d(y, [1, 1]).flatten(1));
        }
    }

    [Fact]
    public void Measure_ResNetBlock_RowsAndTotalsMatchHandCount()
    {
        using var scope = NewDisposeScope();
        using var net = new TinyNet();
        net.train();

        var report = ModelCost.Measure(net, [2, 3, 12, 12]);

        Assert.Equal(["stem", "layer1.0.conv1", "layer1.0.conv2", "fc"], report.Rows.Select(r => r.Path).ToArray());
        long stem = 8L * 3 * 9 * 12 * 12, conv1 = 16L * 8 * 9 * 6 * 6, conv2 = 16L * 16 * 9 * 6 * 6, fc = 16L * 10;
        Assert.Equal([stem, conv1, conv2, fc], report.Rows.Select(r => r.Macs).ToArray());
        Assert.Equal(stem + conv1 + conv2 + fc, report.TotalMacs);
        Assert.Equal(report.TotalMacs, report.TotalDenseMacs);
        // All trainable parameters: convs, BN affine, fc, and the unused 1x1 conv.
        long parameters = (8 * 3 * 9) + (16 * 8 * 9) + (16 * 16 * 9) + (2 * 16) + (2 * 16) + (16 * 16) + 16 + (16 * 10) + 10;
        Assert.Equal(parameters, report.TotalParams);
        Assert.Equal(["layer1.0.unused"], report.Unreached);
        Assert.Equal(new long[] { 2, 16, 6, 6 }, report.Rows[2].OutputShape);
        Assert.True(net.training);
        Assert.All(net.modules(), m => Assert.True(m.training));
    }

    [Fact]
    public void Measure_WithHodecLayer_UsesExecutedPathCost()
    {
        using var scope = NewDisposeScope();
        manual_seed(51);
        using var hodec = HodecConv2d.FromDense(nn.Conv2d(16, 16, 3, padding: 1, bias: false), new HodecConvOptions(MaxRank: 4));
        using var net = new TinyNet(hodec);
        net.eval();

        var report = ModelCost.Measure(net, [1, 3, 12, 12]);

        var row = report.Rows.Single(r => r.Path == "layer1.0.conv2");
        Assert.Equal("HodecConv2d", row.Type);
        // Merged chains: 16*4 in (6x6 input), 4*4*9 core, 4*16 out.
        long expected = (16 * 4 * 36) + (4 * 4 * 9 * 36) + (4 * 16 * 36);
        Assert.Equal(expected, row.Macs);
        Assert.Equal(16L * 16 * 9 * 36, row.DenseMacs);
        Assert.Equal(hodec.ParameterCount, row.Params);
        Assert.Equal("in:merged,out:merged", row.Detail!.Path);
        Assert.DoesNotContain(report.Rows, r => r.Path.StartsWith("layer1.0.conv2.", StringComparison.Ordinal));
        Assert.False(net.training);
    }

    [Fact]
    public void Measure_BadShape_ThrowsClearMessage()
    {
        using var net = new TinyNet();
        var ex = Assert.Throws<HodecException>(() => ModelCost.Measure(net, [3, 12, 12, 0]));
        Assert.Equal("Input shape [3, 12, 12, 0] is invalid; give a batch-first shape such as [1, 3, 32, 32].", ex.Message);
    }
}
