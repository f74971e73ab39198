using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace GanService.Training.Platform;

/// <summary>A libtorch folder that cannot be used: missing, of another version, or failing to load.</summary>
public sealed class LibTorchLocationException(string message) : Exception(message);

/// <summary>
/// "Use this libtorch": loads libtorch from a folder the user names (a PyTorch install's <c>torch/lib</c>, or an
/// unpacked libtorch's <c>lib</c>) before TorchSharp initialises, so a machine that already has a CUDA PyTorch of
/// TorchSharp's libtorch version trains on its GPU without the CUDA libtorch NuGet packages.
/// How it works (docs/platform.md, "CUDA libtorch"): TorchSharp 0.107 first loads <c>torch_cuda</c> (or <c>torch_cpu</c>)
/// and then <c>LibTorchSharp</c> by name through <see cref="NativeLibrary.TryLoad(string, Assembly, DllImportSearchPath?, out IntPtr)"/>,
/// which searches the app's native folders and then the dynamic loader's plain search; <c>libLibTorchSharp.so</c>
/// needs <c>libtorch.so</c>, <c>libc10.so</c> and <c>libtorch_cpu.so</c> by SONAME. This class loads the folder's
/// libraries by absolute path first (their own RUNPATH finds the CUDA libraries a PyTorch wheel keeps beside it); the
/// loader then answers every later by-name request for those SONAMEs with the copies already loaded. It works only
/// in a build without a libtorch of its own (-p:GanLibTorch=external): TorchSharp's by-name load finds a libtorch in
/// the app's folders first, a second copy, and two libtorch_cpu.so in one process abort on their first duplicate
/// operator registration — so such a build is refused with that reason.
/// </summary>
public static partial class LibTorchLocation
{
    /// <summary>The environment variable that names the folder (the CLI's <c>--libtorch</c> takes precedence).</summary>
    public const string Variable = "GAN_LIBTORCH";

    /// <summary>The libtorch TorchSharp 0.107.0 is built against (its package description: libtorch 2.10.0). Its C++
    /// ABI holds within a minor line, so a folder must be 2.10.x.</summary>
    public const string ExpectedVersion = "2.10.0";

    /// <summary>The minor line a folder's libtorch must be of (<see cref="ExpectedVersion"/>'s major.minor).</summary>
    public const string ExpectedLine = "2.10";

    // Load order: each needs the ones before it. torch_global_deps first, as PyTorch's own import does (in a CUDA build
    // it needs the CUDA runtime, cuBLAS and the rest: a missing one is named here, not deep inside a later load);
    // c10_cuda and torch_cuda exist only in a CUDA build.
    private static readonly string[] Libraries =
        ["libtorch_global_deps.so", "libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];
    private static readonly string[] Required = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];

    private static readonly Lock Gate = new();

    /// <summary>The folder in use (null: the libtorch the build ships, found the usual way).</summary>
    public static string? Folder { get; private set; }

    /// <summary>The version the folder's libtorch reports (null when no folder is in use).</summary>
    public static string? Version { get; private set; }

    /// <summary>Uses <paramref name="folder"/> when given, else the folder <see cref="Variable"/> names, else nothing.
    /// Must run before anything touches TorchSharp; throws <see cref="LibTorchLocationException"/> with the reason.</summary>
    public static void UseConfigured(string? folder)
    {
        var chosen = !string.IsNullOrWhiteSpace(folder) ? folder : Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(chosen)) { Use(chosen); return; }
        // A build without libtorch (-p:GanLibTorch=external) would leave TorchSharp to the loader's plain search, which may
        // find any system libtorch of any version (and TorchSharp's error then names NuGet packages): name one instead.
        if (Shipped() is null)
            throw new LibTorchLocationException($"this build carries no libtorch (built with -p:GanLibTorch=external): name a libtorch {ExpectedLine}.x " +
                $"folder with --libtorch or {Variable} (e.g. a PyTorch install's torch/lib)");
    }

    /// <summary>The folder where this build's own libtorch_cpu.so sits (the app's native search folders, which TorchSharp
    /// searches first), or null for a build without one.</summary>
    public static string? Shipped() =>
        NativeFolders().Where(d => File.Exists(Path.Combine(d, "libtorch_cpu.so"))).FirstOrDefault();

    /// <summary>The app's native search folders, in the order the runtime searches them for a by-name load.</summary>
    private static IEnumerable<string> NativeFolders() =>
        ((AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string) ?? AppContext.BaseDirectory)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.GetFullPath(d).TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>Loads libtorch from <paramref name="folder"/> (see the class summary). A second call with the same
    /// folder does nothing; another folder after the first is refused.</summary>
    public static void Use(string folder)
    {
        lock (Gate)
        {
            var full = Path.GetFullPath(folder);
            if (Folder is not null)
            {
                if (Folder == full) return;
                throw new LibTorchLocationException($"libtorch is already loaded from {Folder}; cannot switch to {full} in the same process");
            }
            if (!Directory.Exists(full))
                throw new LibTorchLocationException($"{Variable}/--libtorch {folder}: no such folder (expected a libtorch lib folder, e.g. a PyTorch install's torch/lib)");
            var missing = Required.Where(l => !File.Exists(Path.Combine(full, l))).ToList();
            if (missing.Count > 0)
                throw new LibTorchLocationException($"{Variable}/--libtorch {folder}: not a libtorch lib folder ({string.Join(", ", missing)} missing; " +
                    "expected e.g. <python env>/lib/python3.X/site-packages/torch/lib)");
            // A version file, where there is one, is read before anything is loaded: a mismatched libtorch is refused
            // without mapping it into the process.
            if (VersionFile(full) is { } file && !Matches(file.Version))
                throw Mismatch(folder, file.Version, file.Source);
            // TorchSharp loads torch_cpu by name from the app's folders before anything else: a libtorch there would be
            // loaded beside this one, and two libtorch_cpu.so in one process abort on their second operator registration.
            if (Shipped() is { } own && own != full.TrimEnd(Path.DirectorySeparatorChar))
                throw new LibTorchLocationException($"{Variable}/--libtorch {folder}: this build ships its own libtorch ({own}), and a second one " +
                    "cannot be loaded beside it; build or publish with -p:GanLibTorch=external to load libtorch from a folder (docs/platform.md)");

            var loaded = new Dictionary<string, IntPtr>(StringComparer.Ordinal);
            foreach (var lib in Libraries)
            {
                var path = Path.Combine(full, lib);
                if (!File.Exists(path)) continue;
                try { loaded[lib] = NativeLibrary.Load(path); }
                catch (DllNotFoundException e)
                {
                    throw new LibTorchLocationException($"{Variable}/--libtorch {folder}: {lib} does not load: {e.Message}" +
                        (lib.Contains("cuda", StringComparison.Ordinal) ? " (a CUDA libtorch needs its CUDA libraries: a PyTorch wheel's nvidia/*/lib beside torch/, or LD_LIBRARY_PATH)" : ""));
                }
            }
            // The loaded library's own build configuration is the authority (TORCH_VERSION=…), a version file only a hint.
            var config = LibTorchNative.ShowConfig(loaded["libtorch_cpu.so"]);
            var reported = MachineFacts.TorchVersion(config);
            if (reported is null)
                throw new LibTorchLocationException($"{Variable}/--libtorch {folder}: cannot tell its libtorch version (no TORCH_VERSION in at::show_config()); " +
                    $"TorchSharp {MachineFacts.TorchSharpVersion()} needs libtorch {ExpectedVersion}");
            if (!Matches(reported))
                throw Mismatch(folder, reported, "at::show_config()");
            // TorchSharp's own library, bound to these now: a libtorch built otherwise (another C++ ABI, a missing
            // symbol) fails here with the loader's reason, where TorchSharp would only say that no libtorch package is referenced.
            if (NativeFolders().Select(d => Path.Combine(d, "libLibTorchSharp.so")).FirstOrDefault(File.Exists) is { } torchSharp)
            {
                try { NativeLibrary.Load(torchSharp); }
                catch (DllNotFoundException e)
                {
                    throw new LibTorchLocationException($"{Variable}/--libtorch {folder}: TorchSharp's libLibTorchSharp.so does not load against this libtorch " +
                        $"{reported}: {e.Message} (an undefined symbol means a libtorch built otherwise than TorchSharp's: another version or C++ ABI)");
                }
            }

            Folder = full; // the handles stay open for the life of the process
            Version = reported;
        }
    }

    /// <summary>Whether <paramref name="version"/> (e.g. "2.10.0+cu130", "2.10.0a0+git…") is of TorchSharp's libtorch line.</summary>
    public static bool Matches(string version)
    {
        static string MajorMinor(string v) => MajorMinorRegex().Match(v) is { Success: true } m ? m.Value : "";
        var have = MajorMinor(version);
        return have.Length > 0 && have == ExpectedLine;
    }

    /// <summary>The version a PyTorch wheel (torch/version.py beside torch/lib) or an unpacked libtorch (build-version
    /// beside lib/) states, or null.</summary>
    public static (string Version, string Source)? VersionFile(string folder)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar));
        if (parent is null) return null;
        var versionPy = Path.Combine(parent, "version.py");
        if (File.Exists(versionPy) && VersionPyRegex().Match(File.ReadAllText(versionPy)) is { Success: true } m)
            return (m.Groups[1].Value, "torch/version.py");
        var buildVersion = Path.Combine(parent, "build-version");
        if (File.Exists(buildVersion) && File.ReadLines(buildVersion).FirstOrDefault()?.Trim() is { Length: > 0 } line)
            return (line, "build-version");
        return null;
    }

    /// <summary>The file each loaded libtorch library was mapped from (/proc/self/maps, Linux), one per name: what
    /// <c>gan doctor</c> shows, and how a test sees that only one copy of each is loaded.</summary>
    public static IReadOnlyList<string> LoadedFiles()
    {
        if (!File.Exists("/proc/self/maps")) return [];
        return File.ReadLines("/proc/self/maps")
            .Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..] : "")
            .Where(p => LoadedLibraryRegex().IsMatch(Path.GetFileName(p)))
            .Distinct(StringComparer.Ordinal).ToList();
    }

    private static LibTorchLocationException Mismatch(string folder, string version, string source) =>
        new($"{Variable}/--libtorch {folder}: libtorch {version} (from {source}) does not match TorchSharp {MachineFacts.TorchSharpVersion()}, " +
            $"which is built against libtorch {ExpectedVersion}; use a PyTorch/libtorch {ExpectedLine}.x, " +
            "or build with -p:GanLibTorch=cuda for the CUDA libtorch packages (docs/platform.md)");

    [GeneratedRegex(@"^\d+\.\d+")]
    private static partial Regex MajorMinorRegex();
    [GeneratedRegex(@"__version__\s*=\s*['""]([^'""]+)['""]")]
    private static partial Regex VersionPyRegex();
    [GeneratedRegex(@"^lib(torch|torch_cpu|torch_cuda|c10|c10_cuda|LibTorchSharp)\.so(\.[0-9.]+)?$")]
    private static partial Regex LoadedLibraryRegex();
}
