using System.Diagnostics;
using System.Text.Json;

namespace GanService.Tests.Repository;

/// <summary>Issue 16 item 4, checked without a GPU: which ONNX Runtime package a build references (MSBuild evaluation
/// only, nothing restored), and that scripts/gpu-check.sh stops at once, saying why, where there is no NVIDIA driver.</summary>
public class GpuPackagingTests
{
    /// <summary>Runs a program from the repository root; fails the test past <paramref name="timeoutMs"/>.</summary>
    internal static (int Exit, string Output) Run(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null, int timeoutMs = 50_000)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryLayoutTests.Root() };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} did not finish within {timeoutMs / 1000} s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string[] OnnxRuntimePackages(params string[] properties)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var (exit, output) = Run(dotnet, ["msbuild", "src/GanService.Inference/GanService.Inference.csproj", "-getItem:PackageReference",
            .. properties.Select(p => "-p:" + p)]);
        Assert.True(exit == 0, output);
        return JsonDocument.Parse(output).RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray()
            .Select(i => i.GetProperty("Identity").GetString()!).Where(n => n.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.Ordinal)).ToArray();
    }

    [Fact]
    public void A_linux_gpu_build_references_only_the_linux_cuda_package()
    {
        Assert.Equal(["Microsoft.ML.OnnxRuntime.Gpu.Linux"], OnnxRuntimePackages("GanUseGpu=true", "RuntimeIdentifier=linux-x64"));
        Assert.Equal(["Microsoft.ML.OnnxRuntime.Gpu"], OnnxRuntimePackages("GanUseGpu=true", "RuntimeIdentifier=win-x64"));
        Assert.Equal(["Microsoft.ML.OnnxRuntime"], OnnxRuntimePackages("RuntimeIdentifier=linux-x64"));
    }

    [Fact]
    public void Gpu_check_without_an_nvidia_driver_exits_at_once_saying_so()
    {
        // A PATH with the shell tools but no nvidia-smi: this machine has none, and a GPU machine is made to look like it.
        var bin = Path.Combine(Path.GetTempPath(), "gan-gpucheck-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(bin);
        try
        {
            foreach (var tool in new[] { "bash", "dirname", "timeout", "cat" })
                if (new[] { "/usr/bin", "/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists) is { } path)
                    File.CreateSymbolicLink(Path.Combine(bin, tool), path);
            var clock = Stopwatch.StartNew();
            var (exit, output) = Run(Path.Combine(bin, "bash"), ["scripts/gpu-check.sh"], new Dictionary<string, string> { ["PATH"] = bin }, timeoutMs: 20_000);
            Assert.Equal(2, exit);
            Assert.Contains("no NVIDIA GPU/driver found", output);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        }
        finally { Directory.Delete(bin, recursive: true); }
    }

    [Fact]
    public void Gpu_check_given_a_folder_without_the_api_publish_refuses_it_before_publishing_anything()
    {
        // GPU_CHECK_API is the way in on a GPU machine without .NET: a folder that is not a self-contained publish must be
        // named as the problem at once, not end in a missing dotnet or a server that never starts.
        var empty = Path.Combine(Path.GetTempPath(), "gan-gpucheck-api-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(empty);
        try
        {
            var (exit, output) = Run("/bin/bash", ["scripts/gpu-check.sh"],
                new Dictionary<string, string> { ["GPU_CHECK_SELF_TEST"] = "1", ["GPU_CHECK_API"] = empty }, timeoutMs: 20_000);
            Assert.Equal(2, exit);
            Assert.Contains($"GPU_CHECK_API={empty} holds no GanService.Api executable", output);
            Assert.DoesNotContain("publishing", output);
        }
        finally { Directory.Delete(empty, recursive: true); }
    }
}
