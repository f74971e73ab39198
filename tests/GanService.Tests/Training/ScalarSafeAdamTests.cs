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

    [Fact]
    public void Checkpoints_move_between_torchsharp_adam_and_scalar_safe_adam_both_ways()
    {
        // A run trained with TorchSharp's Adam (older checkpoints) resumes under ScalarSafeAdam, and back: after a save
        // and a load, both continue with identical updates (Adam's moments and step count travelled).
        torch.manual_seed(9);
        using var start = torch.randn(5);
        string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ssadam-" + Guid.NewGuid().ToString("N"));
        try
        {
            var a = new TorchSharp.Modules.Parameter(start.clone());
            using var plain = torch.optim.Adam([a], 0.01, 0.5, 0.999);
            Step(a, plain, 3);
            Save(dir, plain);

            var b = new TorchSharp.Modules.Parameter(a.detach().clone());
            using var safe = new ScalarSafeAdam([b], 0.01, 0.5, 0.999);
            GanService.Training.Checkpoints.Checkpoint.LoadOptimizer(dir, "opt", safe);
            Step(a, plain, 4);
            Step(b, safe, 4);
            Assert.True(a.allclose(b, rtol: 1e-6, atol: 1e-7), "TorchSharp Adam state → ScalarSafeAdam: updates differ");

            Save(dir, safe);
            var c = new TorchSharp.Modules.Parameter(b.detach().clone());
            using var plain2 = torch.optim.Adam([c], 0.01, 0.5, 0.999);
            GanService.Training.Checkpoints.Checkpoint.LoadOptimizer(dir, "opt", plain2);
            Step(b, safe, 4);
            Step(c, plain2, 4);
            Assert.True(b.allclose(c, rtol: 1e-6, atol: 1e-7), "ScalarSafeAdam state → TorchSharp Adam: updates differ");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Saving_and_loading_dispose_their_helper_adam_and_leave_the_live_state_whole()
    {
        // SaveAsAdam / LoadAdam go through a helper Adam holding copies of the state. Left to the finalizer, that helper
        // disposes the tensors it is still writing (TorchSharp's Adam.Dispose(false) disposes its state), which crashed
        // a run's checkpoint. Disposed in place, it leaves no tensor of its own behind on this thread: the count of live
        // tensors returns to where it was after every save and load, and the live state still steps and round-trips.
        torch.manual_seed(3);
        var p = new TorchSharp.Modules.Parameter(torch.randn(6, 4));
        using var safe = new ScalarSafeAdam([p], 0.01, 0.0, 0.99);
        Step(p, safe, 2, 4);
        string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ssadam-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string file = System.IO.Path.Combine(dir, "opt.optim");
            var stats = DisposeScopeManager.Statistics.TensorStatistics;
            for (int round = 0; round < 3; round++)
            {
                long before = stats.ThreadTotalLiveCount;
                safe.SaveAsAdam(file);
                Assert.Equal(before, stats.ThreadTotalLiveCount);
                safe.LoadAdam(file);
                Assert.Equal(before, stats.ThreadTotalLiveCount);
                Step(p, safe, 1, 4);
            }

            var q = new TorchSharp.Modules.Parameter(p.detach().clone());
            using var reloaded = new ScalarSafeAdam([q], 0.01, 0.0, 0.99);
            safe.SaveAsAdam(file);
            reloaded.LoadAdam(file);
            Step(p, safe, 3, 4);
            Step(q, reloaded, 3, 4);
            Assert.True(p.allclose(q, rtol: 1e-6, atol: 1e-7), "a state saved and loaded again steps differently");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static void Save(string dir, torch.optim.Optimizer opt) =>
        GanService.Training.Checkpoints.Checkpoint.Save(dir, "test", new { }, new GanService.Training.Checkpoints.TrainingState(0, 0, 0),
            new Dictionary<string, nn.Module>(), new Dictionary<string, torch.optim.Optimizer> { ["opt"] = opt });

    private static void Step(TorchSharp.Modules.Parameter p, torch.optim.Optimizer opt, int n, long width = 5)
    {
        for (int i = 0; i < n; i++)
        {
            opt.zero_grad();
            (p.square() * torch.arange(1, width + 1, dtype: ScalarType.Float32)).sum().backward();
            opt.step();
        }
    }
}
