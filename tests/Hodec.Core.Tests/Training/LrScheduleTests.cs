using Hodec.Training;

namespace Hodec.Tests.Training;

public sealed class LrScheduleTests
{
    [Fact]
    public void Cosine_WithWarmup_RampsLinearlyThenFollowsHalfCosine()
    {
        var s = new ScheduleSettings(ScheduleKind.Cosine, WarmupEpochs: 1, MinLr: 0.001);
        // 10 steps per epoch, 5 epochs: warm-up steps 0..9, then 40 cosine steps.
        Assert.Equal(0.01, LrSchedule.At(s, 0.1, 0, 50, 10), 12);
        Assert.Equal(0.1, LrSchedule.At(s, 0.1, 9, 50, 10), 12);
        Assert.Equal(0.1, LrSchedule.At(s, 0.1, 10, 50, 10), 12);
        Assert.Equal(0.001 + (0.099 * 0.5 * (1 + Math.Cos(Math.PI * 20 / 39))), LrSchedule.At(s, 0.1, 30, 50, 10), 12);
        Assert.Equal(0.001, LrSchedule.At(s, 0.1, 49, 50, 10), 12);
    }

    [Fact]
    public void Step_MultipliesByGammaEveryStepEpochs()
    {
        var s = new ScheduleSettings(ScheduleKind.Step, StepEpochs: 2, Gamma: 0.5);
        Assert.Equal(0.1, LrSchedule.At(s, 0.1, 19, 100, 10), 12);
        Assert.Equal(0.05, LrSchedule.At(s, 0.1, 20, 100, 10), 12);
        Assert.Equal(0.025, LrSchedule.At(s, 0.1, 45, 100, 10), 12);
    }

    [Fact]
    public void OneCycle_PeaksAtPctStartAndEndsAtStartOverFinalDiv()
    {
        var s = new ScheduleSettings(ScheduleKind.OneCycle, OneCyclePctStart: 0.3, OneCycleDivFactor: 25, OneCycleFinalDivFactor: 1e4);
        // 100 steps: up for 0.3 * 100 - 1 = 29 steps (as PyTorch's OneCycleLR), then down for 70.
        Assert.Equal(0.1 / 25, LrSchedule.At(s, 0.1, 0, 100, 10), 12);
        Assert.Equal(0.1, LrSchedule.At(s, 0.1, 29, 100, 10), 12);
        Assert.Equal(0.1 / 25 / 1e4, LrSchedule.At(s, 0.1, 99, 100, 10), 12);
    }

    [Fact]
    public void SharedCycle_StagesThatFollowEachOther_ContinueOneSchedule()
    {
        // 25 epochs of 10 steps as one cosine, against three stages of 15, 2 and 8 epochs placed in it.
        var whole = new ScheduleSettings(ScheduleKind.Cosine);
        (int Start, int Epochs)[] stages = [(0, 15), (15, 2), (17, 8)];
        foreach (var (start, epochs) in stages)
        {
            var part = new ScheduleSettings(ScheduleKind.Cosine, CycleEpochs: 25, CycleStartEpoch: start);
            for (long step = 0; step < epochs * 10; step++)
            {
                double expected = 0.1 * 0.5 * (1 + Math.Cos(Math.PI * ((start * 10) + step) / 249.0));
                Assert.Equal(expected, LrSchedule.At(part, 0.1, step, epochs * 10, 10), 12);
                Assert.Equal(LrSchedule.At(whole, 0.1, (start * 10) + step, 250, 10), LrSchedule.At(part, 0.1, step, epochs * 10, 10), 12);
            }
        }
    }
}
