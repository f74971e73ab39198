using System.Text.Json;

namespace GanService.Tests.Repository;

/// <summary>Issue 31, checked without a GPU or the CUDA packages (they are not served here, so nothing is restored): which
/// libtorch the training library references under <c>-p:GanLibTorch=cpu|cuda|external</c> (MSBuild evaluation only),
/// that the default is unchanged, and that an unknown value fails the build with the reason.</summary>
public class TorchPackagingTests
{
    private static (int Exit, string Output) Msbuild(params string[] args) =>
        GpuPackagingTests.Run(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet",
            ["msbuild", "training/GanService.Training/GanService.Training.csproj", "-nologo", .. args]);

    /// <summary>The torch packages referenced, and the version Directory.Packages.props pins for each.</summary>
    private static string[] TorchPackages(params string[] properties)
    {
        var (exit, output) = Msbuild(["-getItem:PackageReference", "-getItem:PackageVersion", .. properties.Select(p => "-p:" + p)]);
        Assert.True(exit == 0, output);
        var items = JsonDocument.Parse(output).RootElement.GetProperty("Items");
        var versions = items.GetProperty("PackageVersion").EnumerateArray()
            .ToDictionary(i => i.GetProperty("Identity").GetString()!, i => i.GetProperty("Version").GetString()!);
        return items.GetProperty("PackageReference").EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!)
            .Where(n => n.Contains("torch", StringComparison.OrdinalIgnoreCase))
            .Select(n => $"{n} {versions[n]}").Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public void The_default_build_references_the_cpu_libtorch_as_before()
    {
        Assert.Equal(["TorchSharp 0.107.0", "libtorch-cpu-linux-x64 2.10.0"], TorchPackages("GanTorchLinuxOnly=true"));
        Assert.Equal(["TorchSharp-cpu 0.107.0"], TorchPackages("GanTorchLinuxOnly=false"));
        Assert.Equal(TorchPackages("GanTorchLinuxOnly=true"), TorchPackages("GanTorchLinuxOnly=true", "GanLibTorch=cpu"));
    }

    [Fact]
    public void GanLibTorch_cuda_references_the_cuda_libtorch_of_the_same_line()
    {
        Assert.Equal(["TorchSharp 0.107.0", "libtorch-cuda-12.8-linux-x64 2.10.0"], TorchPackages("GanLibTorch=cuda"));
    }

    [Fact]
    public void GanLibTorch_external_references_no_libtorch()
    {
        Assert.Equal(["TorchSharp 0.107.0"], TorchPackages("GanLibTorch=external"));
    }

    [Fact]
    public void An_unknown_GanLibTorch_fails_the_build_saying_why()
    {
        var (exit, output) = Msbuild("-t:CollectPackageReferences", "-p:GanLibTorch=rocm");
        Assert.NotEqual(0, exit);
        Assert.Contains("GanLibTorch=rocm: expected cpu, cuda or external", output);
    }
}
