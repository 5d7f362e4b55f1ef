using Hodec.Build;

namespace Hodec.Tests.Foundation;

public sealed class NativeCompatTests
{
    private const string Version = "GLIBCXX_3.4.32";

    private static string OutputLibrary()
    {
        string[] found = Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories);
        Assert.True(found.Length > 0, $"libLibTorchSharp.so not found under {AppContext.BaseDirectory}");
        return found[0];
    }

    private static string CachedLibrary()
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    private static bool IsWeak(byte[] elf)
    {
        long offset = ElfVersionNeedPatcher.FindVersionFlagsOffset(elf, Version);
        Assert.True(offset > 0, "the library should require " + Version);
        return (elf[offset] & ElfVersionNeedPatcher.VerFlagWeak) != 0;
    }

    [Fact]
    public void OutputCopy_HasWeakFlag_AndNuGetCacheIsUntouched()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // ELF only
        }

        Assert.True(IsWeak(File.ReadAllBytes(OutputLibrary())), "the build must weak-flag the copied library");

        string cached = CachedLibrary();
        Assert.True(File.Exists(cached), $"expected the original at {cached}");
        Assert.False(IsWeak(File.ReadAllBytes(cached)), "the NuGet cache copy must stay as shipped");
    }

    [Fact]
    public void Patch_TwiceOnPristineCopy_SecondRunChangesNothing()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // ELF only
        }

        string temp = Path.Combine(Path.GetTempPath(), $"hodec-elf-{Guid.NewGuid():N}.so");
        try
        {
            File.Copy(CachedLibrary(), temp);
            byte[] original = File.ReadAllBytes(temp);

            Assert.Equal(ElfPatchOutcome.Patched, ElfVersionNeedPatcher.PatchFile(temp, Version));
            byte[] once = File.ReadAllBytes(temp);
            Assert.Equal(ElfPatchOutcome.AlreadyWeak, ElfVersionNeedPatcher.PatchFile(temp, Version));
            byte[] twice = File.ReadAllBytes(temp);

            Assert.Equal(once, twice);
            int differing = original.Zip(once).Count(p => p.First != p.Second);
            Assert.Equal(1, differing);
            Assert.True(IsWeak(once));
        }
        finally
        {
            File.Delete(temp);
        }
    }

    [Fact]
    public void Patch_OnNonElfOrAbsentVersion_LeavesBytesAlone()
    {
        byte[] notElf = "MZ this is not an ELF file, padded to be long enough for a header......"u8.ToArray();
        byte[] copy = (byte[])notElf.Clone();
        Assert.Equal(ElfPatchOutcome.NotElf, ElfVersionNeedPatcher.Patch(copy, Version));
        Assert.Equal(notElf, copy);

        if (OperatingSystem.IsLinux())
        {
            byte[] libc = File.ReadAllBytes(CachedLibrary());
            Assert.Equal(ElfPatchOutcome.VersionNotRequired, ElfVersionNeedPatcher.Patch(libc, "GLIBCXX_9.9.99"));
        }
    }
}
