using Hodec.Tool.Engine;
using Hodec.Tool.Output;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Output;

public sealed class PlainProgressWriterTests
{
    private static TrainingProgress At(int epoch, int batch, string stage = "finetune") =>
        new(stage, epoch, 3, batch, 10, 0.5, 0.875, 0.001, 2500);

    [Fact]
    public void Report_PacesLines_FirstEventEpochEndsAndEveryInterval()
    {
        var time = new ManualTime();
        using var output = new StringWriter();
        var writer = new PlainProgressWriter(output, time, TimeSpan.FromSeconds(2));

        writer.Report(At(1, 1)); // first of the stage: printed
        time.Advance(TimeSpan.FromSeconds(1));
        writer.Report(At(1, 2)); // 1 s later: skipped
        time.Advance(TimeSpan.FromSeconds(1.5));
        writer.Report(At(1, 3)); // 2.5 s after the last line: printed
        time.Advance(TimeSpan.FromSeconds(0.1));
        writer.Report(At(1, 10)); // epoch end: printed however soon
        writer.Report(At(1, 1, "other")); // a new stage: printed

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["1/10", "3/10", "10/10", "1/10"], lines.Select(l => l.Split(' ')[4]));
        Assert.StartsWith("other:", lines[3]);
    }

    [Fact]
    public void Format_PinsTheLine_WithTheStagesTimeLeft_AndTheRunsWhenKnown()
    {
        var p = new TrainingProgress("finetune", 2, 3, 5, 10, 0.123456, 0.9125, 0.001, 2500.4);

        Assert.Equal("finetune: epoch 2/3 batch 5/10 (50%) loss 0.1235 top1 91.25% lr 0.001 2500 samples/s ETA 00:01:00",
            PlainProgressWriter.Format(p, TimeSpan.FromSeconds(60)));
        Assert.Equal("finetune: epoch 2/3 batch 5/10 (50%) loss 0.1235 top1 91.25% lr 0.001 2500 samples/s ETA 00:01:00 (run 00:03:20)",
            PlainProgressWriter.Format(p, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(200)));
    }

    [Fact]
    public void Report_OtherEvents_FeedTheEstimate_ButPrintNoLine()
    {
        var time = new ManualTime();
        using var output = new StringWriter();
        var writer = new PlainProgressWriter(output, time, TimeSpan.FromSeconds(2));

        writer.Report(new TrainingProgress("project", 0, 0, 0, 0, 0, 0, 0, 0) { Kind = ProgressKind.StageStarted, StageNumber = 3, StageCount = 4 });
        writer.Report(new TrainingProgress("project", 0, 0, 0, 0, 0, 0, 0, 0) { Kind = ProgressKind.Projected, Projection = new ProjectionDrop(80, 40, "validation") });

        Assert.Equal(string.Empty, output.ToString());
    }

    [Fact]
    public void Report_ResumedStage_EtaFromThePaceSinceThisProcessJoined()
    {
        // Resumed at 1 of 3 epochs; 30 s later it is at 1.5: 0.5 epoch per 30 s, so 1.5 epochs left -> 90 s.
        var time = new ManualTime();
        using var output = new StringWriter();
        var writer = new PlainProgressWriter(output, time, TimeSpan.FromSeconds(2));

        writer.Report(At(2, 0));
        time.Advance(TimeSpan.FromSeconds(30));
        writer.Report(At(2, 5));

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith("ETA --:--:--", lines[0]);
        Assert.EndsWith("ETA 00:01:30", lines[1]);
    }

    [Theory]
    [InlineData(1, 0, 0.0)]
    [InlineData(1, 10, 1.0 / 3)]
    [InlineData(3, 10, 1.0)]
    [InlineData(3, 99, 1.0)]
    public void Fraction_CountsFinishedEpochsAndBatches(int epoch, int batch, double expected)
    {
        Assert.Equal(expected, PlainProgressWriter.Fraction(new TrainingProgress("s", epoch, 3, batch, 10, 0, 0, 0, 0)), 12);
    }
}
