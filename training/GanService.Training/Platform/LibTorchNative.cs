using System.Runtime.InteropServices;

namespace GanService.Training.Platform;

/// <summary>
/// The few native calls the numerics check needs that TorchSharp does not wrap: libc's <c>setenv</c> (oneDNN reads
/// its settings with <c>getenv</c>, which .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not
/// reach on Linux), and libtorch's <c>at::Context</c> mkldnn switch and build configuration, called through the symbols
/// <c>libtorch_cpu.so</c> exports (Itanium C++ mangling, Linux x64 — the only platform this project trains on).
/// Every call degrades to "not available" rather than throwing, so a host on another platform still runs.
/// </summary>
internal static class LibTorchNative
{
    [DllImport("libc.so.6", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc.so.6", EntryPoint = "getenv")]
    private static extern IntPtr GetEnv(string name);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate IntPtr GlobalContextFn();
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate void SetMkldnnFn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled); // also NNPACK's
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)][return: MarshalAs(UnmanagedType.U1)] private delegate bool GetMkldnnFn(IntPtr context);
    // A function returning std::string by value takes the return slot as a hidden first argument (x86-64 SysV, sret).
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] private delegate IntPtr StringReturningFn(IntPtr returnSlot);

    /// <summary>Sets a variable in the C runtime's environment, where native libraries read it; false where libc is not glibc.</summary>
    public static bool SetNativeEnvironment(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        try { return SetEnv(name, value, 1) == 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    /// <summary>The C runtime's value of a variable (what a native library sees), or null.</summary>
    public static string? NativeEnvironment(string name)
    {
        try { return Marshal.PtrToStringUTF8(GetEnv(name)); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return Environment.GetEnvironmentVariable(name); }
    }

    private static IntPtr Export(string symbol)
    {
        _ = torch.zeros(1); // TorchSharp loads libtorch on first use; libtorch_cpu.so is then found among the loaded libraries
        return NativeLibrary.TryLoad("libtorch_cpu.so", out var lib) && NativeLibrary.TryGetExport(lib, symbol, out var fn) ? fn : IntPtr.Zero;
    }

    private static IntPtr Context() =>
        Export("_ZN2at13globalContextEv") is var f && f != IntPtr.Zero ? Marshal.GetDelegateForFunctionPointer<GlobalContextFn>(f)() : IntPtr.Zero;

    /// <summary>Whether libtorch may use oneDNN (mkldnn) kernels; null when the switch cannot be reached.</summary>
    public static bool? MkldnnEnabled
    {
        get
        {
            var get = Export("_ZNK2at7Context17userEnabledMkldnnEv");
            var ctx = Context();
            return get == IntPtr.Zero || ctx == IntPtr.Zero ? null : Marshal.GetDelegateForFunctionPointer<GetMkldnnFn>(get)(ctx);
        }
    }

    /// <summary><c>at::globalContext().setUserEnabledMkldnn(enabled)</c>; false when the switch cannot be reached.</summary>
    public static bool SetMkldnnEnabled(bool enabled)
    {
        var set = Export("_ZN2at7Context20setUserEnabledMkldnnEb");
        var ctx = Context();
        if (set == IntPtr.Zero || ctx == IntPtr.Zero) return false;
        Marshal.GetDelegateForFunctionPointer<SetMkldnnFn>(set)(ctx, enabled);
        return MkldnnEnabled == enabled;
    }

    /// <summary><c>at::globalContext().setUserEnabledNNPACK(enabled)</c>; false when the switch cannot be reached.</summary>
    public static bool SetNnpackEnabled(bool enabled)
    {
        var set = Export("_ZN2at7Context20setUserEnabledNNPACKEb");
        var ctx = Context();
        if (set == IntPtr.Zero || ctx == IntPtr.Zero) return false;
        Marshal.GetDelegateForFunctionPointer<SetMkldnnFn>(set)(ctx, enabled); // same signature: (Context*, bool)
        return true;
    }

    /// <summary><c>at::globalContext().setBenchmarkCuDNN(enabled)</c> (<c>torch.backends.cudnn.benchmark</c>, which
    /// TorchSharp 0.107 does not wrap); false when the switch cannot be reached.</summary>
    public static bool SetCudnnBenchmark(bool enabled)
    {
        var set = Export("_ZN2at7Context17setBenchmarkCuDNNEb");
        var ctx = Context();
        if (set == IntPtr.Zero || ctx == IntPtr.Zero) return false;
        Marshal.GetDelegateForFunctionPointer<SetMkldnnFn>(set)(ctx, enabled); // same signature: (Context*, bool)
        return CudnnBenchmark == enabled;
    }

    /// <summary><c>at::globalContext().benchmarkCuDNN()</c>; null when it cannot be reached.</summary>
    public static bool? CudnnBenchmark
    {
        get
        {
            var get = Export("_ZNK2at7Context14benchmarkCuDNNEv");
            var ctx = Context();
            return get == IntPtr.Zero || ctx == IntPtr.Zero ? null : Marshal.GetDelegateForFunctionPointer<GetMkldnnFn>(get)(ctx);
        }
    }

    /// <summary>libtorch's <c>at::show_config()</c> (compiler, BLAS, oneDNN version, CPU capability), or null.</summary>
    public static string? ShowConfig() => CallStringFunction(Export(ShowConfigSymbol));

    /// <summary><c>at::show_config()</c> of the <c>libtorch_cpu.so</c> loaded as <paramref name="libTorchCpu"/>, without
    /// touching TorchSharp (<see cref="LibTorchLocation"/> reads a folder's version before TorchSharp loads it).</summary>
    public static string? ShowConfig(IntPtr libTorchCpu) =>
        CallStringFunction(NativeLibrary.TryGetExport(libTorchCpu, ShowConfigSymbol, out var fn) ? fn : IntPtr.Zero);

    private const string ShowConfigSymbol = "_ZN2at11show_configB5cxx11Ev";

    /// <summary>libtorch's <c>at::get_mkldnn_version()</c>, e.g. "Intel(R) MKL-DNN v3.7.1 (Git Hash …)", or null.</summary>
    public static string? OneDnnVersion() => CallStringFunction(Export("_ZN2at18get_mkldnn_versionB5cxx11Ev"));

    private static string? CallStringFunction(IntPtr fn)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return null;
        if (fn == IntPtr.Zero) return null;
        // libstdc++'s std::string (new ABI): { char* data; size_t length; char local[16] } — 32 bytes. The string's heap
        // buffer (if any) is not freed: these are called once per process, for a report.
        var slot = Marshal.AllocHGlobal(32);
        try
        {
            Marshal.GetDelegateForFunctionPointer<StringReturningFn>(fn)(slot);
            var data = Marshal.ReadIntPtr(slot);
            var length = Marshal.ReadInt64(slot, 8);
            return length is > 0 and < 1 << 20 ? Marshal.PtrToStringUTF8(data, (int)length) : null;
        }
        finally { Marshal.FreeHGlobal(slot); }
    }
}
