namespace Hodec.Training;

/// <summary>The learning rate as a pure function of the optimiser step, so resuming needs only the step.</summary>
public static class LrSchedule
{
    /// <summary>LR for <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>.</summary>
    public static double At(ScheduleSettings s, double baseLr, long step, long totalSteps, long stepsPerEpoch)
    {
        if (s.CycleEpochs > 0)
        {
            // A shared cycle: this run is a window of a longer schedule.
            step += (long)Math.Round(s.CycleStartEpoch * stepsPerEpoch);
            totalSteps = (long)Math.Round(s.CycleEpochs * stepsPerEpoch);
        }

        if (s.Kind == ScheduleKind.OneCycle)
        {
            return OneCycle(s, baseLr, step, totalSteps);
        }

        long warmup = (long)Math.Round(s.WarmupEpochs * stepsPerEpoch);
        if (step < warmup)
        {
            return baseLr * (step + 1) / warmup;
        }

        double t = totalSteps - warmup <= 1 ? 0 : (double)(step - warmup) / (totalSteps - warmup - 1);
        return s.Kind switch
        {
            ScheduleKind.Cosine => s.MinLr + ((baseLr - s.MinLr) * 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(t, 0, 1)))),
            ScheduleKind.Step => baseLr * Math.Pow(s.Gamma, step / stepsPerEpoch / Math.Max(1, s.StepEpochs)),
            _ => baseLr,
        };
    }

    private static double OneCycle(ScheduleSettings s, double maxLr, long step, long total)
    {
        double start = maxLr / s.OneCycleDivFactor, end = start / s.OneCycleFinalDivFactor;
        double up = Math.Max(1, (s.OneCyclePctStart * total) - 1);
        double Anneal(double from, double to, double frac) => to + ((from - to) * 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(frac, 0, 1))));
        return step <= up
            ? Anneal(start, maxLr, step / up)
            : Anneal(maxLr, end, (step - up) / Math.Max(1, total - 1 - up));
    }
}
