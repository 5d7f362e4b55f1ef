using Hodec.Tool.Engine;
using Hodec.Tool.Output;
using Hodec.Tool.Tests.Support;
using Spectre.Console;

namespace Hodec.Tool.Tests.Output;

public sealed class ProgressViewTests
{
    private static IAnsiConsole Console(TextWriter writer, bool interactive)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Yes : AnsiSupport.No, // live bars need ANSI cursor control
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        console.Profile.Width = 160;
        return console;
    }

    private static string Screen(StringWriter writer) =>
        System.Text.RegularExpressions.Regex.Replace(writer.ToString(), @"\x1b\[[0-9;?]*[A-Za-z]", string.Empty);

    [Fact]
    public async Task Choose_Terminal_RendersBarsWithStageEpochLossAndThroughput()
    {
        using var writer = new StringWriter();
        var view = ProgressView.Choose(quiet: false, isTerminal: true, Console(writer, interactive: true), TextWriter.Null, new ManualTime());

        int result = await view.RunAsync(progress =>
        {
            progress.Report(new TrainingProgress("adal", 1, 2, 5, 10, 0.75, 0.5, 0.01, 1234));
            progress.Report(new TrainingProgress("adal", 2, 2, 9, 10, 0.25, 0.875, 0.01, 1300));
            return Task.FromResult(42);
        });

        Assert.True(view.IsLive);
        Assert.Equal(42, result);
        string screen = Screen(writer);
        Assert.Contains("adal epoch 2/2", screen);
        Assert.Contains("loss 0.2500 top1 87.5% 1300/s", screen);
        Assert.Contains("ETA ", screen);
    }

    [Fact]
    public async Task Terminal_KeepsALinePerEpochWithValidationAccuracy_TheProjectionDrop_AndTheRunsEta()
    {
        using var writer = new StringWriter();
        var time = new ManualTime();
        var view = ProgressView.Choose(quiet: false, isTerminal: true, Console(writer, interactive: true), TextWriter.Null, time);
        IReadOnlyList<StageOutline> outline = [new("adal", 2, 4, 0.25), new("project", 0, 0, 0), new("retrain", 1, 4, 0.25)];

        await view.RunAsync(progress =>
        {
            progress.Report(new TrainingProgress("adal", 0, 2, 0, 0, 0, 0, 0, 0) { Kind = ProgressKind.StageStarted, StageNumber = 1, StageCount = 3, Stages = outline });
            for (int epoch = 1; epoch <= 2; epoch++)
            {
                for (int batch = 1; batch <= 4; batch++)
                {
                    time.Advance(TimeSpan.FromSeconds(1));
                    progress.Report(new TrainingProgress("adal", epoch, 2, batch, 4, 1.5, 0.5, 0.02, 64) { StageNumber = 1, StageCount = 3 });
                }

                time.Advance(TimeSpan.FromSeconds(1));
                progress.Report(new TrainingProgress("adal", epoch, 2, 0, 0, 0, 0, 0, 0)
                {
                    Kind = ProgressKind.EpochEvaluated,
                    StageNumber = 1,
                    StageCount = 3,
                    Evaluation = new EpochEvaluation("validation", 0.7125, 0.8123, 1.2345, 0.55, 0.0123, 5.04, 0.0456),
                });
            }

            progress.Report(new TrainingProgress("adal", 0, 2, 0, 0, 0, 0, 0, 0) { Kind = ProgressKind.StageFinished, StageNumber = 1, StageCount = 3 });
            progress.Report(new TrainingProgress("project", 0, 0, 0, 0, 0, 0, 0, 0) { Kind = ProgressKind.StageStarted, StageNumber = 2, StageCount = 3, Stages = outline });
            progress.Report(new TrainingProgress("project", 0, 0, 0, 0, 0, 0, 0, 0)
            {
                Kind = ProgressKind.Projected,
                StageNumber = 2,
                StageCount = 3,
                Projection = new ProjectionDrop(71.25, 40.5, "validation"),
            });
            return Task.FromResult(0);
        });

        string screen = Screen(writer);
        Assert.Contains("Stage 1/3 adal: 2 epochs of 4 batches\n", screen);
        Assert.Contains("  adal epoch 1/2: validation top-1 71.25% loss 0.8123 | train top-1 55.00% loss 1.2345 | lr 0.0123 | 5.0 s | approximation error 0.0456\n", screen);
        Assert.Contains("  adal epoch 2/2: validation top-1 71.25%", screen);
        Assert.Contains("  adal finished in 10.0 s\n", screen);
        Assert.Contains("  projected: validation top-1 71.25% -> 40.50% (-30.75 pts)\n", screen);
        // After the ADAL stage, the run has retrain's one epoch left: 4 batches at 1 s and 1 s of evaluation.
        Assert.Contains("ETA 00:00:05", screen);
    }

    [Fact]
    public async Task Terminal_ANoticeOrALogLineWhileLive_GoesIntoTheDisplay_NotOntoTheFallbackWriter()
    {
        using var writer = new StringWriter();
        using var fallback = new StringWriter();
        var view = ProgressView.Choose(quiet: false, isTerminal: true, Console(writer, interactive: true), TextWriter.Null, new ManualTime());

        await view.RunAsync(progress =>
        {
            progress.Report(new TrainingProgress("retrain", 1, 2, 5, 10, 0.75, 0.5, 0.01, 1234));
            LiveConsole.Notice("Stopping after the current step and saving a checkpoint...", fallback);
            LiveConsole.WriteLine("12:00:00 WRN Stage retrain interrupted", fallback);
            return Task.FromResult(0);
        });
        LiveConsole.Notice("Interrupted.", fallback);

        string screen = Screen(writer);
        Assert.Contains("Stopping after the current step and saving a checkpoint...", screen);
        Assert.Contains("12:00:00 WRN Stage retrain interrupted\n", screen);
        // Once the display has ended, what is written goes to the fallback, on a line of its own.
        Assert.Equal("Interrupted.\n", fallback.ToString().Replace("\r", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Choose_NotATerminal_WritesPlainLines_QuietWritesNothing()
    {
        using var lines = new StringWriter();
        using var silent = new StringWriter();
        var plain = ProgressView.Choose(quiet: false, isTerminal: false, Console(TextWriter.Null, interactive: false), lines, new ManualTime());
        var quiet = ProgressView.Choose(quiet: true, isTerminal: true, Console(silent, interactive: true), silent, new ManualTime());
        var p = new TrainingProgress("train", 1, 1, 1, 1, 0.5, 0.5, 0.1, 100);

        await plain.RunAsync(progress => { progress.Report(p); return Task.FromResult(0); });
        await quiet.RunAsync(progress => { progress.Report(p); return Task.FromResult(0); });

        Assert.False(plain.IsLive);
        Assert.StartsWith("train: epoch 1/1 batch 1/1 (100%)", lines.ToString());
        Assert.Equal(string.Empty, silent.ToString());
    }
}
