namespace GanService.Tests.Torch;

/// <summary>TorchSharp's native library loads on this host (retargeted at build where libstdc++ is older than GCC 13)
/// and computes: a conv forward, backward and an SGD step checked against numbers worked out by hand.</summary>
public class TorchSharpLoadTests
{
    [Fact]
    public void Conv_forward_backward_and_sgd_step_match_hand_computation()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }).reshape(1, 1, 3, 3);
        var w = new TorchSharp.Modules.Parameter(torch.tensor(new float[] { 1, 0, 0, -1 }).reshape(1, 1, 2, 2));
        var b = new TorchSharp.Modules.Parameter(torch.tensor(new float[] { 0.5f }));
        var opt = torch.optim.SGD([w, b], learningRate: 0.01);

        var y = nn.functional.conv2d(x, w, b);        // y[i,j] = x[i,j] − x[i+1,j+1] + 0.5 = −3.5 everywhere
        Assert.Equal(new float[] { -3.5f, -3.5f, -3.5f, -3.5f }, y.flatten().data<float>().ToArray());
        var loss = y.square().sum();                  // 4 · 12.25 = 49
        Assert.Equal(49f, loss.item<float>(), 5);
        loss.backward();
        // dL/dy = 2y = −7; dL/dW[a,b] = −7 · Σ window sums: (1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9) = (12, 16, 24, 28)
        Assert.Equal(new float[] { -84, -112, -168, -196 }, w.grad!.flatten().data<float>().ToArray());
        Assert.Equal(-28f, b.grad!.item<float>(), 5);
        opt.step();                                   // W − 0.01 · grad
        var wAfter = w.detach().flatten().data<float>().ToArray();
        Assert.Equal(new[] { 1.84f, 1.12f, 1.68f, 0.96f }, wAfter.Select(v => MathF.Round(v, 5)).ToArray());
        Assert.Equal(0.78f, b.detach().item<float>(), 5);
    }

    [Fact]
    public void Output_copy_is_retargeted_only_when_the_host_lacks_glibcxx_3_4_32()
    {
        if (!OperatingSystem.IsLinux()) return; // the retarget exists only for Linux builds
        string outputLib = Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).Single();
        var libstdcxx = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6" }
            .First(File.Exists);
        bool hostHas32 = Contains(File.ReadAllBytes(libstdcxx), "GLIBCXX_3.4.32\0");
        bool outputImports32 = Contains(File.ReadAllBytes(outputLib), "_ZSt21ios_base_library_initv\0");
        Assert.Equal(hostHas32, outputImports32);
        // The package cache copy is never touched.
        string home = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cached = Directory.Exists(Path.Combine(home, "torchsharp"))
            ? Directory.GetFiles(Path.Combine(home, "torchsharp"), "libLibTorchSharp.so", SearchOption.AllDirectories) : [];
        foreach (var c in cached) Assert.True(Contains(File.ReadAllBytes(c), "_ZSt21ios_base_library_initv\0"), $"{c} was modified");
    }

    private static bool Contains(byte[] hay, string needle) =>
        hay.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(needle)) >= 0;
}
