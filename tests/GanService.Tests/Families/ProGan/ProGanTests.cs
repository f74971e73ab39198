using System.Text.Json.Nodes;
using GanService.Tests.Onnx;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Families.ProGan;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Onnx;
using GanService.Training.Training;
using Xunit.Abstractions;

namespace GanService.Tests.Families.ProGan;

public class ProGanTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData(3, 8, 3, true)]
    [InlineData(8, 3, 1, false)]
    [InlineData(5, 6, 3, false)]
    public void EqualizedConv2d_folds_its_gain_into_onnx(int cin, int cout, int k, bool lrelu)
    {
        torch.manual_seed(cin * 10 + k);
        var conv = new EqualizedConv2d(cin, cout, k, lrelu);
        using (torch.no_grad()) conv.bias.uniform_(-0.5, 0.5); // bias starts at 0; a non-zero one checks its folding too
        float d = Parity.Layer(conv, torch.randn(2, cin, 7, 9), log, $"EqualizedConv2d {cin}->{cout} k{k} lrelu={lrelu}");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
    }

    [Fact]
    public void Schedule_stabilises_4x4_then_fades_in_and_stabilises_each_level()
    {
        // Phases of 100 images, grown to 16² (max level 2): 4² [0,100), fade 8² [100,200), 8² [200,300), fade 16² [300,400), 16² after.
        Assert.Equal(new ProGanSchedule(0, 1), ProGanSchedule.At(0, 100, 2));
        Assert.Equal(new ProGanSchedule(0, 1), ProGanSchedule.At(99, 100, 2));
        Assert.Equal(new ProGanSchedule(1, 0), ProGanSchedule.At(100, 100, 2));
        Assert.Equal(new ProGanSchedule(1, 0.25), ProGanSchedule.At(125, 100, 2));
        Assert.Equal(new ProGanSchedule(1, 1), ProGanSchedule.At(200, 100, 2));
        Assert.Equal(new ProGanSchedule(2, 0.5), ProGanSchedule.At(350, 100, 2));
        Assert.Equal(new ProGanSchedule(2, 1), ProGanSchedule.At(400, 100, 2));
        Assert.Equal(new ProGanSchedule(2, 1), ProGanSchedule.At(10_000, 100, 2));
        Assert.Equal(16, ProGanSchedule.At(10_000, 100, 2).Resolution);
    }

    private static ProGanOptions Tiny(string dir) => new()
    {
        Size = 8, Channels = 3, ZDim = 16, FmapBase = 64, FmapMax = 16, PhaseImages = 64, Batch = 8, Out = dir, Seed = 3,
        CheckpointMinutes = 100, SampleCount = 4, Data = "synthetic",
    };

    [Fact]
    public void Generator_at_final_resolution_matches_onnx()
    {
        var o = Tiny("") with { Size = 16, FmapMax = 16 };
        var (g, _, _) = ProGanTrainer.Build(o);
        using (torch.no_grad()) foreach (var p in g.parameters().Where(p => p.dim() == 1)) p.uniform_(-0.3, 0.3); // non-zero biases
        var (inputs, outputs) = g.OnnxSignature();
        torch.manual_seed(5);
        float diff = Parity.MaxAbsDiff(g, [(inputs[0], torch.randn(3, o.ZDim))], outputs, t => [g.Forward(t[0], g.MaxLevel, 1)], log, "ProGAN 16²");
        Assert.True(diff <= Parity.Tolerance, $"max |Δ| {diff}");
        var nodes = OnnxExporter.Export(g, inputs, outputs).Graph.Node.Select(n => n.OpType).ToList();
        Assert.Equal(2, nodes.Count(t => t == "Resize")); // the blocks' two ×2 upsamplings (8², 16²); no upsampled toRGB to blend

    }

    /// <summary>Solid-colour 8² images: a tiny set the networks can fit in a few dozen steps.</summary>
    private static StyleGanImageFolder Synthetic()
    {
        torch.manual_seed(11);
        var colour = torch.tensor(new float[] { 0.8f, -0.6f, 0.2f }).reshape(1, 3, 1, 1);
        return StyleGanImageFolder.FromTensor((colour + torch.randn(32, 3, 1, 1) * 0.1).expand(32, 3, 8, 8).contiguous());
    }

    private static List<(double Resolution, double Alpha)> ScheduleColumns(string dir) =>
        File.ReadAllLines(Path.Combine(dir, TrainingRun.MetricsFile)).Select(l => JsonNode.Parse(l)!)
            .Select(j => (j["resolution"]!.GetValue<double>(), j["alpha"]!.GetValue<double>())).ToList();

    [Fact]
    [Trait("Category", "Slow")]
    public void Grows_through_a_fade_in_and_alpha_reaches_one_on_a_tiny_set()
    {
        var dir = Path.Combine(Path.GetTempPath(), "progan-grow-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var data = Synthetic();
            // A large lr and a short EMA so 20 steps visibly move G_ema toward the data's colour.
            using var trainer = new ProGanTrainer(Tiny(dir) with { MaxSteps = 20, LrG = 1e-2, LrD = 1e-2, EmaBeta = 0.5 });
            var before = ProGanTrainer.Sample(trainer.GEma, [0, 1, 2, 3], new ProGanSchedule(1, 1));
            trainer.Train(data, false, TextWriter.Null);
            var columns = ScheduleColumns(dir);
            Assert.Equal(20, columns.Count);
            // Phases of 64 images at batch 8 = 8 steps: 4² for steps 0–7, fade-in of 8² for 8–15 (α 0, ⅛, …, ⅞), then 8² at α 1.
            Assert.All(columns.Take(8), c => Assert.Equal((4.0, 1.0), c));
            Assert.Equal(Enumerable.Range(0, 8).Select(i => (8.0, i / 8.0)), columns.Skip(8).Take(8));
            Assert.All(columns.Skip(16), c => Assert.Equal((8.0, 1.0), c));
            Assert.Equal(new ProGanSchedule(1, 1), trainer.Schedule);
            var after = ProGanTrainer.Sample(trainer.GEma, [0, 1, 2, 3], trainer.Schedule);
            double Error(List<Tensor> images) => images.Average(i => (i - data.Images[0]).abs().mean().item<float>());
            log.WriteLine($"mean |G_ema − data| at 8²: untrained {Error(before):F3}, after 20 steps {Error(after):F3}");
            Assert.True(Error(after) < 0.8 * Error(before), "the grown generator did not move toward the data");
            Assert.True(File.Exists(Path.Combine(dir, "samples", "epoch_001.png")));
            // Grown to its final size: it exports, G_ema by default, the live G with weights=G.
            var family = FamilyRegistry.Get("progan");
            var (emaDraft, ema) = family.BuildExport("t", Path.Combine(dir, "checkpoint"), new Dictionary<string, string>());
            var (liveDraft, live) = family.BuildExport("t", Path.Combine(dir, "checkpoint"), new Dictionary<string, string> { ["weights"] = "G" });
            Assert.NotEqual(OnnxExporter.ToBytes(ema[0].Model), OnnxExporter.ToBytes(live[0].Model));
            Assert.Contains("EMA generator β 0.5", emaDraft.Training!.Steps);
            Assert.Contains("live generator", liveDraft.Training!.Steps);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Resume_continues_the_growing_schedule_where_it_stopped()
    {
        var dir = Path.Combine(Path.GetTempPath(), "progan-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var data = Synthetic();
            using (var first = new ProGanTrainer(Tiny(dir) with { MaxSteps = 11 })) first.Train(data, false, TextWriter.Null);
            using var resumed = new ProGanTrainer(Tiny(dir) with { MaxSteps = 14 });
            resumed.Train(data, true, TextWriter.Null);
            Assert.Equal(14, resumed.Step);
            var columns = ScheduleColumns(dir);
            Assert.Equal(14, columns.Count);
            // Steps 12–14 continue the fade-in at α 3/8, 4/8, 5/8 — not from 4² again.
            Assert.Equal([(8.0, 3 / 8.0), (8.0, 4 / 8.0), (8.0, 5 / 8.0)], columns.Skip(11));
            Assert.Equal(new ProGanSchedule(1, 6 / 8.0), resumed.Schedule);
            // An export of a checkpoint that has not finished growing is refused.
            var e = Assert.Throws<ArgumentException>(() => FamilyRegistry.Get("progan").BuildExport("t", Path.Combine(dir, "checkpoint"), new Dictionary<string, string>()));
            Assert.Contains("grown", e.Message);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
