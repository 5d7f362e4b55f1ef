using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hodec.Recipes;
using Hodec.Shared;

namespace Hodec.Compression.Latency;

/// <summary>What a measured time depends on besides the configuration: the CPU model, the runtime, the batch size and the thread count.</summary>
public sealed record LatencyProfileKey(string Cpu, LatencyRuntime Runtime, int BatchSize, int Threads)
{
    /// <summary>The file name of the profile for this key (a hash of the key, readable prefix).</summary>
    public string FileName
    {
        get
        {
            string text = $"{Cpu}|{YamlNames.Of(Runtime)}|{BatchSize}|{Threads}";
            string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
            return string.Create(CultureInfo.InvariantCulture, $"{YamlNames.Of(Runtime)}-b{BatchSize}-t{Threads}-{hash}.json");
        }
    }

    /// <summary>The CPU model of this machine (<c>model name</c> of /proc/cpuinfo on Linux), else the architecture and core count.</summary>
    public static string ThisCpu()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
            {
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is int colon and > 0)
                    {
                        return line[(colon + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException)
        {
            // fall through to the architecture
        }

        return $"{RuntimeInformation.ProcessArchitecture} x{Environment.ProcessorCount}";
    }
}

/// <summary>
/// Measured times of layer configurations for one <see cref="LatencyProfileKey"/>, read from and written to a JSON file
/// in <see cref="DefaultDirectory"/> (or in memory only, with no directory), so a second plan measures nothing.
/// </summary>
public sealed class LatencyProfile
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly string? _file;
    private readonly Dictionary<string, double> _times;

    private LatencyProfile(LatencyProfileKey key, string? file, Dictionary<string, double> times)
    {
        Key = key;
        _file = file;
        _times = times;
    }

    public LatencyProfileKey Key { get; }

    /// <summary>Configurations measured in this session (cache misses).</summary>
    public int Measured { get; private set; }

    /// <summary>The number of configurations known.</summary>
    public int Count => _times.Count;

    /// <summary>The folder of profiles: <c>latency</c> next to the model cache folder (<c>~/.cache/hodec/latency</c> by default).</summary>
    public static string DefaultDirectory(Func<string, string?> environment) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(ModelCache.DefaultDirectory(environment)) ?? ".", "latency");

    /// <summary>The profile for <paramref name="key"/> in <paramref name="directory"/> (null: memory only); a missing or unreadable file starts empty.</summary>
    public static LatencyProfile Open(LatencyProfileKey key, string? directory)
    {
        string? file = directory is null ? null : System.IO.Path.Combine(directory, key.FileName);
        var times = new Dictionary<string, double>(StringComparer.Ordinal);
        if (file is not null && File.Exists(file))
        {
            try
            {
                var stored = JsonSerializer.Deserialize<Stored>(File.ReadAllText(file), Json);
                if (stored is not null && stored.Cpu == key.Cpu && stored.Runtime == YamlNames.Of(key.Runtime) && stored.BatchSize == key.BatchSize && stored.Threads == key.Threads)
                {
                    foreach (var (k, v) in stored.Milliseconds)
                    {
                        times[k] = v;
                    }
                }
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                // an unreadable profile is measured again
            }
        }

        return new LatencyProfile(key, file, times);
    }

    /// <summary>The time of the configuration named <paramref name="candidateKey"/>: from the profile, or measured by <paramref name="measure"/> and stored.</summary>
    public double Get(string candidateKey, Func<double> measure)
    {
        if (_times.TryGetValue(candidateKey, out double ms))
        {
            return ms;
        }

        ms = measure();
        _times[candidateKey] = ms;
        Measured++;
        return ms;
    }

    /// <summary>Writes the profile when something was measured (no-op in memory).</summary>
    public void Save()
    {
        if (_file is null || Measured == 0)
        {
            return;
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_file)!);
        var stored = new Stored(Key.Cpu, YamlNames.Of(Key.Runtime), Key.BatchSize, Key.Threads, new SortedDictionary<string, double>(_times, StringComparer.Ordinal));
        string tmp = _file + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(stored, Json));
        File.Move(tmp, _file, overwrite: true);
    }

    private sealed record Stored(string Cpu, string Runtime, int BatchSize, int Threads, IDictionary<string, double> Milliseconds);
}
