using Hodec.Costs;
using Hodec.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Hodec.Tests.Costs;

/// <summary>
/// The executed-op counter itself, against hand counts: each op's MACs come from its operand shapes only.
/// </summary>
public sealed class ExecutedOpsTests
{
    [Fact]
    public void MatMul_CountsBatchTimesMkn_WithBroadcastAndVectors()
    {
        using var scope = NewDisposeScope();
        using var recording = ExecutedOps.Record();
        _ = ExecutedOps.MatMul(ones(2, 1, 3, 4), ones(5, 4, 6), "a");   // batch [2, 5], 3x4 @ 4x6
        _ = ExecutedOps.MatMul(ones(4), ones(4, 6), "b");              // [1, 4] @ [4, 6]
        _ = ExecutedOps.MatMul(ones(3, 4), ones(4), "c");              // [3, 4] @ [4, 1]
        _ = ExecutedOps.MatMul(ones(7, 2, 5), ones(5, 3), "d");        // batch 7, 2x5 @ 5x3

        Assert.Equal([2L * 5 * 3 * 4 * 6, 4 * 6, 3 * 4, 7 * 2 * 5 * 3], recording.Ops.Select(o => o.Macs).ToArray());
        Assert.Equal(["a", "b", "c", "d"], recording.Ops.Select(o => o.Site).ToArray());
        Assert.All(recording.Ops, o => Assert.Equal(ExecutedOpKind.MatMul, o.Kind));
        Assert.Equal(new long[] { 2, 5, 3, 6 }, recording.Ops[0].Output);
    }

    [Fact]
    public void ConvAndLinear_CountPerOutputElementTimesReduction()
    {
        using var scope = NewDisposeScope();
        using var recording = ExecutedOps.Record();
        // 9x10 input, kernel 3, stride 2, padding 1, dilation 1: 5x5 output.
        _ = ExecutedOps.Conv2d(ones(2, 4, 9, 10), ones(6, 4, 3, 3), null, [2, 2], [1, 1], [1, 1], "conv");
        // Dilation 2 makes the kernel span 5: 9 - 4 = 5 rows, 10 - 4 = 6 columns.
        _ = ExecutedOps.Conv2d(ones(1, 4, 9, 10), ones(3, 4, 3, 3), null, [1, 1], [0, 0], [2, 2], "dilated");
        _ = ExecutedOps.Linear(ones(2, 5, 16), ones(7, 16), null, "linear");

        Assert.Equal([2L * 6 * 5 * 5 * 4 * 9, 1L * 3 * 5 * 6 * 4 * 9, 2L * 5 * 16 * 7], recording.Ops.Select(o => o.Macs).ToArray());
    }

    [Fact]
    public void ModuleHooks_SeeDenseConvAndLinear_WithGroupsAndTheModulePath()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(
            ("conv", nn.Conv2d(8, 12, 3, stride: 2, padding: 1, groups: 4)),
            ("flat", nn.Flatten()),
            ("fc", nn.Linear(12 * 5 * 5, 7)));

        using (var recording = ExecutedOps.Record(model))
        {
            _ = model.call(ones(2, 8, 9, 9));
            // Grouped: each of the 12 outputs reads 8 / 4 = 2 channels.
            Assert.Equal([2L * 12 * 5 * 5 * 2 * 9, 2L * 300 * 7], recording.Ops.Select(o => o.Macs).ToArray());
            Assert.Equal(["conv", "fc"], recording.Ops.Select(o => o.Module ?? "<none>").ToArray());
            Assert.Equal([ExecutedOpKind.Conv2d, ExecutedOpKind.Linear], recording.Ops.Select(o => o.Kind).ToArray());
        }

        // Disposed: hooks removed, nothing records.
        Assert.False(ExecutedOps.IsRecording);
        using var later = ExecutedOps.Record();
        _ = model.call(ones(1, 8, 9, 9));
        Assert.Empty(later.Ops);
    }

    [Fact]
    public void Recordings_NestAndRestore_AndNothingRecordsWhenOff()
    {
        using var scope = NewDisposeScope();
        Assert.False(ExecutedOps.IsRecording);
        _ = ExecutedOps.MatMul(ones(2, 3), ones(3, 4), "off");
        using var outer = ExecutedOps.Record();
        _ = ExecutedOps.MatMul(ones(2, 3), ones(3, 4), "outer");
        using (var inner = ExecutedOps.Record())
        {
            _ = ExecutedOps.MatMul(ones(2, 3), ones(3, 4), "inner");
            Assert.Equal(["inner"], inner.Ops.Select(o => o.Site).ToArray());
        }

        _ = ExecutedOps.MatMul(ones(2, 3), ones(3, 4), "outer-again");
        Assert.Equal(["outer", "outer-again"], outer.Ops.Select(o => o.Site).ToArray());
        Assert.Equal(2 * 24, outer.TotalMacs);
    }

    [Fact]
    public void InconsistentShapes_AreReported_NotMiscounted()
    {
        var op = new ExecutedOp(ExecutedOpKind.Conv2d, "bad", null, [1, 4, 5, 5], [2, 3, 3, 3], [1, 2, 3, 3], 1);
        Assert.Throws<InvalidOperationException>(() => op.Macs);
    }
}
