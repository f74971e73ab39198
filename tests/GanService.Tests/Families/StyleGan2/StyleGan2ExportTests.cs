using GanService.Tests.Onnx;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Onnx;
using Xunit.Abstractions;

namespace GanService.Tests.Families.StyleGan2;

/// <summary>ONNX parity of both StyleGAN2 graphs (random weights with non-trivial noise strengths and w_avg) and the
/// fused = non-fused modulated-convolution identity.</summary>
public class StyleGan2ExportTests(ITestOutputHelper log)
{
    private static readonly StyleGan2Architecture Tiny = new()
    {
        Resolution = 16, ZDim = 12, WDim = 10, MappingLayers = 3, ChannelBase = 128, ChannelMax = 16,
    };

    /// <summary>A generator whose noise strengths, biases and w_avg are not at their (zero) init, so parity covers them.</summary>
    internal static StyleGan2Generator Perturbed(StyleGan2Architecture arch, int seed = 1)
    {
        torch.manual_seed(seed);
        var g = new StyleGan2Generator(arch);
        using var _ = torch.no_grad();
        foreach (var l in g.synthesis.NoiseLayers)
        {
            l.noise_strength.fill_(0.3);
            l.bias.uniform_(-0.2, 0.2);
        }
        g.mapping.w_avg.copy_(torch.randn(arch.WDim) * 0.5);
        g.eval();
        return g;
    }

    [Fact]
    public void FirUpsample_matches_onnx_and_keeps_constants()
    {
        var up = new FirUpsample2d(3);
        var x = torch.randn(2, 3, 5, 7);
        float d = Parity.Layer(up, x, log, "FirUpsample2d");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
        using var y = up.forward(torch.ones(1, 3, 8, 8));
        Assert.Equal([1L, 3, 16, 16], y.shape);
        // Away from the border the [1,3,3,1] filter with gain 4 reproduces a constant exactly.
        Assert.Equal(1f, y[0, 0, 8, 8].item<float>(), 5);
    }

    [Fact]
    public void EqualizedLinear_folds_runtime_gains_into_onnx()
    {
        torch.manual_seed(2);
        var fc = new EqualizedLinear(7, 5, biasInit: 0.5, lrMultiplier: 0.01, lrelu: true);
        float d = Parity.Layer(fc, torch.randn(4, 7), log, "EqualizedLinear lr_mul 0.01 lrelu");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(2)]
    public void Mapping_graph_matches_torch_with_truncation(int? cutoff)
    {
        var g = Perturbed(Tiny);
        var (inputs, outputs) = StyleGan2ExportFamily.MappingIo(g, cutoff);
        torch.manual_seed(3);
        var z = torch.randn(3, Tiny.ZDim) * 1.7;
        var psi = torch.tensor(new[] { 0.6f });
        var model = OnnxExporter.Export(g, inputs, outputs, (b, ins) => g.mapping.EmitGraph(b, ins[0], ins[1], cutoff));
        float d = Parity.Compare(OnnxExporter.ToBytes(model), [(inputs[0], z), (inputs[1], psi)], outputs, g,
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
        var (inputs, outputs) = StyleGan2ExportFamily.SynthesisIo(g, noiseInputs: false);
        torch.manual_seed(4);
        var ws = torch.randn(2, g.NumWs, Tiny.WDim); // distinct rows: checks each layer reads its own w
        var model = OnnxExporter.Export(g, inputs, outputs, (b, ins) => [g.synthesis.EmitGraph(b, ins[0], null)]);
        float d = Parity.Compare(OnnxExporter.ToBytes(model), [(inputs[0], ws)], outputs, g,
            t => [g.synthesis.Forward(t[0], NoiseMode.Const)], log, "synthesis const noise");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
    }

    [Fact]
    public void Synthesis_graph_with_noise_inputs_matches_torch()
    {
        var g = Perturbed(Tiny);
        var (inputs, outputs) = StyleGan2ExportFamily.SynthesisIo(g, noiseInputs: true);
        Assert.Equal(g.synthesis.NumNoiseInputs + 1, inputs.Length);
        torch.manual_seed(5);
        var ws = torch.randn(3, g.NumWs, Tiny.WDim);
        var feeds = new List<(OnnxIo, Tensor)> { (inputs[0], ws) };
        feeds.AddRange(inputs.Skip(1).Select(io => (io, torch.randn(3, 1, io.Shape[2], io.Shape[3]))));
        var model = OnnxExporter.Export(g, inputs, outputs, (b, ins) => [g.synthesis.EmitGraph(b, ins[0], ins.Skip(1).ToArray())]);
        float d = Parity.Compare(OnnxExporter.ToBytes(model), feeds, outputs, g,
            t => [g.synthesis.Forward(t[0], NoiseMode.None, t.Skip(1).ToArray())], log, "synthesis noise inputs");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
    }

    [Fact]
    public void Non_fused_modulation_equals_fused_per_sample_weights()
    {
        var g = Perturbed(Tiny, seed: 6);
        torch.manual_seed(7);
        using var _ = torch.no_grad();
        var ws = torch.randn(3, g.NumWs, Tiny.WDim);
        var nonFused = g.synthesis.Forward(ws, NoiseMode.Const);
        var fused = g.synthesis.ForwardFused(ws, NoiseMode.Const);
        float d = (nonFused - fused).abs().max().item<float>();
        log.WriteLine($"fused vs non-fused synthesis: max |Δ| = {d:E2} (output std {nonFused.std().item<float>():F3})");
        Assert.True(d <= 1e-4f, $"max |Δ| {d}");
        // And it is not trivially equal: a different style changes the image.
        Assert.True((g.synthesis.Forward(ws.flip(0), NoiseMode.Const) - nonFused).abs().max().item<float>() > 1e-2);
    }

    [Fact]
    public void Conv_clamp_limits_each_layer_and_the_onnx_clip_matches_torch()
    {
        // A clamp low enough that many activations reach it (this Tiny network's layer outputs reach ~±3).
        var clamped = Tiny with { ConvClamp = 0.6 };
        var g = Perturbed(clamped);
        var free = Perturbed(Tiny);
        torch.manual_seed(8);
        var ws = torch.randn(2, g.NumWs, Tiny.WDim) * 2;
        using (torch.no_grad())
        {
            var layer = g.synthesis.Blocks[1].conv1;
            var x = g.synthesis.Blocks[1].conv0!.Forward(torch.randn(2, layer.InChannels, 4, 4) * 3, ws[.., 1], NoiseMode.Const);
            var y = layer.Forward(x, ws[.., 2], NoiseMode.Const);
            Assert.True(y.abs().max().item<float>() <= 0.6f + 1e-6f);
            Assert.True(y.abs().ge(0.6f - 1e-6f).sum().item<long>() > 0, "the clamp never engaged: the test would not see it");
            float changed = (g.synthesis.Forward(ws) - free.synthesis.Forward(ws)).abs().max().item<float>();
            log.WriteLine($"image change made by conv_clamp 0.6: max |Δ| = {changed:F3}");
            Assert.True(changed > 1e-2, "same weights with and without the clamp gave the same image");
        }
        foreach (bool noiseInputs in new[] { false, true })
        {
            var (inputs, outputs) = StyleGan2ExportFamily.SynthesisIo(g, noiseInputs);
            var feeds = new List<(OnnxIo, Tensor)> { (inputs[0], ws) };
            feeds.AddRange(inputs.Skip(1).Select(io => (io, torch.randn(2, 1, io.Shape[2], io.Shape[3]))));
            var model = OnnxExporter.Export(g, inputs, outputs, (b, ins) => [g.synthesis.EmitGraph(b, ins[0], noiseInputs ? ins.Skip(1).ToArray() : null)]);
            float d = Parity.Compare(OnnxExporter.ToBytes(model), feeds, outputs, g,
                t => [g.synthesis.Forward(t[0], NoiseMode.Const, noiseInputs ? t.Skip(1).ToArray() : null)], log, $"synthesis conv_clamp 0.6, noise inputs {noiseInputs}");
            Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
            Assert.Contains(model.Graph.Node, n => n.OpType == "Clip");
        }
    }

    [Fact]
    public void Unclamped_architecture_emits_no_clip()
    {
        var g = Perturbed(Tiny);
        var (inputs, outputs) = StyleGan2ExportFamily.SynthesisIo(g, noiseInputs: false);
        var model = OnnxExporter.Export(g, inputs, outputs, (b, ins) => [g.synthesis.EmitGraph(b, ins[0], null)]);
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "Clip");
    }

    [Fact]
    public void Explicit_channel_table_overrides_the_base_max_formula()
    {
        // Not expressible as min(base/res, max): channels grow from 8² to 16².
        var arch = Tiny with { Channels = [12, 6, 10] };
        var g = Perturbed(arch);
        Assert.Equal([12L, 6, 10], arch.ChannelTable());
        Assert.Equal([12L, 6, 10], g.synthesis.Blocks.Select(b => b.conv1.OutChannels));
        Assert.Equal(12, g.synthesis.Blocks[1].conv0!.InChannels);
        var (inputs, outputs) = StyleGan2ExportFamily.SynthesisIo(g, noiseInputs: false);
        torch.manual_seed(9);
        var ws = torch.randn(2, g.NumWs, Tiny.WDim);
        var model = OnnxExporter.Export(g, inputs, outputs, (b, ins) => [g.synthesis.EmitGraph(b, ins[0], null)]);
        float d = Parity.Compare(OnnxExporter.ToBytes(model), [(inputs[0], ws)], outputs, g,
            t => [g.synthesis.Forward(t[0], NoiseMode.Const)], log, "synthesis explicit channel table");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
        Assert.Throws<ArgumentException>(() => new StyleGan2Generator(Tiny with { Channels = [12, 6] }));
    }

    [Fact]
    public void Export_family_writes_three_graphs_and_style_spec()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sg2-export-" + Guid.NewGuid().ToString("N"));
        try
        {
            var family = GanService.Training.Export.FamilyRegistry.Get("stylegan2");
            var (draft, graphs) = family.BuildExport("sg-test", null, new Dictionary<string, string>
            {
                ["size"] = "16", ["z_dim"] = "8", ["w_dim"] = "8", ["channel_base"] = "64", ["channel_max"] = "8",
            });
            var manifest = GanService.Training.Export.ModelPackage.Write(dir, draft, graphs);
            Assert.Equal("stylegan2", manifest.Family);
            Assert.Equal(["mapping", "synthesis", "synthesis_noise"], manifest.Graphs.Select(x => x.Role));
            Assert.Equal(new GanService.Contracts.StyleSpec(6, 8, 0.7f, 5), manifest.Style);
            Assert.Equal(8, manifest.Latent!.Size);
            Assert.Equal("synthesis", manifest.MainGraph.Role);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
