using Hodec.Shared;
using Hodec.Tasks.Tests.Support;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Hodec.Tasks.Tests.Tasks;

/// <summary>The model cache store and the two build tasks over it, on real folders.</summary>
public sealed class ModelCacheTests : IDisposable
{
    private static readonly string KeyA = new('a', 64);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Cache => Path.Combine(_temp.Path, "cache dir");

    // A finished run directory: results, plus what must not be cached (checkpoints, the lock, the build's files).
    private string Run(string name = "run", string content = "model bytes")
    {
        string dir = Path.Combine(_temp.Path, name);
        _temp.Write($"{name}/report.json", "{\"top1\": 0.9}");
        _temp.Write($"{name}/export/classifier.safetensors", content);
        _temp.Write($"{name}/checkpoints/stage1.pt", "checkpoint");
        _temp.Write($"{name}/.lock", "");
        _temp.Write($"{name}/hodec.build.log", "log");
        _temp.Write($"{name}/hodec.args", "args");
        return dir;
    }

    [Fact]
    public void ResultFiles_LeaveOutCheckpointsLockAndTheBuildsOwnFiles()
    {
        Assert.Equal(["export/classifier.safetensors", "report.json"], ModelCache.ResultFiles(Run()));
    }

    [Fact]
    public void StoreThenRestore_CopiesByteIdenticalFiles_ManifestHasSizesAndHashes()
    {
        string run = Run();
        Assert.Equal(StoreOutcome.Stored, ModelCache.Store(Cache, KeyA, run, ModelCache.ResultFiles(run), "classifier", "0.1.0"));
        string destination = Path.Combine(_temp.Path, "clone 2", "obj");

        RestoreResult restored = ModelCache.Restore(Cache, KeyA, destination);

        Assert.Equal(CacheLookup.Hit, restored.Lookup);
        Assert.Equal(File.ReadAllBytes(Path.Combine(run, "export", "classifier.safetensors")), File.ReadAllBytes(Path.Combine(destination, "export", "classifier.safetensors")));
        CacheManifest manifest = ModelCache.ReadManifest(ModelCache.EntryDirectory(Cache, KeyA), KeyA);
        Assert.Equal(("classifier", "0.1.0"), (manifest.Name, manifest.ToolVersion));
        CachedFile model = Assert.Single(manifest.Files, f => f.Path == "export/classifier.safetensors");
        Assert.Equal("model bytes".Length, model.Bytes);
        Assert.Equal(ModelCache.Hex(System.Security.Cryptography.SHA256.HashData("model bytes"u8.ToArray())), model.Sha256);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Cache, ModelCache.TempFolder)));
        Assert.Empty(Directory.EnumerateFiles(destination, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Restore_OtherKey_IsAMiss()
    {
        string run = Run();
        ModelCache.Store(Cache, KeyA, run, ModelCache.ResultFiles(run), "classifier", "0.1.0");

        Assert.Equal(CacheLookup.Miss, ModelCache.Restore(Cache, new string('b', 64), Path.Combine(_temp.Path, "out")).Lookup);
    }

    [Theory]
    [InlineData("truncate")]
    [InlineData("flip")]
    [InlineData("delete")]
    [InlineData("manifest")]
    public void Restore_DamagedEntry_IsReportedAndChangesNothingInTheDestination(string damage)
    {
        string run = Run();
        ModelCache.Store(Cache, KeyA, run, ModelCache.ResultFiles(run), "classifier", "0.1.0");
        string entry = ModelCache.EntryDirectory(Cache, KeyA);
        string model = Path.Combine(entry, ModelCache.FilesFolder, "export", "classifier.safetensors");
        switch (damage)
        {
            case "truncate": File.WriteAllBytes(model, File.ReadAllBytes(model)[..4]); break;
            case "flip": File.WriteAllText(model, "model bytez"); break;
            case "delete": File.Delete(model); break;
            default: File.WriteAllText(Path.Combine(entry, ModelCache.ManifestFile), "{\"format\": 1, \"key\": "); break;
        }

        string destination = _temp.Write("out/export/classifier.safetensors", "earlier build");
        RestoreResult restored = ModelCache.Restore(Cache, KeyA, Path.Combine(_temp.Path, "out"));

        Assert.Equal(CacheLookup.Damaged, restored.Lookup);
        Assert.False(string.IsNullOrEmpty(restored.Problem));
        Assert.Equal("earlier build", File.ReadAllText(destination));
        Assert.False(File.Exists(Path.Combine(_temp.Path, "out", "report.json")));
        Assert.NotNull(ModelCache.Verify(entry, KeyA));
    }

    [Fact]
    public void Store_OverADamagedEntry_ReplacesIt_OverAnIntactOne_KeepsIt()
    {
        string first = Run("first", "first model");
        ModelCache.Store(Cache, KeyA, first, ModelCache.ResultFiles(first), "classifier", "0.1.0");
        string second = Run("second", "second model");

        Assert.Equal(StoreOutcome.AlreadyPresent, ModelCache.Store(Cache, KeyA, second, ModelCache.ResultFiles(second), "classifier", "0.1.0"));
        string entry = ModelCache.EntryDirectory(Cache, KeyA);
        string model = Path.Combine(entry, ModelCache.FilesFolder, "export", "classifier.safetensors");
        Assert.Equal("first model", File.ReadAllText(model));

        File.WriteAllText(model, "fir"); // truncated
        Assert.Equal(StoreOutcome.ReplacedDamaged, ModelCache.Store(Cache, KeyA, second, ModelCache.ResultFiles(second), "classifier", "0.1.0"));
        Assert.Null(ModelCache.Verify(entry, KeyA));
        Assert.Equal("second model", File.ReadAllText(model));
    }

    [Fact]
    public void Store_ManyWritersOfOneKeyAtOnce_LeaveOneIntactEntryFromOneOfThem()
    {
        string[] runs = [.. Enumerable.Range(0, 8).Select(i => Run($"run{i}", $"model {i} " + new string('x', 200_000)))];
        using var start = new Barrier(runs.Length);

        StoreOutcome[] outcomes = [.. runs.AsParallel().WithDegreeOfParallelism(runs.Length).Select(run =>
        {
            start.SignalAndWait();
            return ModelCache.Store(Cache, KeyA, run, ModelCache.ResultFiles(run), "classifier", "0.1.0");
        })];

        Assert.Single(outcomes, o => o == StoreOutcome.Stored);
        Assert.Equal(runs.Length - 1, outcomes.Count(o => o == StoreOutcome.AlreadyPresent));
        string entry = ModelCache.EntryDirectory(Cache, KeyA);
        Assert.Null(ModelCache.Verify(entry, KeyA));
        string stored = File.ReadAllText(Path.Combine(entry, ModelCache.FilesFolder, "export", "classifier.safetensors"));
        Assert.Contains(runs, run => File.ReadAllText(Path.Combine(run, "export", "classifier.safetensors")) == stored);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Cache, ModelCache.TempFolder)));
    }

    [Fact]
    public void Prune_OlderThanMaxSizeAndAll()
    {
        string run = Run();
        string[] keys = [new('1', 64), new('2', 64), new('3', 64)];
        DateTime now = DateTime.UtcNow;
        for (int i = 0; i < keys.Length; i++)
        {
            ModelCache.Store(Cache, keys[i], run, ModelCache.ResultFiles(run), "m" + i, "0.1.0");
            File.SetLastWriteTimeUtc(Path.Combine(Cache, keys[i], ModelCache.ManifestFile), now.AddDays(-10 * i));
        }

        Assert.Equal([keys[2]], ModelCache.Prune(Cache, false, TimeSpan.FromDays(15), null, now).Select(e => e.Key));
        long one = ModelCache.List(Cache, verify: true).First().Bytes;
        Assert.Equal([keys[1]], ModelCache.Prune(Cache, false, null, one, now).Select(e => e.Key));
        Assert.Equal([keys[0]], ModelCache.Prune(Cache, true, null, null, now).Select(e => e.Key));
        Assert.Empty(ModelCache.List(Cache, verify: false));
    }

    [Fact]
    public void RestoreTask_HitMissAndDamaged_LogWhatHappened()
    {
        string run = Run();
        ModelCache.Store(Cache, KeyA, run, ModelCache.ResultFiles(run), "classifier", "0.1.0");
        string output = Path.Combine(_temp.Path, "obj", "hodec", "classifier");
        (bool Hit, MockBuildEngine Engine) Restore(string key)
        {
            var engine = new MockBuildEngine();
            var task = new HodecCacheRestore
            {
                BuildEngine = engine,
                CacheDirectory = Cache,
                Key = key,
                Name = "classifier",
                OutputDir = output,
                Outputs = [new TaskItem(Path.Combine(output, "export", "classifier.safetensors"))],
                LogFile = Path.Combine(output, "hodec.build.log"),
            };
            Assert.True(task.Execute());
            return (task.Hit, engine);
        }

        var hit = Restore(KeyA);
        Assert.True(hit.Hit);
        Assert.Contains(hit.Engine.Messages, m => m.Importance == MessageImportance.High && m.Message!.StartsWith("Hodec: cache hit for classifier (key aaaaaaaaaaaaaaaa): copied 2 file(s)", StringComparison.Ordinal));
        Assert.Equal("model bytes", File.ReadAllText(Path.Combine(output, "export", "classifier.safetensors")));

        var miss = Restore(new string('b', 64));
        Assert.False(miss.Hit);
        Assert.Contains(miss.Engine.Messages, m => m.Message!.StartsWith("Hodec: cache miss for classifier (key bbbbbbbbbbbbbbbb)", StringComparison.Ordinal));

        string cached = Path.Combine(ModelCache.EntryDirectory(Cache, KeyA), ModelCache.FilesFolder, "export", "classifier.safetensors");
        File.WriteAllBytes(cached, File.ReadAllBytes(cached)[..5]);
        var damaged = Restore(KeyA);
        Assert.False(damaged.Hit);
        BuildWarningEventArgs warning = Assert.Single(damaged.Engine.Warnings);
        Assert.Equal(HodecCacheRestore.WarningCode, warning.Code);
        Assert.Contains("is damaged: files/export/classifier.safetensors has 5 bytes", warning.Message);
        Assert.Empty(damaged.Engine.Errors);
    }

    [Fact]
    public void StoreTask_RecordsTheRunsToolVersion_AndAnUnwritableCacheIsAWarning()
    {
        string run = Run();
        _temp.Write("run/environment.json", "{\"hodec\": \"0.1.0\"}");
        var engine = new MockBuildEngine();
        Assert.True(new HodecCacheStore { BuildEngine = engine, CacheDirectory = Cache, Key = KeyA, Name = "classifier", OutputDir = run }.Execute());
        Assert.Equal("0.1.0", ModelCache.ReadManifest(ModelCache.EntryDirectory(Cache, KeyA), KeyA).ToolVersion);

        string blocked = _temp.Write("a file", "not a folder");
        var failing = new MockBuildEngine();
        Assert.True(new HodecCacheStore { BuildEngine = failing, CacheDirectory = blocked, Key = KeyA, Name = "classifier", OutputDir = run }.Execute());
        Assert.Contains("could not store classifier in the model cache", Assert.Single(failing.Warnings).Message);
        Assert.Empty(failing.Errors);
    }
}
