using Hodec.Costs;
using Hodec.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Costs;

/// <summary>
/// The cost model (<see cref="ITtLayer.Cost"/>, <see cref="ModelCost"/>) against what a real forward executes, counted
/// from the <see cref="ExecutedOps"/> records: per-image MACs and the once-per-forward rebuild, for every layer kind
/// and execution path, exactly.
/// </summary>
public sealed class LayerExecutedMacsTests
{
    /// <summary>A conv (in, out, kernel, stride, padding, dilation), its factors and ranks, an input H x W, the path asked for and the path that must run.</summary>
    public sealed record HodecCase(int I, int O, int K, int Stride, int Pad, int Dilation, int[] InF, int[] OutF, int[] Ranks, int H, int W, TtExecutionPath Path, string Runs)
    {
        public override string ToString() => $"{I}->{O} k{K} s{Stride} p{Pad} d{Dilation} [{string.Join(",", InF)}]->[{string.Join(",", OutF)}] r[{string.Join(",", Ranks)}] {H}x{W} {Path}";
    }

    /// <summary>A conv, its factors and ranks, and an input H x W.</summary>
    public sealed record ClassicalCase(int I, int O, int K, int Stride, int Pad, int Dilation, int[] InF, int[] OutF, int[] Ranks, int H, int W)
    {
        public override string ToString() => $"{I}->{O} k{K} s{Stride} p{Pad} d{Dilation} [{string.Join(",", InF)}]->[{string.Join(",", OutF)}] r[{string.Join(",", Ranks)}] {H}x{W}";
    }

    public static TheoryData<HodecCase> HodecCases() => new()
    {
        new HodecCase(16, 32, 3, 1, 1, 1, [4, 4], [8, 4], [3, 5, 6, 2], 8, 9, TtExecutionPath.Sequential, "in:sequential,out:sequential"),
        new HodecCase(16, 32, 3, 1, 1, 1, [4, 4], [8, 4], [3, 5, 6, 2], 8, 9, TtExecutionPath.Merged, "in:merged,out:merged"),
        new HodecCase(16, 32, 3, 2, 0, 1, [2, 8], [4, 8], [2, 6, 6, 4], 9, 10, TtExecutionPath.Merged, "in:merged,out:merged"),
        new HodecCase(16, 32, 3, 2, 0, 1, [2, 8], [4, 8], [2, 6, 6, 4], 9, 10, TtExecutionPath.Sequential, "in:sequential,out:sequential"),
        // In: sequential 1*4*1*4 + 1*4*4 = 32 < merged 16*4 = 64. Out: sequential 8*8*4 + 8*4*4*1 = 384 > merged 8*32 = 256.
        new HodecCase(16, 32, 3, 1, 1, 1, [4, 4], [8, 4], [1, 4, 8, 4], 8, 8, TtExecutionPath.Auto, "in:sequential,out:merged"),
        // In: sequential 1*4*4*4 + 4*4*8 = 192 > merged 16*8 = 128. Out: sequential 8*8*1 + 8*1*4*1 = 96 < merged 8*32 = 256.
        new HodecCase(16, 32, 3, 2, 1, 1, [4, 4], [8, 4], [4, 8, 8, 1], 11, 7, TtExecutionPath.Auto, "in:merged,out:sequential"),
        new HodecCase(12, 18, 1, 2, 0, 1, [3, 4], [6, 3], [3, 4, 4, 3], 6, 7, TtExecutionPath.Sequential, "in:sequential,out:sequential"),
        new HodecCase(12, 18, 1, 1, 0, 1, [3, 4], [6, 3], [3, 4, 4, 3], 5, 5, TtExecutionPath.Merged, "in:merged,out:merged"),
        new HodecCase(24, 12, 5, 1, 2, 1, [2, 3, 4], [3, 2, 2], [2, 5, 4, 6, 4, 2], 7, 8, TtExecutionPath.Sequential, "in:sequential,out:sequential"),
        new HodecCase(24, 12, 5, 1, 2, 1, [2, 3, 4], [3, 2, 2], [2, 5, 4, 6, 4, 2], 7, 8, TtExecutionPath.Merged, "in:merged,out:merged"),
        new HodecCase(8, 8, 3, 1, 2, 2, [8], [8], [4, 4], 9, 10, TtExecutionPath.Sequential, "in:sequential,out:sequential"),
        new HodecCase(8, 8, 3, 1, 2, 2, [8], [8], [4, 4], 9, 10, TtExecutionPath.Merged, "in:merged,out:merged"),
    };

    [Theory]
    [MemberData(nameof(HodecCases))]
    public void Hodec_ExecutedMacs_EqualTheCostModel_PerImageAndRebuild(HodecCase c)
    {
        var (i, o, k, stride, pad, dilation, inF, outF, ranks, h, w, path, expectedPath) = c;
        using var scope = NewDisposeScope();
        manual_seed(61);
        var conv = nn.Conv2d(i, o, k, stride: stride, padding: pad, dilation: dilation, bias: true);
        using var layer = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: inF, OutputFactors: outF, Ranks: ranks, Path: path));
        Assert.Equal(ranks.Select(r => (long)r), layer.Ranks);
        Assert.Equal(expectedPath, layer.PathName);

        var executed = ExecutedMacs.Measure(layer, [i, h, w]);
        var cost = layer.Cost(h, w);

        Assert.Equal((cost.Macs, cost.RebuildMacs), (executed.Total.PerImage, executed.Total.Rebuild));
        // Stage by stage: the ops of each stage, per image; merging the chains is the only once-per-forward work.
        long Stage(params string[] sites) => sites.Sum(s => executed.BySite.GetValueOrDefault(s)?.PerImage ?? 0);
        Assert.Equal(cost.Stages.Select(s => s.Macs), [Stage("hodec.contract-in", "hodec.contract-in.merged"), Stage("hodec.core-conv"), Stage("hodec.contract-out", "hodec.contract-out.merged")]);
        Assert.Equal(executed.Total.Rebuild, executed.BySite.GetValueOrDefault("tt.chain-merge")?.Rebuild ?? 0);
        Assert.Equal(layer.MergeIn, executed.Ops.Any(op => op.Site == "hodec.contract-in.merged"));
        Assert.Equal(!layer.MergeOut, executed.Ops.Any(op => op.Site == "hodec.contract-out"));
    }

    [Fact]
    public void Hodec_CounterSeesTheDifferenceBetweenMergedAndSequential()
    {
        using var scope = NewDisposeScope();
        manual_seed(62);
        var conv = nn.Conv2d(16, 32, 3, padding: 1);
        using var sequential = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [8, 4], Ranks: [3, 5, 6, 2], Path: TtExecutionPath.Sequential));
        using var merged = HodecConv2d.FromDense(conv, new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [8, 4], Ranks: [3, 5, 6, 2], Path: TtExecutionPath.Merged));

        var seq = ExecutedMacs.Measure(sequential, [16, 8, 8]).Total;
        var mer = ExecutedMacs.Measure(merged, [16, 8, 8]).Total;

        // Hand count per pixel (64 pixels, stride 1): sequential in 4*3*4 + 3*4*5 = 108, out 6*8*2 + 8*2*4 = 160;
        // merged in 16*5 = 80, out 6*32 = 192; core 5*6*9 = 270. Rebuild: [4,3]x[3,20] and [48,2]x[2,4].
        Assert.Equal(new ExecutedMacs.Split((108 + 270 + 160) * 64, 0), seq);
        Assert.Equal(new ExecutedMacs.Split((80 + 270 + 192) * 64, (4 * 3 * 20) + (48 * 2 * 4)), mer);
        // So a cost model that counted the other path would fail the agreement test above.
        Assert.NotEqual(merged.Cost(8, 8).Macs, seq.PerImage);
        Assert.NotEqual(sequential.Cost(8, 8).Macs, mer.PerImage);
    }

    public static TheoryData<ClassicalCase> ClassicalCases() => new()
    {
        new ClassicalCase(16, 32, 3, 1, 1, 1, [4, 4], [8, 4], [5, 3], 8, 9),
        new ClassicalCase(16, 32, 3, 2, 1, 1, [2, 8], [4, 8], [2, 4], 9, 9),
        new ClassicalCase(12, 18, 1, 2, 0, 1, [3, 4], [6, 3], [1, 3], 6, 7),
        new ClassicalCase(24, 12, 5, 1, 2, 1, [2, 3, 4], [3, 2, 2], [4, 6, 3], 7, 8),
        new ClassicalCase(8, 12, 3, 2, 2, 2, [2, 4], [3, 4], [6, 5], 10, 9),
    };

    [Theory]
    [MemberData(nameof(ClassicalCases))]
    public void ClassicalTt_EvalMode_ExecutedMacs_EqualTheCostModel(ClassicalCase c)
    {
        var (i, o, k, stride, pad, dilation, inF, outF, ranks, h, w) = c;
        using var scope = NewDisposeScope();
        manual_seed(63);
        var conv = nn.Conv2d(i, o, k, stride: stride, padding: pad, dilation: dilation, bias: true);
        using var layer = ClassicalTtConv2d.FromDense(conv, new HodecConvOptions(InputFactors: inF, OutputFactors: outF, Ranks: ranks));
        Assert.Equal(ranks.Select(r => (long)r), layer.Ranks);

        var executed = ExecutedMacs.Measure(layer, [i, h, w]);
        var cost = layer.Cost(h, w);

        Assert.Equal((cost.Macs, cost.RebuildMacs), (executed.Total.PerImage, executed.Total.Rebuild));
        long[] perStage = [executed.BySite["classical-tt.spatial-conv"].PerImage, .. executed.Ops.Where(op => op.Site == "classical-tt.core").Select(op => op.Macs / 2)];
        Assert.Equal(cost.Stages.Select(s => s.Macs), perStage);
        Assert.True(layer.training, "Measure restores the training flag");
    }

    [Fact]
    public void ClassicalTt_TrainingMode_RunsTheRebuiltDenseConv_WhichTheCounterSees()
    {
        using var scope = NewDisposeScope();
        manual_seed(64);
        using var layer = ClassicalTtConv2d.FromDense(nn.Conv2d(16, 32, 3, stride: 2, padding: 1), new HodecConvOptions(InputFactors: [4, 4], OutputFactors: [8, 4], Ranks: [5, 3]));
        layer.train();
        using var recording = ExecutedOps.Record(layer);
        using (no_grad())
        {
            _ = layer.call(randn(2, 16, 10, 11));
        }

        // One dense conv (5x6 output) on the kernel rebuilt by the chain [1,9,5] x [5,8*4,3] x [3,4*4,1]: [9,5]x[5,96], [288,3]x[3,16].
        long denseConv = 2L * 32 * 16 * 9 * 5 * 6;
        Assert.Equal(denseConv, recording.Ops.Single(op => op.Site == "classical-tt.rebuilt-conv").Macs);
        Assert.Equal((9L * 5 * 96) + (288L * 3 * 16), recording.Ops.Where(op => op.Site == "tt.contract").Sum(op => op.Macs));
        Assert.NotEqual(2 * layer.Cost(10, 11).Macs, denseConv); // eval's sequential path is another computation
    }

    // in, out, input factors, output factors, ranks, rows per image
    public static TheoryData<int, int, int[], int[], int[], int> TtFcCases() => new()
    {
        { 64, 10, [8, 8], [5, 2], [4], 1 },
        { 24, 36, [2, 3, 4], [3, 4, 3], [3, 4], 1 },
        { 24, 36, [2, 3, 4], [3, 4, 3], [5, 2], 3 },
        { 12, 12, [12], [12], [], 2 },
    };

    [Theory]
    [MemberData(nameof(TtFcCases))]
    public void TtFc_ExecutedMacs_EqualTheCostModel_TimesRows(int i, int o, int[] inF, int[] outF, int[] ranks, int rows)
    {
        using var scope = NewDisposeScope();
        manual_seed(65);
        using var layer = TtLinear.FromDense(nn.Linear(i, o), new HodecConvOptions(InputFactors: inF, OutputFactors: outF, Ranks: ranks));
        Assert.Equal(ranks.Select(r => (long)r), layer.Ranks);

        var executed = ExecutedMacs.Measure(layer, rows == 1 ? [i] : [rows, i]);

        Assert.Equal(new ExecutedMacs.Split(layer.Cost().Macs * rows, 0), executed.Total);
        Assert.Equal(executed.Total, ModelTotal(nn.Sequential(("tt", layer)), rows == 1 ? [1, i] : [1, rows, i]));
    }

    [Theory]
    [InlineData(3, 8, 3, 1, 1, 1, 1, 9, 10)]
    [InlineData(8, 16, 3, 2, 1, 1, 1, 11, 9)]
    [InlineData(8, 16, 1, 2, 0, 1, 1, 8, 8)]
    [InlineData(8, 12, 3, 1, 2, 2, 1, 9, 9)]
    [InlineData(8, 12, 3, 2, 1, 1, 4, 9, 9)]
    [InlineData(6, 6, 5, 1, 2, 1, 6, 7, 7)]
    public void DenseConv_ExecutedMacs_EqualModelCost(int i, int o, int k, int stride, int pad, int dilation, int groups, int h, int w)
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("conv", nn.Conv2d(i, o, k, stride: stride, padding: pad, dilation: dilation, groups: groups)));

        var executed = ExecutedMacs.Measure(model, [i, h, w]);

        Assert.Equal(0, executed.Total.Rebuild);
        Assert.Equal(ModelTotal(model, [1, i, h, w]), executed.Total);
    }

    [Theory]
    [InlineData(16, 7, new long[] { 16 })]
    [InlineData(16, 7, new long[] { 5, 16 })]
    public void DenseLinear_ExecutedMacs_EqualModelCost(int i, int o, long[] imageShape)
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("fc", nn.Linear(i, o)));

        var executed = ExecutedMacs.Measure(model, imageShape);

        Assert.Equal(new ExecutedMacs.Split(imageShape[..^1].Aggregate(1L, (a, b) => a * b) * i * o, 0), executed.Total);
        Assert.Equal(ModelTotal(model, [1, .. imageShape]), executed.Total);
    }

    /// <summary>The cost model's per-image MACs and the rebuild of its TT layers, as one split.</summary>
    internal static ExecutedMacs.Split ModelTotal(nn.Module<Tensor, Tensor> model, long[] inputShape)
    {
        var report = ModelCost.Measure(model, inputShape);
        return new ExecutedMacs.Split(report.TotalMacs, report.Rows.Sum(r => r.Detail?.RebuildMacs ?? 0));
    }
}
