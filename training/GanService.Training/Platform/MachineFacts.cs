using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Text.RegularExpressions;

namespace GanService.Training.Platform;

/// <summary>The processor as CPUID describes it (x86 only; elsewhere the vendor is the architecture's name).</summary>
public sealed record CpuFacts(string Vendor, int Family, int Model, int Stepping, string Brand, IReadOnlyList<string> Isa)
{
    /// <summary>AMD family 26 (0x1A): Zen 5, where libtorch 2.10's oneDNN was found computing wrong convolutions.</summary>
    public bool IsZen5 => Vendor == "AuthenticAMD" && Family == 26;

    public override string ToString() =>
        Family > 0 ? $"{Brand} ({Vendor}, family {Family} model {Model} stepping {Stepping})" : Brand;
}

/// <summary>Facts about this machine and the native libraries that <c>gan doctor</c> prints.</summary>
public static partial class MachineFacts
{
    public static CpuFacts Cpu()
    {
        if (!X86Base.IsSupported)
            return new(RuntimeInformation.ProcessArchitecture.ToString(), 0, 0, 0, RuntimeInformation.ProcessArchitecture.ToString(), []);
        var (_, b, c, d) = X86Base.CpuId(0, 0);
        string vendor = Ascii(b, d, c);
        var (eax, _, _, _) = X86Base.CpuId(1, 0);
        int baseFamily = (eax >> 8) & 0xF, baseModel = (eax >> 4) & 0xF;
        int family = baseFamily == 0xF ? baseFamily + ((eax >> 20) & 0xFF) : baseFamily;
        int model = baseFamily is 0x6 or 0xF ? baseModel + (((eax >> 16) & 0xF) << 4) : baseModel;
        var brand = new StringBuilder();
        if ((uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax >= 0x80000004)
            for (int leaf = 0; leaf < 3; leaf++)
            {
                var r = X86Base.CpuId(unchecked((int)0x80000002) + leaf, 0);
                brand.Append(Ascii(r.Eax, r.Ebx, r.Ecx, r.Edx));
            }
        return new(vendor, family, model, eax & 0xF, brand.ToString().Trim('\0', ' ') is { Length: > 0 } s ? s : vendor, IsaFlags());
    }

    private static string Ascii(params int[] registers) =>
        Encoding.ASCII.GetString(registers.SelectMany(BitConverter.GetBytes).ToArray()).TrimEnd('\0');

    /// <summary>The SIMD extensions .NET reports for this CPU (the ones oneDNN's kernel choice turns on).</summary>
    public static IReadOnlyList<string> IsaFlags()
    {
        var flags = new List<string>();
        void Add(bool supported, string name) { if (supported) flags.Add(name); }
        Add(Sse41.IsSupported, "SSE4.1");
        Add(Avx.IsSupported, "AVX");
        Add(Avx2.IsSupported, "AVX2");
        Add(Fma.IsSupported, "FMA");
        Add(Avx512F.IsSupported, "AVX-512F");
        Add(Avx512BW.IsSupported, "AVX-512BW");
        Add(Avx512DQ.IsSupported, "AVX-512DQ");
        Add(Avx512Vbmi.IsSupported, "AVX-512VBMI");
        Add(AvxVnni.IsSupported, "AVX-VNNI");
        Add(Avx10v1.IsSupported, "AVX10.1");
        if (File.Exists("/proc/cpuinfo"))
        {
            // What .NET does not name: the AVX-512 extensions that set Zen 5 apart in oneDNN's dispatch.
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) ?? "";
            var have = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
            foreach (var (flag, name) in new[] { ("avx512_vnni", "AVX-512VNNI"), ("avx512_bf16", "AVX-512BF16"), ("avx512_vp2intersect", "AVX-512VP2INTERSECT"), ("amx_tile", "AMX") })
                Add(have.Contains(flag), name);
        }
        return flags;
    }

    /// <summary>TorchSharp's package version (from its assembly).</summary>
    public static string TorchSharpVersion() =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>libtorch's version and its oneDNN, read from libtorch's own build configuration.</summary>
    public static (string LibTorch, string OneDnn, string CpuCapability) LibTorchBuild()
    {
        string config = LibTorchNative.ShowConfig() ?? "";
        string onednn = OneDnnRegex().Match(LibTorchNative.OneDnnVersion() ?? config) is { Success: true } m ? m.Groups[1].Value : "unknown";
        string capability = CapabilityRegex().Match(config) is { Success: true } c ? c.Groups[1].Value : "unknown";
        return (TorchVersion(config) ?? "unknown", onednn, capability);
    }

    /// <summary>The TORCH_VERSION libtorch's <c>at::show_config()</c> states, or null.</summary>
    public static string? TorchVersion(string? config) =>
        config is not null && LibTorchRegex().Match(config) is { Success: true } v ? v.Groups[1].Value : null;

    /// <summary>Whether each CUDA library ONNX Runtime's and libtorch's CUDA builds need can be loaded here.</summary>
    public static IReadOnlyList<(string Library, bool Loads)> CudaLibraries() =>
        new[] { "libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcudnn.so.9" }
            .Select(name =>
            {
                bool loads = NativeLibrary.TryLoad(name, out var handle);
                if (loads) NativeLibrary.Free(handle);
                return (name, loads);
            }).ToList();

    [GeneratedRegex(@"(v\d+\.\d+(\.\d+)?)")]
    private static partial Regex OneDnnRegex();
    [GeneratedRegex(@"CPU capability usage:\s*(\S+)")]
    private static partial Regex CapabilityRegex();
    [GeneratedRegex(@"TORCH_VERSION=([0-9][0-9A-Za-z.+]*)")]
    private static partial Regex LibTorchRegex();
}
