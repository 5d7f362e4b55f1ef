namespace Hodec.Tasks.Tests.Support;

/// <summary>Which hodec the sample's build runs.</summary>
public enum ToolUnderTest
{
    /// <summary>Fakes/fake-hodec.sh through HodecToolPath: fast, and independent of the engine.</summary>
    Fake,

    /// <summary>The packed Hodec.Tool from artifacts/packages, installed into the workspace's tool manifest (`dotnet hodec`).</summary>
    Packed,
}

/// <summary>
/// A temporary copy of samples/ClassifierApp that restores the locally packed Hodec.Tasks (and nothing else)
/// with a private package cache, and builds it with real `dotnet` processes. The tool comes from
/// HODEC_TASKS_TEST_TOOL (fake by default; "packed" once the real engine is merged).
/// </summary>
public sealed class SampleWorkspace : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
    private readonly TempDirectory _root = new();
    private readonly Dictionary<string, string> _environment;

    /// <param name="appFolder">The app's folder under the workspace (paths with spaces, quotes or non-ASCII letters on purpose).</param>
    /// <param name="tool">The tool to use; default: HODEC_TASKS_TEST_TOOL.</param>
    public SampleWorkspace(string appFolder = "app", ToolUnderTest? tool = null)
    {
        Repository = ProcessRunner.RepositoryRoot();
        Tool = tool ?? (string.Equals(Environment.GetEnvironmentVariable("HODEC_TASKS_TEST_TOOL"), "packed", StringComparison.OrdinalIgnoreCase)
            ? ToolUnderTest.Packed
            : ToolUnderTest.Fake);
        AppDirectory = Path.Combine(_root.Path, appFolder);
        _environment = new()
        {
            ["NUGET_PACKAGES"] = Path.Combine(_root.Path, ".nuget-packages"), // a re-packed 0.1.0 must not be shadowed by a cached one
            ["DOTNET_CLI_HOME"] = Path.Combine(_root.Path, ".dotnet-home"),
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["MSBUILDDISABLENODEREUSE"] = "1",
            // The default HodecCacheDirectory: a cache folder of this workspace, never the user's.
            [Hodec.Shared.ModelCache.EnvironmentVariable] = CacheDirectory,
        };

        Pack("Hodec.Tasks");
        Pack("Hodec.Core");
        AddClone(AppDirectory);
        SetUpTool();
    }

    /// <summary>The workspace's model cache (HODEC_CACHE_DIR of every build), with a space in its path.</summary>
    public string CacheDirectory => Path.Combine(_root.Path, "model cache");

    /// <summary>The workspace folder.</summary>
    public string Root => _root.Path;

    /// <summary>Another clean copy of the sample at <paramref name="directory"/>, set up like the first.</summary>
    public string AddClone(string directory)
    {
        CopyDirectory(Path.Combine(Repository, "samples", "ClassifierApp"), directory);
        // Hodec.* come only from artifacts/packages; their dependencies (TorchSharp, ORT, ...) from the machine's
        // package cache as a read-only fallback, so nothing is downloaded or extracted again.
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="hodec-local" value="{Path.Combine(Repository, "artifacts", "packages")}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine-cache" value="{MachinePackageCache()}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        return directory;
    }

    private void SetUpTool()
    {
        if (Tool == ToolUnderTest.Fake)
        {
            // The fake tool hands out this real (untrained) compressed model, so the sample can load it at run time.
            FakeModel = Path.Combine(_root.Path, "fake-model.safetensors");
            FakeModels.WriteCompressedResNet20(FakeModel);
            _environment["HODEC_FAKE_MODEL"] = FakeModel;
            ToolPath = Path.Combine(_root.Path, "fake-hodec.sh");
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Fakes", "fake-hodec.sh"), ToolPath);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(ToolPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        else
        {
            Check(ProcessRunner.Run("bash", [Path.Combine(Repository, "build", "install-tool.sh"), "--no-pack", _root.Path], _root.Path, _environment, Timeout));
        }
    }

    public string Repository { get; }

    public ToolUnderTest Tool { get; }

    public string? ToolPath { get; private set; }

    /// <summary>The model the fake tool copies to <c>export/&lt;name&gt;.safetensors</c>; null for the packed tool.</summary>
    public string? FakeModel { get; private set; }

    public string AppDirectory { get; }

    public string Recipe => Path.Combine(AppDirectory, "models", "classifier.hodec.yml");

    public string IntermediateModelDirectory => Path.Combine(AppDirectory, "obj", "Debug", "net10.0", "hodec", "classifier");

    public string OutputModelDirectory => Path.Combine(AppDirectory, "bin", "Debug", "net10.0", "hodec", "classifier");

    /// <summary>`dotnet build -v:n`, with the fake tool's path when the fake is under test.</summary>
    public (int ExitCode, string Output) Build(params string[] properties) => BuildIn(AppDirectory, "build", properties);

    /// <summary>`dotnet &lt;command&gt; -v:n` (build, publish) in <paramref name="directory"/>, with the fake tool's path when the fake is under test.</summary>
    public (int ExitCode, string Output) BuildIn(string directory, string command, params string[] properties)
    {
        var arguments = new List<string> { command, "-v:n", "--disable-build-servers" };
        if (ToolPath is not null)
        {
            // Relative on purpose: HodecToolPath resolves against the project folder.
            arguments.Add($"-p:HodecToolPath={Path.GetRelativePath(directory, ToolPath)}");
        }

        arguments.AddRange(properties.Select(p => p.StartsWith('-') ? p : "-p:" + p));
        return Dotnet(arguments, directory);
    }

    public (int ExitCode, string Output) Dotnet(IEnumerable<string> arguments, string? directory = null) =>
        ProcessRunner.Run("dotnet", arguments, directory ?? AppDirectory, _environment, Timeout);

    public void Dispose() => _root.Dispose();

    private void Pack(string project) =>
        Check(ProcessRunner.Run("dotnet", ["pack", Path.Combine(Repository, project, project + ".csproj"), "-c", "Release", "-v", "q", "--disable-build-servers"],
            Repository, new Dictionary<string, string> { ["MSBUILDDISABLENODEREUSE"] = "1" }, Timeout));

    private static string MachinePackageCache() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static void Check((int ExitCode, string Output) result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.Output);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file);
            if (relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                || relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            string target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
