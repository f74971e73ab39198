#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// See LibTorchSharpGlibcxx.targets for why. ELF64 little-endian only (linux-x64 / linux-arm64 builds of TorchSharp).
public class RetargetGlibcxxImport : Task
{
    [Required] public string[] Directories { get; set; } = Array.Empty<string>();

    const string OldSymbol = "_ZSt21ios_base_library_initv";
    const string NewSymbol = "_ZSt15get_new_handlerv";
    const string OldVersion = "GLIBCXX_3.4.32";
    const string NewVersion = "GLIBCXX_3.4.20";

    public override bool Execute()
    {
        var files = new List<string>();
        foreach (var dir in Directories)
        {
            if (string.IsNullOrWhiteSpace(dir) || !Directory.Exists(dir)) continue;
            files.AddRange(Directory.GetFiles(dir, "libLibTorchSharp.so", SearchOption.AllDirectories));
        }
        if (files.Count == 0) return true;

        string? libstdcxx = FindLibStdCxx();
        if (libstdcxx == null)
        {
            Log.LogMessage(MessageImportance.High, "GanService: no libstdc++.so.6 found; libLibTorchSharp.so left as shipped.");
            return true;
        }
        if (Contains(File.ReadAllBytes(libstdcxx), Encoding.ASCII.GetBytes(OldVersion + "\0")))
        {
            Log.LogMessage(MessageImportance.Low, "GanService: " + libstdcxx + " provides " + OldVersion + "; no retarget needed.");
            return true;
        }
        foreach (var f in files)
        {
            try
            {
                string result = Retarget(f);
                Log.LogMessage(MessageImportance.High, "GanService: " + f + ": " + result);
            }
            catch (Exception e)
            {
                Log.LogWarning("GanService: could not retarget " + f + ": " + e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    static string? FindLibStdCxx()
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib64/libstdc++.so.6",
        };
        foreach (var c in candidates) if (File.Exists(c)) return c;
        return null;
    }

    static bool Contains(byte[] hay, byte[] needle) => IndexOf(hay, needle, 0, hay.Length) >= 0;

    static int IndexOf(byte[] hay, byte[] needle, int start, int end)
    {
        for (int i = start; i + needle.Length <= end; i++)
        {
            int j = 0;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (char ch in name)
        {
            h = (h << 4) + (byte)ch;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    struct Section { public uint Type; public long Offset; public long Size; public uint Link; public uint Info; public long EntSize; }

    /// <summary>Returns what was done; throws if the file is not the shape we expect (then nothing is written).</summary>
    public static string Retarget(string path)
    {
        byte[] b = File.ReadAllBytes(path);
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F' || b[4] != 2 || b[5] != 1)
            throw new InvalidDataException("not an ELF64 little-endian file");
        long shoff = BitConverter.ToInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);
        var sections = new Section[shnum];
        for (int i = 0; i < shnum; i++)
        {
            long o = shoff + (long)i * shentsize;
            sections[i] = new Section
            {
                Type = BitConverter.ToUInt32(b, (int)o + 4), Offset = BitConverter.ToInt64(b, (int)o + 24),
                Size = BitConverter.ToInt64(b, (int)o + 32), Link = BitConverter.ToUInt32(b, (int)o + 40),
                Info = BitConverter.ToUInt32(b, (int)o + 44), EntSize = BitConverter.ToInt64(b, (int)o + 56),
            };
        }
        const uint SHT_DYNSYM = 11, SHT_GNU_verneed = 0x6ffffffe, SHT_GNU_versym = 0x6fffffff;
        int verneedIdx = Array.FindIndex(sections, s => s.Type == SHT_GNU_verneed);
        int dynsymIdx = Array.FindIndex(sections, s => s.Type == SHT_DYNSYM);
        int versymIdx = Array.FindIndex(sections, s => s.Type == SHT_GNU_versym);
        if (verneedIdx < 0 || dynsymIdx < 0 || versymIdx < 0) throw new InvalidDataException("no dynamic version sections");
        var dynstr = sections[sections[verneedIdx].Link];

        string Str(long off)
        {
            long start = dynstr.Offset + off, e = start;
            while (b[e] != 0) e++;
            return Encoding.ASCII.GetString(b, (int)start, (int)(e - start));
        }

        // Find the version-need aux entry for GLIBCXX_3.4.32.
        long vnPos = sections[verneedIdx].Offset;
        long auxPos = -1; ushort versionIndex = 0;
        for (uint n = 0; n < sections[verneedIdx].Info; n++)
        {
            ushort cnt = BitConverter.ToUInt16(b, (int)vnPos + 2);
            long ap = vnPos + BitConverter.ToUInt32(b, (int)vnPos + 8);
            for (int a = 0; a < cnt; a++)
            {
                if (Str(BitConverter.ToUInt32(b, (int)ap + 8)) == OldVersion)
                {
                    auxPos = ap; versionIndex = BitConverter.ToUInt16(b, (int)ap + 6);
                }
                ap += BitConverter.ToUInt32(b, (int)ap + 12);
            }
            uint next = BitConverter.ToUInt32(b, (int)vnPos + 12);
            if (next == 0) break;
            vnPos += next;
        }
        if (auxPos < 0) return "already retargeted (no " + OldVersion + " requirement)";

        // Every symbol bound to that version must be the one we know how to retarget.
        var dynsym = sections[dynsymIdx];
        long count = dynsym.Size / dynsym.EntSize;
        long symNameOffset = -1;
        for (long i = 0; i < count; i++)
        {
            ushort ver = (ushort)(BitConverter.ToUInt16(b, (int)(sections[versymIdx].Offset + 2 * i)) & 0x7fff);
            if (ver != versionIndex) continue;
            uint nameOff = BitConverter.ToUInt32(b, (int)(dynsym.Offset + i * dynsym.EntSize));
            string name = Str(nameOff);
            if (name != OldSymbol) throw new InvalidDataException("unexpected symbol " + name + " needs " + OldVersion);
            symNameOffset = nameOff;
        }
        if (symNameOffset < 0) throw new InvalidDataException(OldSymbol + " not found");

        // Rewrite in place: both replacements are no longer than the originals (pad with NUL).
        WriteString(b, dynstr.Offset + symNameOffset, OldSymbol.Length, NewSymbol);
        long verNameOff = dynstr.Offset + BitConverter.ToUInt32(b, (int)auxPos + 8);
        WriteString(b, verNameOff, OldVersion.Length, NewVersion);
        BitConverter.GetBytes(ElfHash(NewVersion)).CopyTo(b, (int)auxPos);

        // Write a new file and move it over: breaks any hard link to a package cache.
        string tmp = path + ".retarget.tmp";
        File.WriteAllBytes(tmp, b);
        File.Delete(path);
        File.Move(tmp, path);
        return "retargeted " + OldSymbol + "@" + OldVersion + " -> " + NewSymbol + "@" + NewVersion;
    }

    static void WriteString(byte[] b, long at, int oldLength, string value)
    {
        byte[] v = Encoding.ASCII.GetBytes(value);
        if (v.Length > oldLength) throw new InvalidOperationException("replacement longer than original");
        Array.Clear(b, (int)at, oldLength);
        v.CopyTo(b, (int)at);
    }
}
