using GanService.Training.Benchmarks;

namespace GanService.Tests.Benchmarks;

public class MixtureBenchmarkTests
{
    [Fact]
    public void Learning_rate_is_constant_then_decays_linearly_to_zero()
    {
        // 1,000 steps, decay over the last half: constant up to step 500, then lr·(1000 − s)/500.
        Assert.Equal(2e-3, MixtureBenchmark.LearningRate(2e-3, 0, 1000, 0.5), 12);
        Assert.Equal(2e-3, MixtureBenchmark.LearningRate(2e-3, 499, 1000, 0.5), 12);
        Assert.Equal(2e-3, MixtureBenchmark.LearningRate(2e-3, 500, 1000, 0.5), 12);
        Assert.Equal(1e-3, MixtureBenchmark.LearningRate(2e-3, 750, 1000, 0.5), 12);
        Assert.Equal(2e-3 / 500, MixtureBenchmark.LearningRate(2e-3, 999, 1000, 0.5), 12);
        // decay over the last 20 %: still constant at step 700, half-way down at step 900
        Assert.Equal(1e-3, MixtureBenchmark.LearningRate(1e-3, 700, 1000, 0.2), 12);
        Assert.Equal(5e-4, MixtureBenchmark.LearningRate(1e-3, 900, 1000, 0.2), 12);
    }

    [Fact]
    public void Every_configuration_trains_and_yields_the_requested_samples()
    {
        // A few steps of each configuration on the ring: the loop, packing, n_critic budget and lazy R1 all run, and
        // the evaluation sees Samples points scored against 8 modes. (Quality is the benchmark's job, not this test's.)
        using var threads = TorchThreads.Use(1);
        var st = new MixtureBenchmark.Settings { Samples = 300, Batch = 20, GWidth = 8, DWidth = 4 };
        Assert.Equal(new[] { "GAN", "LSGAN", "WGAN-GP", "PacGAN2", "PacGAN4", "GAN+R1" }, MixtureBenchmark.Configs.Select(c => c.Name));
        foreach (var c in MixtureBenchmark.Configs)
        {
            var (r, pts) = MixtureBenchmark.RunWithSamples(GanService.Training.Metrics.MixtureSpec.Ring, c, seed: 0, steps: 10, st);
            Assert.Equal(300, pts.Count);
            Assert.Equal(8, r.ModeCount);
            Assert.All(pts, p => Assert.True(double.IsFinite(p.X) && double.IsFinite(p.Y), $"{c.Name}: non-finite sample"));
        }
    }

    [Fact]
    public void Paper_setting_is_PacGANs_appendix_and_trains_over_a_fixed_set_in_epochs()
    {
        var p = MixtureBenchmark.Paper(new MixtureBenchmark.Settings(), ringSteps: 12);
        Assert.Equal((400, 200, 100, 1e-4, 0.8, 100_000, 0.02), (p.GWidth, p.DWidth, p.Batch, p.Lr, p.Beta1, p.TrainingSetSize, p.InitStd));
        Assert.Equal((12, 400_000), (p.RingSteps, p.GridSteps)); // 400 epochs of 100,000 points in batches of 100
        Assert.Equal(1e-4, MixtureBenchmark.LearningRate(p.Lr, 11, 12, p.DecayFraction), 12); // constant, no decay
        // Shrunk for the test: a fixed set of 50 points in batches of 20 wraps into a new shuffled epoch every 2–3 steps.
        using var threads = TorchThreads.Use(1);
        var small = p with { GWidth = 8, DWidth = 4, Batch = 20, TrainingSetSize = 50, Samples = 200, Workers = 1, Data = ["ring"], Only = ["GAN"] };
        var md = MixtureBenchmark.Run(1, small, TextWriter.Null);
        Assert.Contains("**PacGAN's appendix setting** (`--paper`): widths 8 / 4, batch 20", md);
        Assert.Contains("a fixed training set of 50 points", md);
        Assert.Contains("iterations 12 / 400,000 of PacGAN's 400,000 (400 epochs) — shortened", md);
        Assert.Contains("| ring | GAN |", md);
        // A batch larger than the fixed set is refused with the reason, not silently repeated.
        var tooBig = small with { TrainingSetSize = 10 };
        var e = Assert.Throws<ArgumentException>(() => MixtureBenchmark.RunWithSamples(GanService.Training.Metrics.MixtureSpec.Ring, MixtureBenchmark.Configs[0], 0, 2, tooBig));
        Assert.Contains("larger than the training set", e.Message);
    }

    [Fact]
    public void Drs_score_matches_hand_computed_values_and_rejection_sampling_keeps_the_requested_count()
    {
        // F = D̃ − D̃_M − log(1 − exp(D̃ − D̃_M − ε)): at the maximum −log(1 − e^−ε) ≈ −log ε = 13.8155; one below it
        // −1 − log(1 − e^(−1−ε)) = −1 − log 0.6321203 = −0.5413254; far below, F ≈ D̃ − D̃_M.
        Assert.Equal(13.815511, MixtureBenchmark.DrsScore(2.5, 2.5), 5);
        Assert.Equal(-0.541325, MixtureBenchmark.DrsScore(1.5, 2.5), 6);
        Assert.Equal(-20.0, MixtureBenchmark.DrsScore(-17.5, 2.5), 5);
        using var threads = TorchThreads.Use(1);
        var st = new MixtureBenchmark.Settings { Samples = 300, Batch = 20, GWidth = 8, DWidth = 4 };
        var drs = Assert.Single(MixtureBenchmark.SamplingConfigs);
        var (r, pts) = MixtureBenchmark.RunWithSamples(GanService.Training.Metrics.MixtureSpec.Grid, drs, seed: 0, steps: 10, st);
        Assert.Equal(300, pts.Count);
        Assert.Equal(25, r.ModeCount);
        Assert.All(pts, p => Assert.True(double.IsFinite(p.X) && double.IsFinite(p.Y)));
    }

    [Fact]
    public void Every_f_gan_configuration_trains_with_finite_samples()
    {
        using var threads = TorchThreads.Use(1);
        var st = new MixtureBenchmark.Settings { Samples = 300, Batch = 20, GWidth = 8, DWidth = 4 };
        Assert.Equal(new[] { "f-KL", "f-RKL", "f-Pearson", "f-Hellinger", "f-JS", "f-GAN" }, MixtureBenchmark.FGanConfigs.Select(c => c.Name));
        foreach (var c in MixtureBenchmark.FGanConfigs)
        {
            var (r, pts) = MixtureBenchmark.RunWithSamples(GanService.Training.Metrics.MixtureSpec.Ring, c, seed: 0, steps: 10, st);
            Assert.Equal(300, pts.Count);
            Assert.All(pts, p => Assert.True(double.IsFinite(p.X) && double.IsFinite(p.Y), $"{c.Name}: non-finite sample"));
        }
    }

    [Fact]
    public void Scatter_plot_draws_high_quality_samples_blue_and_the_rest_red()
    {
        var spec = GanService.Training.Metrics.MixtureSpec.Ring;
        using var img = MixturePlot.Scatter([(1.0, 0.0), (0.5, 0.5)], spec, size: 200);
        Assert.Equal(200, img.Width);
        // extent = 1.35: x = 1 → pixel (1/1.35 + 1)/2·199 ≈ 173, y = 0 → row 99.5 → 100 (rounded)
        var onMode = img[(int)Math.Round((1 / 1.35 + 1) / 2 * 199), (int)Math.Round(0.5 * 199)];
        var between = img[(int)Math.Round((0.5 / 1.35 + 1) / 2 * 199), (int)Math.Round((1 - (0.5 / 1.35 + 1) / 2) * 199)];
        Assert.True(onMode.B > 200 && onMode.R < 100, $"HQ sample drawn {onMode}");
        Assert.True(between.R > 200 && between.B < 100, $"off-mode sample drawn {between}");
    }

    [Fact]
    public void Generator_maps_2d_noise_to_2d_points_with_and_without_batchnorm()
    {
        torch.manual_seed(0);
        foreach (var bn in new[] { true, false })
        {
            using var g = MixtureBenchmark.Generator(16, bn);
            g.eval();
            using var _ = torch.no_grad();
            using var y = g.forward(torch.randn(7, 2));
            Assert.Equal(new long[] { 7, 2 }, y.shape);
            Assert.Equal(bn ? 4 : 0, g.modules().Count(m => m.GetType().Name.Contains("BatchNorm")));
        }
    }
}
