using GanService.Contracts;
using GanService.Tests.Onnx;
using GanService.Tests.Training;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Families.BigGan;
using GanService.Training.Losses;
using GanService.Training.Onnx;
using GanService.Training.Training;
using Xunit.Abstractions;

namespace GanService.Tests.Families.BigGan;

public class BigGanTests(ITestOutputHelper log)
{
    // z splits into (blocks + 1) chunks: 8² has 1 block, 16² 2, 32² 3.
    private static BigGanOptions Small(int size = 16) => new() { Size = size, GCh = 8, DCh = 8, ZDim = size switch { 8 => 16, 16 => 24, _ => 120 }, SharedDim = 16, NumClasses = 3, AttentionResolution = 8 };

    [Theory]
    [InlineData(16, 1)]
    [InlineData(32, 3)]
    public void Generator_matches_onnx_with_trained_batch_stats(int size, int channels)
    {
        var o = Small(size) with { Channels = channels };
        var (g, d, _) = BigGanTrainer.Build(o);
        g.train();
        using (torch.no_grad())
            for (int i = 0; i < 3; i++) g.Generate(torch.randn(8, o.ZDim) * 1.3, torch.randint(0, o.NumClasses, [8], dtype: ScalarType.Int64));
        foreach (var a in g.modules().OfType<GanService.Training.Layers.SelfAttention>()) using (torch.no_grad()) a.gamma.fill_(0.5f);
        var (inputs, outputs) = g.OnnxSignature();
        torch.manual_seed(9);
        var z = torch.randn(4, o.ZDim);
        var labels = torch.tensor(new long[] { 0, 2, 1, 2 }, ScalarType.Int64);
        float diff = Parity.MaxAbsDiff(g, [(inputs[0], z), (inputs[1], labels)], outputs, t => [g.Generate(t[0], t[1])], log, $"BigGAN {size}² ×{channels}");
        Assert.True(diff <= Parity.Tolerance, $"max |Δ| {diff}");
        using (torch.no_grad())
        {
            g.eval();
            Assert.Equal(new long[] { 4, channels, size, size }, g.Generate(z, labels).shape);
            Assert.Equal(new long[] { 4 }, d.Forward(g.Generate(z, labels), labels).shape);
        }
    }

    [Fact]
    public void Export_family_packages_z_and_label_inputs()
    {
        var (draft, graphs) = FamilyRegistry.Get("biggan").BuildExport("t", null, new Dictionary<string, string> { ["size"] = "16", ["gCh"] = "8", ["zDim"] = "24", ["numClasses"] = "4" });
        Assert.Equal("biggan", draft.Family);
        Assert.Equal(4, draft.Labels.Length);
        Assert.Equal(24, draft.Latent!.Size);
        Assert.Equal([TensorRoles.Latent, TensorRoles.Label], graphs[0].Inputs.Select(i => i.Role));
    }

    [Fact]
    public void Export_of_a_checkpoint_takes_G_ema_or_with_weights_G_the_live_generator()
    {
        var dir = Path.Combine(Path.GetTempPath(), "biggan-export-" + Guid.NewGuid().ToString("N"));
        try
        {
            torch.manual_seed(6);
            using var data = new LabelledImageSet((torch.rand(32, 1, 8, 8) * 255).to_type(ScalarType.Byte), torch.arange(32, dtype: ScalarType.Int64) % 3, ["a", "b", "c"]);
            var o = Small(8) with { ClassNames = ["a", "b", "c"], Batch = 8, MaxSteps = 2, Out = dir, Data = "generated" };
            Runs.BigGan(o, data, false);
            var family = FamilyRegistry.Get("biggan");
            var checkpoint = Path.Combine(dir, "checkpoint");
            var (emaDraft, ema) = family.BuildExport("t", checkpoint, new Dictionary<string, string>());
            var (liveDraft, live) = family.BuildExport("t", checkpoint, new Dictionary<string, string> { ["weights"] = "G" });
            Assert.NotEqual(OnnxExporter.ToBytes(ema[0].Model), OnnxExporter.ToBytes(live[0].Model));
            Assert.Contains("EMA generator", emaDraft.Training!.Steps);
            Assert.Contains("live generator", liveDraft.Training!.Steps);
            Assert.Equal(["a", "b", "c"], emaDraft.Labels);
            Assert.Throws<ArgumentException>(() => family.BuildExport("t", checkpoint, new Dictionary<string, string> { ["weights"] = "D" }));
            Assert.Throws<ArgumentException>(() => family.BuildExport("t", checkpoint, new Dictionary<string, string> { ["gCh"] = "4" }));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void Orthogonal_regularisation_equals_hand_computed_off_diagonal_gram()
    {
        // W = [[1, 2], [3, 4]]: W Wᵀ = [[5, 11], [11, 25]] → off-diagonal squares 2 · 11² = 242.
        var w = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        Assert.Equal(242e-4, Penalties.Orthogonal([w], 1e-4).item<float>(), 6);
        // A conv weight (2, 1, 1, 2) is the same matrix viewed (out, in·k·k); orthogonal rows cost nothing.
        Assert.Equal(242e-4, Penalties.Orthogonal([w.reshape(2, 1, 1, 2)], 1e-4).item<float>(), 6);
        var orthogonal = torch.tensor(new float[] { 3, 0, 0, 0, 0.5f, 0 }, [2, 3]);
        Assert.Equal(0f, Penalties.Orthogonal([orthogonal], 1e-4).item<float>());
        // Gradient 4β (W Wᵀ ⊙ (1 − I)) W: for row 0, 4β · 11 · [3, 4] = [132β, 176β].
        var p = w.clone().requires_grad_(true);
        Penalties.Orthogonal([p], 1e-4).backward();
        Assert.Equal(132e-4, p.grad!.data<float>()[0], 5);
        Assert.Equal(176e-4, p.grad!.data<float>()[1], 5);
    }

    [Fact]
    public void Orthogonal_regularisation_skips_the_shared_embedding()
    {
        var (g, _, _) = BigGanTrainer.Build(Small());
        var names = g.named_parameters().Where(p => BigGanTrainer.OrthogonalWeights(g).Any(w => ReferenceEquals(w, p.parameter) || w.Handle == p.parameter.Handle)).Select(p => p.name).ToList();
        Assert.DoesNotContain("shared.weight", names);
        Assert.Contains("linear.inner.weight", names);
        Assert.Contains("blocks_0.bn1.gain.inner.weight", names);
    }

    /// <summary>Two classes that differ only in where the white half is: class 0 the top, class 1 the left (8² images,
    /// so the learning test fits its time budget; the 16² version learns the same in 300 steps).</summary>
    private static LabelledImageSet HalvesDataset(int n, int size)
    {
        var pixels = new byte[n * size * size];
        var labels = new long[n];
        var rng = new Random(4);
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 2;
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    bool white = labels[i] == 0 ? y < size / 2 : x < size / 2;
                    pixels[i * size * size + y * size + x] = (byte)Math.Clamp((white ? 230 : 25) + rng.Next(-20, 21), 0, 255);
                }
        }
        return new LabelledImageSet(torch.tensor(pixels, [n, 1, size, size], ScalarType.Byte), torch.tensor(labels, ScalarType.Int64), ["top", "left"]);
    }

    /// <summary>The share of (seed, label) images whose nearest class prototype (top-white vs left-white) is the label.</summary>
    private static double ClassAccuracy(BigGanGenerator g, int size, int seeds)
    {
        var z = torch.tensor(SeedLatent.Batch(Enumerable.Range(0, seeds).Select(i => (uint)i).ToArray(), g.Options.ZDim), [seeds, g.Options.ZDim]);
        int correct = 0;
        var top = torch.ones(size, size) * -1; top[..(size / 2)] = torch.ones(size / 2, size);
        var left = torch.ones(size, size) * -1; left[.., ..(size / 2)] = torch.ones(size, size / 2);
        for (long label = 0; label < 2; label++)
        {
            var images = BigGanTrainer.Samples(g, z, torch.full(seeds, label, ScalarType.Int64));
            foreach (var img in images)
            {
                double dTop = (img[0] - top).square().sum().item<float>(), dLeft = (img[0] - left).square().sum().item<float>();
                if ((dTop < dLeft ? 0 : 1) == label) correct++;
            }
        }
        return correct / (2.0 * seeds);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Class_input_selects_the_class_after_training_on_a_tiny_labelled_set()
    {
        const int size = 8;
        using var data = HalvesDataset(256, size);
        var o = Small(size) with { NumClasses = 2, ClassNames = ["top", "left"], Batch = 16, DSteps = 1, LrG = 1e-3, LrD = 1e-3, EmaBeta = 0.8, Seed = 1 };
        using var trainer = new BigGanTrainer(o, data);
        double before = ClassAccuracy(trainer.GEma, size, 16);
        var batches = new GanService.Training.Data.IndexBatches(data.Count, o.Batch, o.DSteps, 1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int steps = 0;
        for (int epoch = 0; steps < 150; epoch++)
            foreach (var input in batches.Epoch(epoch))
            {
                using var scope = torch.NewDisposeScope();
                TrainingLoop.Step(trainer, input);
                if (++steps >= 150) break;
            }
        double after = ClassAccuracy(trainer.GEma, size, 16);
        log.WriteLine($"class accuracy of G_ema: untrained {before:P0}, after {steps} steps {after:P0} ({clock.Elapsed.TotalSeconds:F1} s)");
        Assert.True(before < 0.8, $"the untrained generator already follows the label ({before:P0}): the check cannot fail");
        Assert.True(after >= 0.9, $"after training the label picks the class only {after:P0} of the time");
    }
}
