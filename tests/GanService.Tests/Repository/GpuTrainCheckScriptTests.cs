using System.Diagnostics;

namespace GanService.Tests.Repository;

/// <summary>scripts/gpu-train-check.sh (issue 31, item 2) without a GPU: it checks the machine's PyTorch against
/// libtorch 2.10 first and stops at once (exit 3, the versions in summary.md) when it differs, and stops (exit 2) where
/// there is no NVIDIA driver — both before anything is unpacked or run. The PyTorch is a stand-in: a torch/version.py,
/// and a "python" that answers the script's one question (where torch is).</summary>
public sealed class GpuTrainCheckScriptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gan-gpu-train-check").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private (int Exit, string Output, string Summary) Run(string torchVersion)
    {
        var torch = Directory.CreateDirectory(Path.Combine(_dir, "site", "torch", "lib")).Parent!.FullName;
        File.WriteAllText(Path.Combine(torch, "version.py"), $"from typing import Optional\n__version__ = '{torchVersion}'\ncuda: Optional[str] = '13.0'\n");
        // A PATH with the shell tools the script's first steps use, a stand-in python, and no nvidia-smi.
        var bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        foreach (var tool in new[] { "bash", "dirname", "mkdir", "mktemp", "sed", "cat", "timeout" })
            if (new[] { "/usr/bin", "/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists) is { } path && !File.Exists(Path.Combine(bin, tool)))
                File.CreateSymbolicLink(Path.Combine(bin, tool), path);
        var python = Path.Combine(bin, "python");
        File.WriteAllText(python, $"#!{Path.Combine(bin, "bash")}\necho '{torch}'\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(python, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var output = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;

        var start = new ProcessStartInfo(Path.Combine(bin, "bash")) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryLayoutTests.Root() };
        start.ArgumentList.Add("scripts/gpu-train-check.sh");
        start.Environment["PATH"] = bin;
        start.Environment["OUT"] = output;
        start.Environment["GAN_TORCH_PYTHON"] = python;
        start.Environment.Remove("GPU_TRAIN_SELF_TEST");
        start.Environment.Remove("GAN_APP");
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(20_000), "gpu-train-check.sh did not stop within 20 s");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        return (p.ExitCode, stdout + stderr.Result, File.ReadAllText(Path.Combine(output, "summary.md")));
    }

    [Fact]
    public void Another_pytorch_version_stops_it_first_with_both_versions()
    {
        var (exit, output, summary) = Run("2.9.1+cu130");
        Assert.Equal(3, exit);
        Assert.Contains("PyTorch 2.9.1+cu130 is not libtorch 2.10.x (TorchSharp 0.107); training part not run", output);
        Assert.Contains("The machine's PyTorch is 2.9.1+cu130 (CUDA 13.0); TorchSharp 0.107 is built against libtorch 2.10.0", summary);
        Assert.Contains("Nothing was run.", summary);
    }

    [Fact]
    public void The_right_pytorch_without_an_nvidia_driver_stops_before_anything_runs()
    {
        var (exit, output, summary) = Run("2.10.0+cu130");
        Assert.Equal(2, exit);
        Assert.Contains("PyTorch 2.10.0+cu130 (CUDA 13.0)", output);
        Assert.Contains("no NVIDIA GPU/driver found: nvidia-smi is not installed", output);
        Assert.Contains("no NVIDIA GPU/driver found", summary);
    }
}
