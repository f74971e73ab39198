using GanService.Tests.Onnx;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Training;
using Xunit.Abstractions;

namespace GanService.Tests.Families.StyleGan2;

/// <summary>
/// Parity of the exported graphs on TRAINED weights (learned noise strengths, moved w_avg): G_ema of a checkpoint named
/// by GAN_STYLEGAN2_CHECKPOINT (e.g. the shipped model's run), otherwise of a tiny model trained here for a few steps.
/// </summary>
public class StyleGan2TrainedParityTests(ITestOutputHelper log)
{
    private StyleGan2Generator TrainedGenerator()
    {
        var checkpoint = Environment.GetEnvironmentVariable("GAN_STYLEGAN2_CHECKPOINT");
        if (!string.IsNullOrEmpty(checkpoint))
        {
            var (_, options) = Checkpoint.ReadOptions<StyleGan2TrainOptions>(checkpoint);
            var g = new StyleGan2Generator(options.Arch);
            Checkpoint.LoadModule(checkpoint, "G_ema", g);
            log.WriteLine($"checkpoint {checkpoint}, step {Checkpoint.ReadState(checkpoint).Step}");
            return g;
        }
        var tiny = new StyleGan2TrainOptions
        {
            Arch = new StyleGan2Architecture { Resolution = 8, ZDim = 8, WDim = 8, ChannelBase = 64, ChannelMax = 8 },
            Batch = 8, Out = Path.GetTempPath(), LearningRateG = 0.02, // a large lr so few steps move every parameter
        };
        torch.manual_seed(3);
        using var data = StyleGanImageFolder.FromTensor(torch.rand(16, 3, 8, 8) * 2 - 1);
        var trainer = new StyleGan2Trainer(tiny);
        for (int i = 0; i < 5; i++) TrainingLoop.Step(trainer, data);
        return trainer.GEma;
    }

    [Fact]
    public void Exported_graphs_match_torch_on_trained_weights()
    {
        var g = TrainedGenerator();
        g.eval();
        Assert.NotEqual(0f, g.mapping.w_avg.abs().sum().item<float>());
        Assert.Contains(g.synthesis.NoiseLayers, l => l.noise_strength.item<float>() != 0);
        torch.manual_seed(9);
        var z = torch.randn(4, g.Arch.ZDim);
        var (mi, mo) = StyleGan2ExportFamily.MappingIo(g, null);
        var graphs = StyleGan2ExportFamily.Graphs(g);
        float dm = Parity.Compare(global::GanService.Training.Onnx.OnnxExporter.ToBytes(graphs[0].Model), [(mi[0], z), (mi[1], torch.tensor(new[] { 0.7f }))], mo, g,
            t => [g.mapping.Truncate(g.mapping.Map(t[0]), 0.7)], log, "trained mapping ψ 0.7");
        Tensor ws;
        using (torch.no_grad()) ws = g.mapping.MapWs(z, 0.7);
        var (si, so) = StyleGan2ExportFamily.SynthesisIo(g, false);
        float ds = Parity.Compare(global::GanService.Training.Onnx.OnnxExporter.ToBytes(graphs[1].Model), [(si[0], ws)], so, g,
            t => [g.synthesis.Forward(t[0], NoiseMode.Const)], log, "trained synthesis const");
        Assert.True(dm <= Parity.Tolerance && ds <= Parity.Tolerance, $"mapping {dm}, synthesis {ds}");
    }
}
