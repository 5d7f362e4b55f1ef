// Marks one symbol-version requirement of an ELF shared library as weak (VER_FLG_WEAK), so the
// dynamic loader only warns when that version is missing instead of refusing to load the library.
//
// Why: TorchSharp 0.107's libLibTorchSharp.so needs GLIBCXX_3.4.32 solely through the marker symbol
// _ZSt21ios_base_library_initv, which GCC 13 emits and no relocation uses. Debian 12's libstdc++ stops
// at 3.4.30, so without this the load fails. The flag is harmless where the version exists.
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory (build/Hodec.NativeCompat.targets)
// and into the test project, which checks the patch directly.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Hodec.Build
{
    public enum ElfPatchOutcome
    {
        /// <summary>The file is not a 64-bit little-endian ELF object (a .dylib or .dll, say).</summary>
        NotElf,
        /// <summary>The library does not require the version at all.</summary>
        VersionNotRequired,
        /// <summary>The requirement was already weak; nothing was written.</summary>
        AlreadyWeak,
        /// <summary>The weak flag was set.</summary>
        Patched,
    }

    public static class ElfVersionNeedPatcher
    {
        public const ushort VerFlagWeak = 0x2;
        private const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>Finds the vna_flags offset of <paramref name="versionName"/> in .gnu.version_r, or -1.</summary>
        public static long FindVersionFlagsOffset(byte[] elf, string versionName)
        {
            if (!IsElf64LittleEndian(elf))
            {
                return -2;
            }

            long shoff = (long)ReadU64(elf, 0x28);
            int shentsize = ReadU16(elf, 0x3A);
            int shnum = ReadU16(elf, 0x3C);
            for (int i = 0; i < shnum; i++)
            {
                long sh = shoff + ((long)i * shentsize);
                if (ReadU32(elf, sh + 4) != ShtGnuVerneed)
                {
                    continue;
                }

                long offset = (long)ReadU64(elf, sh + 0x18);
                int strtabIndex = (int)ReadU32(elf, sh + 0x28);
                int entries = (int)ReadU32(elf, sh + 0x2C);
                long strtab = (long)ReadU64(elf, shoff + ((long)strtabIndex * shentsize) + 0x18);
                return FindInVerneed(elf, offset, entries, strtab, versionName);
            }

            return -1;
        }

        /// <summary>Sets the weak flag in place; returns what happened.</summary>
        public static ElfPatchOutcome Patch(byte[] elf, string versionName)
        {
            long flags = FindVersionFlagsOffset(elf, versionName);
            if (flags == -2)
            {
                return ElfPatchOutcome.NotElf;
            }

            if (flags < 0)
            {
                return ElfPatchOutcome.VersionNotRequired;
            }

            ushort current = ReadU16(elf, flags);
            if ((current & VerFlagWeak) != 0)
            {
                return ElfPatchOutcome.AlreadyWeak;
            }

            ushort updated = (ushort)(current | VerFlagWeak);
            elf[flags] = (byte)(updated & 0xFF);
            elf[flags + 1] = (byte)(updated >> 8);
            return ElfPatchOutcome.Patched;
        }

        /// <summary>
        /// Patches a file on disk. The new bytes go to a temporary file that replaces the original, so a
        /// hard link into the NuGet cache is broken rather than written through, and a crash leaves
        /// either the old or the new file, never half of one.
        /// </summary>
        public static ElfPatchOutcome PatchFile(string path, string versionName)
        {
            byte[] bytes = File.ReadAllBytes(path);
            ElfPatchOutcome outcome = Patch(bytes, versionName);
            if (outcome != ElfPatchOutcome.Patched)
            {
                return outcome;
            }

            // Copy first so the temporary file keeps the original's permissions.
            string temp = path + ".hodec-tmp";
            File.Copy(path, temp, overwrite: true);
            File.WriteAllBytes(temp, bytes);
            File.Replace(temp, path, destinationBackupFileName: null);
            return outcome;
        }

        private static long FindInVerneed(byte[] elf, long verneed, int entries, long strtab, string versionName)
        {
            long need = verneed;
            for (int n = 0; n < entries; n++)
            {
                int auxCount = ReadU16(elf, need + 2);
                long aux = need + ReadU32(elf, need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    long name = strtab + ReadU32(elf, aux + 8);
                    if (NameEquals(elf, name, versionName))
                    {
                        return aux + 4;
                    }

                    aux += ReadU32(elf, aux + 12);
                }

                uint next = ReadU32(elf, need + 12);
                if (next == 0)
                {
                    break;
                }

                need += next;
            }

            return -1;
        }

        private static bool IsElf64LittleEndian(byte[] elf) =>
            elf.Length > 0x40 && elf[0] == 0x7F && elf[1] == (byte)'E' && elf[2] == (byte)'L' && elf[3] == (byte)'F'
            && elf[4] == 2 && elf[5] == 1;

        private static bool NameEquals(byte[] elf, long offset, string expected)
        {
            byte[] want = Encoding.ASCII.GetBytes(expected);
            if (offset + want.Length >= elf.Length)
            {
                return false;
            }

            for (int i = 0; i < want.Length; i++)
            {
                if (elf[offset + i] != want[i])
                {
                    return false;
                }
            }

            return elf[offset + want.Length] == 0;
        }

        private static ushort ReadU16(byte[] b, long o) => (ushort)(b[o] | (b[o + 1] << 8));

        private static uint ReadU32(byte[] b, long o) => (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24));

        private static ulong ReadU64(byte[] b, long o) => ReadU32(b, o) | ((ulong)ReadU32(b, o + 4) << 32);
    }

    /// <summary>MSBuild task: weak-flags <see cref="VersionName"/> in every given library.</summary>
    public sealed class HodecPatchElfVersionNeed : Microsoft.Build.Utilities.Task
    {
        [Required]
        public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

        [Required]
        public string VersionName { get; set; } = string.Empty;

        public override bool Execute()
        {
            foreach (ITaskItem library in Libraries)
            {
                string path = library.GetMetadata("FullPath");
                try
                {
                    ElfPatchOutcome outcome = ElfVersionNeedPatcher.PatchFile(path, VersionName);
                    MessageImportance importance = outcome == ElfPatchOutcome.Patched ? MessageImportance.Normal : MessageImportance.Low;
                    Log.LogMessage(importance, "Hodec native compat: {0}: {1} ({2})", path, outcome, VersionName);
                }
                catch (IOException e)
                {
                    Log.LogError("Hodec native compat: could not patch {0}: {1}", path, e.Message);
                }
            }

            return !Log.HasLoggedErrors;
        }
    }
}
