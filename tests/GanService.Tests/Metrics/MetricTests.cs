using GanService.Training.Metrics;

namespace GanService.Tests.Metrics;

public class FrechetAndKernelDistanceTests
{
    [Fact]
    public void Identical_feature_sets_have_zero_frechet_distance()
    {
        torch.manual_seed(0);
        var x = torch.randn(500, 16) * 3 + 1;
        Assert.Equal(0, FrechetDistance.Compute(x, x), 6);
    }

    [Fact]
    public void Diagonal_gaussians_match_the_closed_form()
    {
        // N(μ1, diag a) vs N(μ2, diag b): ‖μ1 − μ2‖² + Σ (√a − √b)²
        var mu1 = torch.tensor(new double[] { 0, 1, 2 }); var mu2 = torch.tensor(new double[] { 1, 1, 0 });
        var a = new double[] { 1, 4, 9 }; var b = new double[] { 4, 1, 0.25 };
        double expected = 1 + 0 + 4 + Enumerable.Range(0, 3).Sum(i => Math.Pow(Math.Sqrt(a[i]) - Math.Sqrt(b[i]), 2));
        Assert.Equal(expected, FrechetDistance.FromMoments(mu1, torch.diag(torch.tensor(a)), mu2, torch.diag(torch.tensor(b))), 9);
    }

    [Fact]
    public void Non_commuting_covariances_match_the_closed_form()
    {
        // Σ1 = I, Σ2 = [[2, 1], [1, 2]] (eigenvalues 1, 3): FD = Tr I + Tr Σ2 − 2 (√1 + √3) = 6 − 2 − 2√3
        var s2 = torch.tensor(new double[] { 2, 1, 1, 2 }, [2, 2]);
        var rot = torch.tensor(new double[] { 0.6, -0.8, 0.8, 0.6 }, [2, 2]);
        var s1 = rot.matmul(torch.diag(torch.tensor(new double[] { 1, 4 }))).matmul(rot.t()); // √Σ1 = R diag(1, 2) Rᵀ
        double fd = FrechetDistance.FromMoments(torch.zeros(2, dtype: ScalarType.Float64), torch.eye(2, dtype: ScalarType.Float64), torch.zeros(2, dtype: ScalarType.Float64), s2);
        Assert.Equal(4 - 2 * Math.Sqrt(3), fd, 9);
        // general Σ1: Tr √(Σ1Σ2) from the eigenvalues of the 2×2 product (real, positive): λ = (t ± √(t² − 4 det)) / 2
        var p = s1.matmul(s2);
        double t = p.trace().item<double>(), det = torch.linalg.det(p).item<double>();
        double l1 = (t + Math.Sqrt(t * t - 4 * det)) / 2, l2 = (t - Math.Sqrt(t * t - 4 * det)) / 2;
        double expected = s1.trace().item<double>() + 4 - 2 * (Math.Sqrt(l1) + Math.Sqrt(l2));
        Assert.Equal(expected, FrechetDistance.FromMoments(torch.zeros(2, dtype: ScalarType.Float64), s1, torch.zeros(2, dtype: ScalarType.Float64), s2), 9);
    }

    [Fact]
    public void Sample_moments_recover_a_known_gaussian()
    {
        torch.manual_seed(1);
        var x = torch.randn(20000, 2, dtype: ScalarType.Float64);
        var y = torch.randn(20000, 2, dtype: ScalarType.Float64) * 2 + 3; // N(3, 4 I): FD = 18 + 2 (2 − 1)² = 20
        Assert.Equal(20, FrechetDistance.Compute(x, y), 0);
    }

    [Fact]
    public void Kid_of_constant_sets_is_the_kernel_mmd_and_near_zero_for_the_same_distribution()
    {
        // all-a vs all-b in d = 1: MMD² = k(a, a) + k(b, b) − 2 k(a, b), k(x, y) = (xy + 1)³
        var x = torch.full(5, 1, 2.0, dtype: ScalarType.Float64); var y = torch.full(6, 1, 1.0, dtype: ScalarType.Float64);
        double expected = Math.Pow(5, 3) + Math.Pow(2, 3) - 2 * Math.Pow(3, 3);
        Assert.Equal(expected, KernelDistance.UnbiasedMmd2(x, y), 9);
        torch.manual_seed(2);
        var p = torch.randn(2000, 8); var q = torch.randn(2000, 8); var shifted = torch.randn(2000, 8) + 0.5;
        var same = KernelDistance.Compute(p, q, subsets: 10, subsetSize: 500);
        var diff = KernelDistance.Compute(p, shifted, subsets: 10, subsetSize: 500);
        Assert.True(Math.Abs(same.Mean) < 0.02, $"same distribution KID {same.Mean}");
        Assert.True(diff.Mean > 10 * Math.Abs(same.Mean) && diff.Mean > 0.05, $"shifted KID {diff.Mean}");
    }
}

public class MixtureMetricTests
{
    [Fact]
    public void Modes_high_quality_and_reverse_kl_on_hand_made_samples()
    {
        var ring = MixtureSpec.Ring; // σ 0.01 → HQ radius 0.03
        var samples = new List<(double, double)>
        {
            (1.0, 0.0), (1.02, 0.0),       // mode 0, both HQ
            (0.0, 1.0),                    // mode 2, HQ
            (0.0, -1.1),                   // nearest mode 6, 0.1 away: not HQ, so mode 6 is not captured
        };
        var r = MixtureMetrics.Evaluate(samples, ring);
        Assert.Equal(2, r.ModesCaptured);
        Assert.Equal(0.75, r.HighQualityFraction, 9);
        // histogram (2, 1, 1)/4 over modes {0, 2, 6}: Σ p log(8p) = ½ log 4 + 2 · ¼ log 2
        Assert.Equal(0.5 * Math.Log(4) + 0.5 * Math.Log(2), r.ReverseKl, 9);
        Assert.Equal(9, MixtureMetrics.NearestMode(-2.1, 4.3, MixtureSpec.Grid.Modes, out _)); // (−2, 4) is index 1·5 + 4
    }

    [Fact]
    public void Uniform_coverage_has_zero_reverse_kl()
    {
        var grid = MixtureSpec.Grid;
        var samples = grid.Modes.Select(m => (m[0], m[1])).ToList();
        var r = MixtureMetrics.Evaluate(samples, grid);
        Assert.Equal((25, 1.0, 0.0), (r.ModesCaptured, r.HighQualityFraction, r.ReverseKl));
    }
}
