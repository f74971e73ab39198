using GanService.Contracts;
using GanService.Tests.Onnx;
using GanService.Training.Export;
using GanService.Training.Families.StyleGan;
using GanService.Training.Onnx;
using Xunit.Abstractions;

namespace GanService.Tests.Families.StyleGan;

/// <summary>ONNX parity of the StyleGAN (2018) graphs against TorchSharp — the blur, the mapping with truncation (with and
/// without a cutoff), the synthesis with const, random and zero noise — and the package's manifest shape, which must be
/// StyleGAN2's so the service runs it the same way.</summary>
public class StyleGanExportTests(ITestOutputHelper log)
{
    internal static readonly StyleGanOptions Tiny = new()
    {
        Size = 16, Channels = 3, ZDim = 12, WDim = 10, MappingLayers = 3, FmapBase = 128, FmapMax = 16, Seed = 1,
    };

    /// <summary>A generator whose noise strengths, biases, styles and w_avg are off their initial values, so parity covers them.</summary>
    internal static StyleGanGenerator Perturbed(StyleGanOptions o, int seed = 1)
    {
        torch.manual_seed(seed);
        var g = new StyleGanGenerator(o);
        using var _ = torch.no_grad();
        foreach (var l in g.synthesis.Layers)
        {
            l.noise_strength.uniform_(0.2, 0.5);
            l.style.bias.uniform_(-0.3, 0.3);
            if (l.conv is not null) l.conv.bias.uniform_(-0.2, 0.2);
        }
        g.synthesis.@const.normal_();
        g.mapping.w_avg.copy_(torch.randn(o.WDim) * 0.5);
        g.eval();
        return g;
    }

    [Fact]
    public void Blur_matches_onnx_keeps_constants_and_is_not_the_identity()
    {
        var blur = new Blur2d(3);
        torch.manual_seed(2);
        var x = torch.randn(2, 3, 6, 5);
        float d = Parity.Layer(blur, x, log, "Blur2d");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
        using var _ = torch.no_grad();
        using var flat = blur.forward(torch.ones(1, 3, 8, 8));
        Assert.Equal(1f, flat[0, 1, 4, 4].item<float>(), 6);               // the kernel sums to 1
        Assert.Equal(0.75f, flat[0, 1, 0, 4].item<float>(), 6);            // zero padding at the border
        Assert.True((blur.forward(x) - x).abs().max().item<float>() > 0.1);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(3)]
    public void Mapping_graph_matches_torch_with_truncation(int? cutoff)
    {
        var g = Perturbed(Tiny);
        var (inputs, outputs) = StyleGanExportFamily.MappingIo(g, cutoff);
        torch.manual_seed(3);
        var z = torch.randn(3, Tiny.ZDim) * 1.7;
        var model = OnnxExporter.Export(g, inputs, outputs, (b, ins) => g.mapping.EmitGraph(b, ins[0], ins[1], cutoff));
        float d = Parity.Compare(OnnxExporter.ToBytes(model), [(inputs[0], z), (inputs[1], torch.tensor(new[] { 0.6f }))], outputs, g,
            t => cutoff is null
                ? [g.mapping.Truncate(g.mapping.Map(t[0]), 0.6)]
                : [g.mapping.Truncate(g.mapping.Map(t[0]), 0.6), g.mapping.MapWs(t[0], 0.6, cutoff)],
            log, $"mapping cutoff={cutoff?.ToString() ?? "none"}");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
    }

    [Fact]
    public void Synthesis_graph_with_const_noise_matches_torch()
    {
        var g = Perturbed(Tiny);
        var (inputs, outputs) = StyleGanExportFamily.SynthesisIo(g, noiseInputs: false);
        torch.manual_seed(4);
        var ws = torch.randn(2, g.NumWs, Tiny.WDim); // distinct rows: checks that each layer reads its own w
        var model = OnnxExporter.Export(g, inputs, outputs, (b, ins) => [g.synthesis.EmitGraph(b, ins[0], null)]);
        float d = Parity.Compare(OnnxExporter.ToBytes(model), [(inputs[0], ws)], outputs, g,
            t => [g.synthesis.Forward(t[0], g.synthesis.MaxLevel, 1, NoiseMode.Const)], log, "stylegan synthesis, const noise");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
        Assert.Equal(2, model.Graph.Node.Count(n => n.OpType == "Resize"));                // 8², 16²
        Assert.Equal(g.NumWs, model.Graph.Node.Count(n => n.OpType == "InstanceNormalization"));
    }

    [Theory]
    [InlineData(NoiseMode.Random)]
    [InlineData(NoiseMode.None)]
    public void Synthesis_graph_with_noise_inputs_matches_torch(NoiseMode mode)
    {
        var g = Perturbed(Tiny);
        var (inputs, outputs) = StyleGanExportFamily.SynthesisIo(g, noiseInputs: true);
        Assert.Equal(g.synthesis.NumNoiseInputs + 1, inputs.Length);
        torch.manual_seed(5);
        var ws = torch.randn(3, g.NumWs, Tiny.WDim);
        // What the service feeds for each mode: N(0, 1) maps for random, zeros for none.
        var feeds = new List<(OnnxIo, Tensor)> { (inputs[0], ws) };
        feeds.AddRange(inputs.Skip(1).Select(io => (io, mode == NoiseMode.Random ? torch.randn(3, 1, io.Shape[2], io.Shape[3]) : torch.zeros(3, 1, io.Shape[2], io.Shape[3]))));
        var model = OnnxExporter.Export(g, inputs, outputs, (b, ins) => [g.synthesis.EmitGraph(b, ins[0], ins.Skip(1).ToArray())]);
        var bytes = OnnxExporter.ToBytes(model);
        float d = Parity.Compare(bytes, feeds, outputs, g, t => [g.synthesis.Forward(t[0], g.synthesis.MaxLevel, 1, NoiseMode.Const, t.Skip(1).ToArray())],
            log, $"stylegan synthesis, noise inputs ({mode})");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
        if (mode == NoiseMode.None)
        {
            // Zero maps are the none mode, and the none mode is not the const one.
            d = Parity.Compare(bytes, feeds, outputs, g, t => [g.synthesis.Forward(t[0], g.synthesis.MaxLevel, 1, NoiseMode.None)], log, "zero maps = none");
            Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
            using var _ = torch.no_grad();
            float apart = (g.synthesis.Forward(ws, g.synthesis.MaxLevel, 1, NoiseMode.None) - g.synthesis.Forward(ws, g.synthesis.MaxLevel, 1, NoiseMode.Const)).abs().max().item<float>();
            Assert.True(apart > 1e-2, $"const and no noise give the same image (max |Δ| {apart})");
        }
    }

    [Fact]
    public void Export_family_writes_stylegan2s_three_graphs_and_style_spec()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sg1-export-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (draft, graphs) = FamilyRegistry.Get("stylegan").BuildExport("sg1-test", null, new Dictionary<string, string>
            {
                ["size"] = "16", ["zDim"] = "8", ["wDim"] = "8", ["mappingLayers"] = "2", ["fmapMax"] = "8", ["psi"] = "0.6", ["cutoff"] = "4",
            });
            var manifest = ModelPackage.Write(dir, draft, graphs);
            Assert.Equal("stylegan", manifest.Family);
            Assert.Equal(["mapping", "synthesis", "synthesis_noise"], manifest.Graphs.Select(x => x.Role));
            Assert.Equal(new StyleSpec(6, 8, 0.6f, 6), manifest.Style);              // 2 layers per level at 4², 8², 16²
            Assert.Equal(8, manifest.Latent!.Size);
            Assert.Equal("synthesis", manifest.MainGraph.Role);
            var mapping = manifest.Graphs[0];
            Assert.Equal([TensorRoles.Latent, TensorRoles.Psi], mapping.Inputs.Select(i => i.Role));
            Assert.Equal([TensorRoles.W, TensorRoles.Ws], mapping.Outputs.Select(o => o.Role));
            Assert.Equal([TensorRoles.Ws, .. Enumerable.Repeat(TensorRoles.Noise, 6)], manifest.Graphs[2].Inputs.Select(i => i.Role));
            var e = Assert.Throws<ArgumentException>(() => FamilyRegistry.Get("stylegan").BuildExport("x", null, new Dictionary<string, string> { ["psi"] = "high" }));
            Assert.Contains("psi", e.Message);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
