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
