using GanService.Training.Families.Gan;
using GanService.Training.Layers;
using Xunit.Abstractions;

namespace GanService.Tests.Families.Gan;

/// <summary>Learning smoke tests: tiny MLPs learn a 2-D Gaussian N((3, −2), 0.5²) with each loss and with packing;
/// the untrained generator's mean is near the origin, so a stepper that does not learn fails.</summary>
public class GanLearningTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("ns", 1)]
    [InlineData("minimax", 1)]
    [InlineData("lsgan", 1)]
    [InlineData("wgan-gp", 1)]
    [InlineData("hinge", 1)]
    [InlineData("ns", 2)]
    public void Generator_moves_to_the_data_mean(string loss, int pack)
    {
        torch.manual_seed(0);
        using var threads = TorchThreads.Use(1);
        var o = new GenerationOptions { Family = "gan", Nz = 4, Loss = loss, Pack = pack, Batch = 64, Lr = 2e-3, Beta1 = 0.5, Beta2 = 0.9, RealLabel = 0.9, EmaBeta = 0.9 };
        var g = new LatentGenerator(4, MlpNetworks.Generator(4, [32, 32], 2, null));
        var ema = new LatentGenerator(4, MlpNetworks.Generator(4, [32, 32], 2, null));
        GanService.Training.Tricks.WeightAverage.CopyInto(ema, g);
        Func<long, long, Layer> linear = (i, k) => new Linear(i, k);
        var (body, f) = MlpNetworks.DiscriminatorBody(2 * pack, [32, 32], 0, linear);
        var d = new Discriminator(body, f, linear);
        using var stepper = new GanStepper(o, g, d, ema) { TotalSteps = 400 };
        var target = torch.tensor(new float[] { 3, -2 });
        for (int s = 0; s < 400; s++)
        {
            using var scope = torch.NewDisposeScope();
            var batches = Enumerable.Range(0, o.ResolvedNCritic).Select(_ => (target + 0.5f * torch.randn(64 * pack, 2), (Tensor?)null)).ToList();
            stepper.Iterate(batches);
        }
        ema.eval();
        using var _ = torch.no_grad();
        var mean = ema.Generate(torch.randn(2000, 4)).mean([0]);
        double err = (mean - target).norm().item<float>();
        log.WriteLine($"{loss} pack {pack}: EMA generator mean ({mean[0].item<float>():F2}, {mean[1].item<float>():F2}), |error| {err:F2}");
        Assert.True(err < 0.6, $"{loss}: mean error {err}");
    }
}
