using GanService.Training.Families.Gan;
using GanService.Training.Layers;
using Xunit.Abstractions;

namespace GanService.Tests.Families.Gan;

/// <summary>Learning smoke tests: tiny MLPs learn a 2-D Gaussian N((3, −2), 0.5²) with each loss and with packing;
/// the untrained generator's mean is near the origin, so a stepper that does not learn fails.</summary>
public class GanLearningTests(ITestOutputHelper log)
{
    [Theory]
    [Trait("Category", "Slow")]
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
        var o = new GenerationOptions { Family = "gan", ZDim = 4, Loss = loss, Pack = pack, Batch = 64, Lr = 2e-3, Beta1 = 0.5, Beta2 = 0.9, RealLabel = 0.9, EmaBeta = 0.9 };
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

    [Fact]
    public void Lazy_r1_runs_every_kth_step_and_the_generator_step_leaves_d_gradients_alone()
    {
        torch.manual_seed(1);
        using var threads = TorchThreads.Use(1);
        var o = new GenerationOptions { Family = "gan", ZDim = 2, Loss = "ns", Batch = 16, Lr = 1e-3, R1Gamma = 1, R1Every = 4 };
        var g = new LatentGenerator(2, MlpNetworks.Generator(2, [8], 2, null));
        Func<long, long, Layer> linear = (i, k) => new Linear(i, k);
        var (body, f) = MlpNetworks.DiscriminatorBody(2, [8], 0, linear);
        var d = new Discriminator(body, f, linear);
        using var stepper = new GanStepper(o, g, d);
        var penalties = new List<double>();
        for (int s = 0; s < 8; s++)
        {
            using var scope = torch.NewDisposeScope();
            var real = torch.randn(16, 2);
            var stats = stepper.Iterate([(real, null)]);
            penalties.Add(stats["penalty_d"]);
            Assert.All(d.parameters(), p => Assert.True(p.requires_grad));
        }
        Assert.All(new[] { 0, 4 }, s => Assert.True(penalties[s] > 0, $"step {s}: R1 expected"));
        Assert.All(new[] { 1, 2, 3, 5, 6, 7 }, s => Assert.Equal(0.0, penalties[s]));
    }

    [Fact]
    public void Generator_step_does_not_touch_discriminator_gradients()
    {
        torch.manual_seed(2);
        using var threads = TorchThreads.Use(1);
        var o = new GenerationOptions { Family = "gan", ZDim = 2, Loss = "ns", Batch = 16, Lr = 0.0 };
        var g = new LatentGenerator(2, MlpNetworks.Generator(2, [8], 2, null));
        Func<long, long, Layer> linear = (i, k) => new Linear(i, k);
        var (body, f) = MlpNetworks.DiscriminatorBody(2, [8], 0, linear);
        var d = new Discriminator(body, f, linear);
        using var stepper = new GanStepper(o, g, d);
        // One iteration at lr 0 (nothing moves); then D's gradients must equal a fresh D step's on the same batch,
        // i.e. nothing from the G step accumulated into them.
        using var real = torch.randn(16, 2);
        torch.manual_seed(3);
        stepper.Iterate([(real, null)]);
        var after = d.parameters().Select(p => p.grad!.clone()).ToList();
        torch.manual_seed(3);
        var fake = g.Generate(torch.randn(16, 2)).detach();
        g.train();
        d.zero_grad();
        var loss = GanService.Training.Losses.AdversarialLosses.Discriminator(GanService.Training.Losses.AdversarialLossKind.NonSaturating, d.Forward(real, null), d.Forward(fake, null));
        loss.backward();
        var expected = d.parameters().Select(p => p.grad!).ToList();
        for (int i = 0; i < after.Count; i++)
            Assert.True(after[i].allclose(expected[i], rtol: 1e-4, atol: 1e-6), $"D parameter {i}: the G step changed its gradient");
    }
}
