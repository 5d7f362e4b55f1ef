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

    [Fact]
    public async Task Choose_Terminal_RendersBarsWithStageEpochLossAndThroughput()
    {
        using var writer = new StringWriter();
        var view = ProgressView.Choose(quiet: false, isTerminal: true, Console(writer, interactive: true), TextWriter.Null, new ManualTime());

        int result = await view.RunAsync(progress =>
        {
            progress.Report(new TrainingProgress("adal", 1, 2, 5, 10, 0.75, 0.5, 0.01, 1234));
            progress.Report(new TrainingProgress("adal", 2, 2, 10, 10, 0.25, 0.875, 0.01, 1300));
            return Task.FromResult(42);
        });

        Assert.True(view.IsLive);
        Assert.Equal(42, result);
        string screen = System.Text.RegularExpressions.Regex.Replace(writer.ToString(), @"\x1b\[[0-9;?]*[A-Za-z]", string.Empty);
        Assert.Contains("adal epoch 2/2", screen);
        Assert.Contains("loss 0.2500 top1 87.5% 1300/s", screen);
        Assert.Contains("100%", screen);
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
