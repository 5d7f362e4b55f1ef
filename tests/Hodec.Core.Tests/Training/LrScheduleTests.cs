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
}
