using System.Diagnostics;
using GanService.Training.Data;
using GanService.Training.Families.Translation;
using GanService.Training.Training;
using Xunit.Abstractions;

namespace GanService.Tests.Training;

/// <summary>Short CPU learning runs on generated shapes, asserting what an untrained or broken model fails.</summary>
public sealed class TranslationLearningTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gan-learn-" + Guid.NewGuid().ToString("N"));
    public void Dispose() { if (Directory.Exists(_root)) Directory.Delete(_root, true); }

    /// <summary>Runs <paramref name="steps"/> optimisation steps over as many epochs as it takes (shared with StarGAN's test).</summary>
    internal static void Train(ITrainer<Batch> trainer, DataLoader loader, int steps)
    {
        int step = 0;
        for (int epoch = 0; step < steps; epoch++)
            foreach (var batch in loader.Epoch(epoch))
            {
                trainer.SetInput(batch);
                trainer.OptimizeParameters();
                if (++step >= steps) break;
            }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Pix2pix_learns_the_white_background_and_the_outline_of_the_target()
    {
        using var threads = TorchThreads.Use(1); // see StarGanLearningTests: pinned numerics, and robust on a busy machine
        var sw = Stopwatch.StartNew();
        SyntheticShapes.Write(_root, "aligned", 48, 32, seed: 1, testCount: 8);
        var o = new Pix2PixOptions { Data = _root, NetG = "unet_32", Ngf = 8, Ndf = 8, CropSize = 32, LoadSize = 32, NoFlip = true, BatchSize = 8, Lr = 1e-3, Seed = 1 };
        var t = new ImageTransform(32, 32, Flip: false);
        var train = new DataLoader(new AlignedDataset(_root, t, seed: 1), o.BatchSize, 1, workers: 0); // inline: see DataLoader.EpochInline
        var test = new Batch(Enumerable.Range(0, 8).Select(i => new AlignedDataset(_root, t, phase: "test").Load(i, 0)).ToArray(), t.Spec);
        using var trainer = new Pix2PixTrainer(o);
        var (before, fillBefore) = TestL1(trainer, test);
        Train(trainer, train, 150);
        var (after, fillAfter) = TestL1(trainer, test);
        var inside = test.B().amin(1) < 0; // (B, H, W): pixels of the coloured fill
        double copyFill = (test.A() - test.B()).abs().mean([1]).masked_select(inside).mean().item<float>(); // "copy the outline" baseline
        log.WriteLine($"pix2pix test L1: untrained {before:F3} → trained {after:F3}; inside the shape {fillBefore:F3} → {fillAfter:F3} " +
            $"(copy-input baseline {copyFill:F3}), {sw.Elapsed.TotalSeconds:F0} s");
        // What 150 steps buy: the white background and the shape's outline (overall L1 well below the untrained net).
        // The coloured fill needs ~600+ steps (see models/shapes2color-pix2pix), beyond a test's time budget, so the
        // fill error is logged but not asserted — hence the test's name.
        Assert.True(after < 0.5 * before, $"L1 {after} not below half the untrained {before}");
        Assert.True(after < 0.25, $"L1 {after}: the background and outline were not learned");
        Assert.True(before >= 0.25, $"the untrained net already has L1 {before} < 0.25, so the check is too weak");
    }

    /// <summary>(mean |G(A) − B| over all pixels, over the coloured-fill pixels of B only).</summary>
    private static (double All, double Fill) TestL1(Pix2PixTrainer trainer, Batch test)
    {
        trainer.G.eval();
        using var _ = torch.no_grad();
        var b = test.B();
        var err = (trainer.G.forward(test.A()) - b).abs().mean([1]); // (B, H, W)
        trainer.G.train();
        return (err.mean().item<float>(), err.masked_select(b.amin(1) < 0).mean().item<float>());
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Cyclegan_learns_red_to_blue()
    {
        using var threads = TorchThreads.Use(1); // see StarGanLearningTests: pinned numerics, and robust on a busy machine
        var sw = Stopwatch.StartNew();
        SyntheticShapes.Write(_root, "unaligned", 32, 16, seed: 2, testCount: 8);
        var o = new CycleGanOptions
        {
            Data = _root, NetG = "resnet_2blocks", Ngf = 4, Ndf = 8, NetD = "n_layers", NLayersD = 1, CropSize = 16, LoadSize = 16,
            NoFlip = true, BatchSize = 4, Lr = 2e-3, Seed = 2, PoolSize = 10,
        };
        var t = new ImageTransform(16, 16, Flip: false);
        var loader = new DataLoader(new UnalignedDataset(_root, t, seed: 2), o.BatchSize, 2, workers: 0);
        var testA = new Batch(Enumerable.Range(0, 8).Select(i => new UnalignedDataset(_root, t, phase: "test").Load(i, 0)).ToArray(), t.Spec);
        using var trainer = new CycleGanTrainer(o);
        double before = Blueness(trainer, testA);
        Train(trainer, loader, 80);
        double after = Blueness(trainer, testA);
        log.WriteLine($"CycleGAN G_A(red shape) mean (B − R) inside the shape: untrained {before:F3} → trained {after:F3}, {sw.Elapsed.TotalSeconds:F0} s");
        Assert.True(after > 0.3, $"G_A output is not blue where the input is red: B − R = {after}");
        Assert.True(before < 0.3, $"the untrained model already passes ({before}), so the check is too weak");
    }

    /// <summary>Mean (B − R) of G_A's output over the pixels that are red in the input (in [-1, 1] units).</summary>
    private static double Blueness(CycleGanTrainer trainer, Batch batch)
    {
        trainer.GA.eval();
        using var _ = torch.no_grad();
        var a = batch.A();
        var red = (a[TensorIndex.Colon, 0] - a[TensorIndex.Colon, 1]) > 0.5; // (B, H, W) shape pixels
        var y = trainer.GA.forward(a);
        var diff = y[TensorIndex.Colon, 2] - y[TensorIndex.Colon, 0];
        trainer.GA.train();
        return diff.masked_select(red).mean().item<float>();
    }
}
