using GanService.Training.Training;

namespace GanService.Tests.Training;

public class ScalarSafeAdamTests
{
    [Theory]
    [InlineData(1e-3, 0.9, 0.999, 1e-8)]
    [InlineData(5e-3, 0.0, 0.99, 1e-8)]   // StyleGAN2 / R1 setting
    [InlineData(2e-4, 0.5, 0.999, 1e-6)]  // DCGAN / pix2pix setting
    public void Matches_torchsharp_adam_step_for_step(double lr, double beta1, double beta2, double eps)
    {
        // Same start, same gradients each step (including a learning-rate change mid-way, as the schedules do): the
        // parameters and the optimizer state must stay equal to TorchSharp's own Adam.
        torch.manual_seed(5);
        using var start = torch.randn(4, 3);
        var a = new TorchSharp.Modules.Parameter(start.clone());
        var b = new TorchSharp.Modules.Parameter(start.clone());
        using var reference = torch.optim.Adam([a], lr, beta1, beta2, eps);
        using var safe = new ScalarSafeAdam([b], lr, beta1, beta2, eps);
        for (int s = 0; s < 12; s++)
        {
            using var target = torch.randn(4, 3);
            if (s == 6)
            {
                foreach (var g in reference.ParamGroups) g.LearningRate = lr / 3;
                foreach (var g in safe.ParamGroups) g.LearningRate = lr / 3;
            }
            foreach (var (p, opt) in new (TorchSharp.Modules.Parameter, torch.optim.Optimizer)[] { (a, reference), (b, safe) })
            {
                opt.zero_grad();
                (p - target).square().sum().backward();
                opt.step();
            }
            Assert.True(a.allclose(b, rtol: 1e-6, atol: 1e-7), $"step {s}: max |Δ| {(a - b).abs().max().item<float>()}");
        }
        Assert.False(a.allclose(start), "the parameters did not move");
    }

    [Fact]
    public void Skips_parameters_without_gradients()
    {
        var p = new TorchSharp.Modules.Parameter(torch.ones(2));
        var q = new TorchSharp.Modules.Parameter(torch.ones(2));
        using var opt = new ScalarSafeAdam([p, q], 0.1);
        opt.zero_grad();
        (p * 2).sum().backward();   // q gets no gradient
        opt.step();
        Assert.False(p.allclose(torch.ones(2)));
        Assert.True(q.allclose(torch.ones(2)));
    }
}
