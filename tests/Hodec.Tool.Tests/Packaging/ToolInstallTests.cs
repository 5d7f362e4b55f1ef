using System.IO.Compression;
using Hodec.Build;
using Hodec.Tool.Cli;
using Hodec.Tool.Tests.Support;

namespace Hodec.Tool.Tests.Packaging;

/// <summary>
/// Packs the tool, installs it into a fresh folder's local tool manifest from artifacts/packages and runs
/// <c>dotnet hodec --version</c>, exactly as build/install-tool.sh documents. About a minute (pack + install).
/// </summary>
[Trait("Category", "Integration")]
public sealed class ToolInstallTests
{
    [Fact]
    public void PackAndInstallLocalTool_DotnetHodecVersion_PrintsTheVersion()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the package is linux-x64 only
        }

        using var target = new TempDirectory();
        string repository = ProcessRunner.RepositoryRoot();

        // `info` loads libtorch from the installed package: the native-compat patch must have reached it.
        var (exitCode, output) = ProcessRunner.Run("bash", [Path.Combine(repository, "build", "install-tool.sh"), target.Path, "--", "info"],
            repository, TimeSpan.FromMinutes(8));

        Assert.True(exitCode == 0, output);
        Assert.Contains($"\n{HodecApp.Version}\nInstalled Hodec.Tool {HodecApp.Version} in {target.Path}\nhodec {HodecApp.Version}\nTorchSharp 0.107.0 (libtorch 2.10", "\n" + output);
        // `dotnet new tool-manifest` writes ./dotnet-tools.json since .NET 10 (.config/ before).
        Assert.True(
            File.Exists(Path.Combine(target.Path, "dotnet-tools.json")) || File.Exists(Path.Combine(target.Path, ".config", "dotnet-tools.json")),
            output);
        AssertPackedNativeLibraryIsPatched(Path.Combine(repository, "artifacts", "packages", $"Hodec.Tool.{HodecApp.Version}.nupkg"));
        AssertPackageHoldsOnlyWhatTheToolRuns(Path.Combine(repository, "artifacts", "packages", $"Hodec.Tool.{HodecApp.Version}.nupkg"));

        // Without a folder, the install is a check: its temporary folder (the tool and libtorch) is gone afterwards.
        using var temp = new TempDirectory();
        var (checkCode, checkOutput) = ProcessRunner.Run("env", [$"TMPDIR={temp.Path}", "bash", Path.Combine(repository, "build", "install-tool.sh"), "--no-pack"],
            repository, TimeSpan.FromMinutes(8));
        Assert.True(checkCode == 0, checkOutput);
        Assert.Contains("Removed the temporary install in ", checkOutput);
        // dotnet leaves its own scratch folders in TMPDIR (a few KB); the install itself is gone.
        Assert.Empty(Directory.EnumerateDirectories(temp.Path, "hodec-tool-*"));
        long left = Directory.EnumerateFiles(temp.Path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(left < 1_000_000, $"{left} bytes left in {temp.Path}");
    }

    // No API documentation and no translations of System.CommandLine's messages (docs/cli.md lists the package).
    private static void AssertPackageHoldsOnlyWhatTheToolRuns(string package)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        string[] files = [.. zip.Entries.Select(e => e.FullName).Where(f => f.StartsWith("tools/", StringComparison.Ordinal))];
        Assert.DoesNotContain(files, f => f.EndsWith(".xml", StringComparison.Ordinal) && !f.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => f.EndsWith(".resources.dll", StringComparison.Ordinal));
        Assert.Contains("tools/net10.0/linux-x64/libtorch_cpu.so", files);
        Assert.Contains("tools/net10.0/linux-x64/hodec.dll", files);
    }

    // The pack path publishes the natives again; build/Hodec.NativeCompat.targets must weak-flag that copy too,
    // or the installed tool would not load libtorch on Debian 12.
    private static void AssertPackedNativeLibraryIsPatched(string package)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        ZipArchiveEntry native = Assert.Single(zip.Entries, e => e.Name == "libLibTorchSharp.so");
        Assert.Equal("tools/net10.0/linux-x64/libLibTorchSharp.so", native.FullName);
        using var bytes = new MemoryStream();
        using (Stream stream = native.Open())
        {
            stream.CopyTo(bytes);
        }

        byte[] elf = bytes.ToArray();
        long flags = ElfVersionNeedPatcher.FindVersionFlagsOffset(elf, "GLIBCXX_3.4.32");
        Assert.True(flags > 0, "the packed library should still name GLIBCXX_3.4.32");
        Assert.NotEqual(0, elf[flags] & ElfVersionNeedPatcher.VerFlagWeak);
        Assert.DoesNotContain(zip.Entries, e => e.Name == "libtorch_python.so"); // trimmed: TorchSharp never loads it
    }
}
