using System.Diagnostics;
using Hodec.Sweeps;

namespace Hodec.Tool.Sweeps.Local;

/// <summary>
/// Runs a sweep's unfinished runs on this machine, a few processes at a time: by default one per core divided by
/// the threads of each run (two 1-thread runs on two cores). Each process's console output goes to
/// <c>&lt;sweep&gt;/logs/&lt;run&gt;.out</c>. Finished runs are skipped; stopped ones resume.
/// </summary>
internal static class LocalExecutor
{
    /// <summary>How many runs go at once.</summary>
    public static int Parallel(LocalSettings settings) => settings.Parallel ?? Math.Max(1, Environment.ProcessorCount / Math.Max(1, settings.Threads));

    /// <summary>Runs every unfinished run; returns how many failed (exited non-zero).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<SweepRun> runs, LocalSettings settings, string sweepDirectory, TextWriter output, CancellationToken cancellationToken)
    {
        var hodec = settings.Command is { } c ? SweepTask.Words(c) : SweepTask.CurrentHodec();
        var todo = runs.Where(r => !RunState.IsFinished(r.Directory)).ToList();
        int parallel = Parallel(settings);
        output.WriteLine($"Local: {todo.Count} of {runs.Count} runs to do ({runs.Count - todo.Count} finished), {parallel} at a time, {settings.Threads} thread(s) each.");
        var logs = Path.Combine(sweepDirectory, "logs");
        Directory.CreateDirectory(logs);
        using var slots = new SemaphoreSlim(parallel);
        int done = 0, failed = 0;
        var gate = new object();
        await Task.WhenAll(todo.Select(async run =>
        {
            await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                int code = await RunOneAsync(hodec, SweepTask.Arguments(run, settings.Threads), Path.Combine(logs, run.Name + ".out"), cancellationToken).ConfigureAwait(false);
                lock (gate)
                {
                    done++;
                    failed += code == 0 ? 0 : 1;
                    output.WriteLine($"[{done}/{todo.Count}] {run.Name}: {(code == 0 ? "finished" : $"exit {code}, see {Path.Combine(logs, run.Name + ".out")}")}");
                }
            }
            finally
            {
                slots.Release();
            }
        })).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return failed;
    }

    private static async Task<int> RunOneAsync(IReadOnlyList<string> hodec, IReadOnlyList<string> arguments, string log, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(hodec[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var word in hodec.Skip(1).Concat(arguments))
        {
            start.ArgumentList.Add(word);
        }
        using var process = Process.Start(start) ?? throw new HodecException($"Could not start '{hodec[0]}'.");
        await using var file = new StreamWriter(log, append: true) { AutoFlush = true };
        await file.WriteLineAsync($"$ {SweepTask.ShellLine(hodec.Concat(arguments))}").ConfigureAwait(false);
        var gate = new SemaphoreSlim(1);
        async Task Copy(StreamReader reader)
        {
            while (await reader.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                await gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                try
                {
                    await file.WriteLineAsync(line).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }
        }
        var copies = Task.WhenAll(Copy(process.StandardOutput), Copy(process.StandardError));
        // Ctrl+C reaches the children through the terminal; any other cancellation asks them to checkpoint and stop.
        await using var stop = cancellationToken.Register(() => Terminate(process));
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        await copies.ConfigureAwait(false);
        return process.ExitCode;
    }

    private static void Terminate(Process process)
    {
        try
        {
            if (!process.HasExited && !OperatingSystem.IsWindows())
            {
                using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
                kill?.WaitForExit();
            }
            else if (!process.HasExited)
            {
                process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
