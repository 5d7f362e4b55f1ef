using System.Globalization;
using System.Text;
using System.Text.Json;
using Hodec.Sweeps;
using Hodec.Tool.Output;

namespace Hodec.Tool.Sweeps;

/// <summary><c>hodec sweep status</c>: each run's state, stage, epoch and top-1, read from the run directories alone.</summary>
internal static class SweepStatus
{
    /// <summary>The table for the runs of one sweep directory.</summary>
    public static string Render(string sweepDirectory, IReadOnlyList<SweepRun> runs)
    {
        var rows = runs.Select(r =>
        {
            var state = RunState.Of(r.Directory);
            var epoch = state.Phase is RunPhase.Running or RunPhase.Stopped ? LastEpoch(r.Directory)
                : state.Epochs is int e ? $"{e} in all" : "-";
            return new[]
            {
                r.Index.ToString(CultureInfo.InvariantCulture), r.Name, state.Phase.ToString().ToLowerInvariant(),
                state.StagesDone is int d ? $"{d}/{state.Stages}" : "-", epoch ?? "-",
                state.Top1 is double t ? (state.Phase == RunPhase.Finished ? t.ToString("F2", CultureInfo.InvariantCulture) + "%" : $"({t.ToString("F2", CultureInfo.InvariantCulture)}%)") : "-",
            };
        }).ToList();
        var counts = rows.GroupBy(r => r[2]).Select(g => $"{g.Count()} {g.Key}");
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Sweep {sweepDirectory}: {runs.Count} runs, {string.Join(", ", counts)}\n");
        string[] header = ["index", "run", "state", "stages", "epoch", "top-1"];
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            text.Append(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd()).Append('\n');
        }
        text.Append("top-1: the final test top-1 of a finished run; in brackets, the last measured so far. stages: finished of all.\n");
        return text.ToString();
    }

    // "train 3/10" from the run log's last epoch line; null when none was logged.
    private static string? LastEpoch(string directory)
    {
        var log = Path.Combine(directory, CliLogging.LogFileName);
        if (!File.Exists(log))
        {
            return null;
        }
        string? last = null;
        try
        {
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (!line.Contains("\"Epochs\"", StringComparison.Ordinal))
                {
                    continue;
                }
                try
                {
                    using var json = JsonDocument.Parse(line);
                    var root = json.RootElement;
                    if (root.TryGetProperty("Stage", out var stage) && root.TryGetProperty("Epoch", out var epoch) && root.TryGetProperty("Epochs", out var epochs))
                    {
                        last = $"{stage.GetString()} {epoch.GetRawText()}/{epochs.GetRawText()}";
                    }
                }
                catch (JsonException)
                {
                    // A line being written.
                }
            }
        }
        catch (IOException)
        {
            return null;
        }
        return last;
    }
}
