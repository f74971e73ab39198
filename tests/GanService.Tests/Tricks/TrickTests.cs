using GanService.Training.Layers;
using GanService.Training.Tricks;

namespace GanService.Tests.Tricks;

/// <summary>The maths of each training trick on hand-made tensors.</summary>
public class TrickTests
{
    [Fact]
    public void Feature_matching_is_squared_distance_of_means()
    {
        var real = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);   // mean (2, 3)
        var fake = torch.tensor(new float[] { 0, 0, 2, 2 }, [2, 2]);   // mean (1, 1)
        Assert.Equal(1 + 4, FeatureMatching.Loss(real, fake).item<float>(), 5);
        Assert.Equal(0.9f, LabelSmoothing.RealTargets(real).data<float>()[0], 6);
    }

    [Fact]
    public void Minibatch_discrimination_sums_exp_of_negative_l1()
    {
        var mbd = new MinibatchDiscrimination(2, kernels: 1, kernelDim: 2);
        using (torch.no_grad()) mbd.T.copy_(torch.eye(2)); // M = f
        var f = torch.tensor(new float[] { 0, 0, 1, 1, 0, 3 }, [3, 2]);
        var o = mbd.forward(f);
        Assert.Equal(new long[] { 3, 3 }, o.shape);
        // row 0: L1 to rows = 0, 2, 3 → 1 + e^−2 + e^−3
        Assert.Equal(1 + Math.Exp(-2) + Math.Exp(-3), o[0, 2].item<float>(), 5);
        // row 1 to rows: 2, 0, 3 (|1−0| + |1−3|)
        Assert.Equal(Math.Exp(-2) + 1 + Math.Exp(-3), o[1, 2].item<float>(), 5);
    }

    [Fact]
    public void Instance_noise_anneals_linearly()
    {
        Assert.Equal(0.1, InstanceNoise.Sigma(0.1, 0, 100), 10);
        Assert.Equal(0.05, InstanceNoise.Sigma(0.1, 50, 100), 10);
        Assert.Equal(0.0, InstanceNoise.Sigma(0.1, 150, 100), 10);
        torch.manual_seed(0);
        var x = torch.zeros(20000);
        var y = InstanceNoise.Apply(x, 0.5);
        Assert.Equal(0.5, y.std().item<float>(), 1);
    }

    [Fact]
    public void Pacgan_packs_m_consecutive_samples()
    {
        var x = torch.arange(6 * 2, dtype: ScalarType.Float32).reshape(6, 2); // rows (0,1), (2,3), …
        var p = PacGan.Pack(x, 2);
        Assert.Equal(new long[] { 3, 4 }, p.shape);
        Assert.Equal(new float[] { 4, 5, 6, 7 }, p[1].data<float>().ToArray());
        var img = torch.randn(4, 1, 3, 3);
        var pi = PacGan.Pack(img, 4);
        Assert.Equal(new long[] { 1, 4, 3, 3 }, pi.shape);
        Assert.True(pi[0, 2].equal(img[2, 0]).all().item<bool>());
        Assert.Throws<ArgumentException>(() => PacGan.Pack(torch.zeros(5, 2), 2));
    }

    [Fact]
    public void Historical_average_is_the_running_mean_of_parameters()
    {
        var p = new TorchSharp.Modules.Parameter(torch.tensor(new float[] { 0f }));
        using var ha = new HistoricalAveraging([p]);
        using (torch.no_grad()) p.fill_(3f);
        Assert.Equal(9f, ha.Penalty().item<float>(), 5);      // (3 − 0)²
        ha.Update();                                          // mean of {0, 3} = 1.5
        using (torch.no_grad()) p.fill_(6f);
        ha.Update();                                          // mean of {0, 3, 6} = 3
        Assert.Equal(3f, ha.Mean(0).item<float>(), 5);
        Assert.Equal(9f, ha.Penalty().item<float>(), 5);
    }

    [Fact]
    public void Ema_moves_shadow_weights_by_one_minus_beta()
    {
        var live = new Linear(1, 1);
        var shadow = new Linear(1, 1);
        using (torch.no_grad()) { live.weight.fill_(1f); shadow.weight.fill_(0f); live.bias!.fill_(2f); shadow.bias!.fill_(2f); }
        WeightAverage.Update(shadow, live, 0.9);
        Assert.Equal(0.1f, shadow.weight.item<float>(), 6);
        WeightAverage.Update(shadow, live, 0.9);
        Assert.Equal(0.19f, shadow.weight.item<float>(), 6);
    }

    [Fact]
    public void Spectral_norm_estimates_the_largest_singular_value()
    {
        torch.manual_seed(5);
        var lin = new Linear(4, 3);
        using (torch.no_grad()) lin.weight.copy_(torch.tensor(new float[] { 3, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0 }, [3, 4]));
        var sn = new SpectralNorm(lin);
        sn.train();
        using (torch.no_grad()) for (int i = 0; i < 20; i++) sn.forward(torch.randn(1, 4));
        Assert.Equal(3f, sn.Sigma().item<float>(), 4);
        // the normalised weight has spectral norm 1
        var s = torch.linalg.svdvals(sn.NormalisedWeight().detach());
        Assert.Equal(1f, s.max().item<float>(), 4);
    }

    [Fact]
    public void Virtual_batch_norm_mixes_reference_and_own_statistics()
    {
        var vbn = new VirtualBatchNorm(1, rank: 2, eps: 0);
        vbn.CaptureReference(torch.tensor(new float[] { 1, 3 }, [2, 1])); // N 2, mean 2, E[x²] 5
        var x = torch.tensor(new float[] { 5, -1 }, [2, 1]);
        var y = vbn.forward(x);
        // example 5: μ = (2·2 + 5)/3 = 3, E[x²] = (2·5 + 25)/3 = 35/3, σ² = 35/3 − 9 = 8/3 → (5 − 3)/√(8/3)
        Assert.Equal(2 / Math.Sqrt(8.0 / 3), y[0, 0].item<float>(), 4);
        // batch-independence: the same example alone gives the same output
        Assert.Equal(y[0, 0].item<float>(), vbn.forward(x[..1])[0, 0].item<float>(), 6);
    }

    [Fact]
    public void Top_k_keeps_the_highest_logits_and_anneals_k_from_the_batch_to_nu()
    {
        Assert.Equal(1.0, TopK.Fraction(0.5, 0, 100), 12);
        Assert.Equal(0.75, TopK.Fraction(0.5, 50, 100), 12);
        Assert.Equal(0.5, TopK.Fraction(0.5, 100, 100), 12);
        Assert.Equal(0.5, TopK.Fraction(0.5, 900, 100), 12);
        Assert.Equal(1.0, TopK.Fraction(0, 50, 100), 12);   // off
        using var logits = torch.tensor(new float[] { 3, 1, 2, 5, -1, 0 }, [6, 1]);
        var half = TopK.Select(logits, 0.5).data<float>().OrderDescending().ToArray();
        Assert.Equal(new float[] { 5, 3, 2 }, half);
        Assert.Equal(6, TopK.Select(logits, 1.0).shape[0]);
        Assert.Equal(new float[] { 5 }, TopK.Select(logits, 0.01).data<float>().ToArray()); // at least one
    }
}
