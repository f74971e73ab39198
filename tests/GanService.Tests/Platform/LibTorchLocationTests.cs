using System.Diagnostics;
using GanService.Training.Platform;
using Xunit.Abstractions;

namespace GanService.Tests.Platform;

/// <summary>
/// "Use this libtorch" (--libtorch / GAN_LIBTORCH, docs/platform.md "CUDA libtorch"), on the CPU: the version rule,
/// the version files, and `gan doctor` in fresh processes — refusing a missing folder, a folder of another version
/// (before loading it), a second libtorch beside the one a default build ships, and a build without libtorch given none;
/// and, in a copy of the CLI without its libtorch (what -p:GanLibTorch=external publishes), loading a libtorch 2.10
/// folder and saying so. The CUDA side runs on a GPU machine only (scripts/gpu-train-check.sh).
/// </summary>
public sealed class LibTorchLocationTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gan-libtorch").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData("2.10.0", true)]
    [InlineData("2.10.0+cu130", true)]
    [InlineData("2.10.1", true)]
    [InlineData("2.10.0a0+git1234", true)]
    [InlineData("2.1.0", false)]
    [InlineData("2.11.0+cu130", false)]
    [InlineData("1.13.0a0", false)]
    [InlineData("", false)]
    public void Only_libtorch_2_10_matches(string version, bool matches) =>
        Assert.Equal(matches, LibTorchLocation.Matches(version));

    [Fact]
    public void The_version_of_a_pytorch_install_or_an_unpacked_libtorch_is_read_from_its_file()
    {
        var wheel = Directory.CreateDirectory(Path.Combine(_dir, "site", "torch", "lib")).FullName;
        File.WriteAllText(Path.Combine(_dir, "site", "torch", "version.py"), "from typing import Optional\n__version__ = '2.10.0+cu130'\ncuda: Optional[str] = '13.0'\n");
        Assert.Equal(("2.10.0+cu130", "torch/version.py"), LibTorchLocation.VersionFile(wheel));
        var zip = Directory.CreateDirectory(Path.Combine(_dir, "libtorch", "lib")).FullName;
        File.WriteAllText(Path.Combine(_dir, "libtorch", "build-version"), "2.9.1+cu128\n");
        Assert.Equal(("2.9.1+cu128", "build-version"), LibTorchLocation.VersionFile(zip + "/"));
        Assert.Null(LibTorchLocation.VersionFile(Directory.CreateDirectory(Path.Combine(_dir, "bare", "lib")).FullName));
    }

    [Fact]
    public void A_missing_folder_is_refused_with_the_reason()
    {
        var (exit, output) = Doctor(AppContext.BaseDirectory, ["--libtorch", Path.Combine(_dir, "nowhere")]);
        Assert.Equal(2, exit);
        Assert.Contains("no such folder", output);
    }

    [Fact]
    public void A_folder_of_another_version_is_refused_before_anything_in_it_is_loaded()
    {
        // Empty files under libtorch's names: loading any of them would fail with a loader error, not this message.
        var lib = Directory.CreateDirectory(Path.Combine(_dir, "torch", "lib")).FullName;
        foreach (var name in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" }) File.WriteAllBytes(Path.Combine(lib, name), []);
        File.WriteAllText(Path.Combine(_dir, "torch", "version.py"), "__version__ = '2.9.0+cu126'\n");
        var (exit, output) = Doctor(AppContext.BaseDirectory, [], new() { [LibTorchLocation.Variable] = lib });
        log.WriteLine(output);
        Assert.Equal(2, exit);
        Assert.Contains("libtorch 2.9.0+cu126 (from torch/version.py) does not match TorchSharp 0.107", output);
        Assert.Contains("built against libtorch 2.10.0", output);
        Assert.DoesNotContain("does not load", output);
    }

    [Fact]
    public void A_folder_without_libtorch_is_refused_naming_what_is_missing()
    {
        var lib = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        var (exit, output) = Doctor(AppContext.BaseDirectory, ["--libtorch", lib]);
        Assert.Equal(2, exit);
        Assert.Contains("not a libtorch lib folder (libc10.so, libtorch_cpu.so, libtorch.so missing", output);
    }

    [Fact]
    public void Beside_the_libtorch_a_default_build_ships_a_second_one_is_refused()
    {
        var (exit, output) = Doctor(AppContext.BaseDirectory, ["--libtorch", LibTorchFolder()]);
        log.WriteLine(output);
        Assert.Equal(2, exit);
        Assert.Contains("this build ships its own libtorch", output);
        Assert.Contains("-p:GanLibTorch=external", output);
    }

    [Fact]
    public void A_build_without_libtorch_loads_the_named_folder_and_doctor_says_so()
    {
        var app = CopyWithoutLibTorch();
        var folder = LibTorchFolder();
        var (exit, output) = Doctor(app, ["--libtorch", folder]);
        log.WriteLine(output);
        Assert.Equal(0, exit);
        Assert.Contains($"libtorch      {folder} (from --libtorch or GAN_LIBTORCH; libtorch 2.10.0)", output);
        Assert.Contains("torchsharp    0.107.0; libtorch 2.10.0", output);
        Assert.Contains("libtorch here is the CPU build", output);
        Assert.Contains("cuda check    not run (no CUDA device)", output);

        // The same build given no folder says what it needs instead of TorchSharp's NuGet advice.
        (exit, output) = Doctor(app, []);
        Assert.Equal(2, exit);
        Assert.Contains("this build carries no libtorch (built with -p:GanLibTorch=external)", output);
    }

    [Fact]
    public void The_cuda_training_settings_reach_libtorch()
    {
        // The switches exist in the CPU build too (flags in at::Context): this checks the P/Invoke names and the wrappers.
        bool tf32 = torch.backends.cudnn.allow_tf32, matmul = torch.backends.cuda.matmul.allow_tf32;
        bool? benchmark = LibTorchNative.CudnnBenchmark;
        try
        {
            torch.backends.cudnn.allow_tf32 = true;
            LibTorchNative.SetCudnnBenchmark(false);
            Assert.True(ConvolutionBackend.ApplyCudaTrainingSettings());
            Assert.False(torch.backends.cudnn.allow_tf32);
            Assert.False(torch.backends.cuda.matmul.allow_tf32);
            Assert.True(LibTorchNative.CudnnBenchmark);
        }
        finally
        {
            torch.backends.cudnn.allow_tf32 = tf32;
            torch.backends.cuda.matmul.allow_tf32 = matmul;
            if (benchmark is { } b) LibTorchNative.SetCudnnBenchmark(b);
        }
    }

    /// <summary>A folder holding (links to) the libtorch 2.10 this test build ships: what a PyTorch's torch/lib is to
    /// a CUDA machine, without a GPU.</summary>
    private string LibTorchFolder()
    {
        var shipped = LibTorchLocation.Shipped() ?? throw new InvalidOperationException("the test build ships no libtorch");
        var lib = Directory.CreateDirectory(Path.Combine(_dir, "pytorch", "torch", "lib")).FullName;
        foreach (var file in Directory.GetFiles(shipped).Where(f => Path.GetFileName(f) is var n && (n.StartsWith("libtorch", StringComparison.Ordinal) ||
                     n.StartsWith("libc10", StringComparison.Ordinal) || n.StartsWith("libgomp", StringComparison.Ordinal))))
            File.CreateSymbolicLink(Path.Combine(lib, Path.GetFileName(file)), file);
        return lib;
    }

    /// <summary>The CLI as this test build has it, less libtorch: its managed files and the linux-x64 natives (TorchSharp's
    /// libLibTorchSharp.so, ONNX Runtime), copied, since the host resolves a linked app to where the links point.</summary>
    private string CopyWithoutLibTorch()
    {
        var app = Directory.CreateDirectory(Path.Combine(_dir, "app")).FullName;
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory))
            File.Copy(file, Path.Combine(app, Path.GetFileName(file)));
        var natives = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        var target = Directory.CreateDirectory(Path.Combine(app, "runtimes", "linux-x64", "native")).FullName;
        foreach (var file in Directory.GetFiles(natives).Where(f => Path.GetFileName(f) is var n && !n.StartsWith("libtorch", StringComparison.Ordinal) && n != "libc10.so"))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return app;
    }

    private static (int Exit, string Output) Doctor(string app, string[] args, Dictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(app, "gan.dll"), "doctor", .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment[ConvolutionBackend.SettingVariable] = "off"; // the probe is ConvolutionBackendTests' subject, not this one's
        psi.Environment.Remove(LibTorchLocation.Variable);
        foreach (var (k, v) in environment ?? []) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(50_000), "gan doctor did not finish in 50 s");
        return (p.ExitCode, stdout + stderr.Result);
    }
}
