namespace GanService.Training.Metrics;

/// <summary>
/// Fréchet distance between Gaussians fitted to two feature sets (Heusel et al. 2017):
/// ‖μ₁ − μ₂‖² + Tr Σ₁ + Tr Σ₂ − 2 Tr √(Σ₁ Σ₂). The trace term uses the symmetric form Tr √(√Σ₁ Σ₂ √Σ₁) (same eigenvalues
/// as Σ₁Σ₂, but a symmetric PSD matrix), so only symmetric eigendecompositions are needed — torch.linalg.eigh in float64,
/// negative round-off eigenvalues clamped to 0. No complex sqrtm, no "imaginary component" failures.
/// </summary>
public static class FrechetDistance
{
    public static (Tensor Mean, Tensor Cov) Moments(Tensor features)
    {
        var x = features.to_type(ScalarType.Float64);
        var mean = x.mean([0]);
        var c = x - mean;
        var cov = c.t().matmul(c) / Math.Max(1, x.shape[0] - 1); // unbiased, as numpy.cov in pytorch-fid
        return (mean, cov);
    }

    /// <summary>√A for symmetric PSD A via eigh (eigenvalues clamped at 0).</summary>
    public static Tensor SqrtSymmetric(Tensor a)
    {
        var sym = (a + a.t()) / 2;
        var (values, vectors) = torch.linalg.eigh(sym);
        return vectors.matmul(torch.diag(values.clamp_min(0).sqrt())).matmul(vectors.t());
    }

    public static double FromMoments(Tensor mu1, Tensor sigma1, Tensor mu2, Tensor sigma2)
    {
        using var scope = torch.NewDisposeScope();
        mu1 = mu1.to_type(ScalarType.Float64); mu2 = mu2.to_type(ScalarType.Float64);
        sigma1 = sigma1.to_type(ScalarType.Float64); sigma2 = sigma2.to_type(ScalarType.Float64);
        var s1 = SqrtSymmetric(sigma1);
        var m = s1.matmul(sigma2).matmul(s1);
        var eig = torch.linalg.eigvalsh((m + m.t()) / 2);
        double traceSqrt = eig.clamp_min(0).sqrt().sum().item<double>();
        double meanTerm = (mu1 - mu2).square().sum().item<double>();
        return meanTerm + sigma1.trace().item<double>() + sigma2.trace().item<double>() - 2 * traceSqrt;
    }

    public static double Compute(Tensor features1, Tensor features2)
    {
        using var scope = torch.NewDisposeScope();
        var (m1, c1) = Moments(features1);
        var (m2, c2) = Moments(features2);
        return FromMoments(m1, c1, m2, c2);
    }
}

/// <summary>
/// Kernel Inception Distance (Bińkowski et al. 2018) over any features: unbiased MMD² with the cubic polynomial kernel
/// k(x, y) = (xᵀy / d + 1)³, averaged over <c>subsets</c> random subsets of <c>subsetSize</c> from each set
/// (as in the reference code: 100 subsets of 1000). Returns mean and std over subsets.
/// </summary>
public static class KernelDistance
{
    public static Tensor Kernel(Tensor x, Tensor y) => (x.matmul(y.t()) / x.shape[1] + 1).pow(3);

    /// <summary>Unbiased MMD² between two samples (diagonals of K_xx, K_yy excluded).</summary>
    public static double UnbiasedMmd2(Tensor x, Tensor y)
    {
        using var scope = torch.NewDisposeScope();
        x = x.to_type(ScalarType.Float64); y = y.to_type(ScalarType.Float64);
        long m = x.shape[0], n = y.shape[0];
        var kxx = Kernel(x, x); var kyy = Kernel(y, y); var kxy = Kernel(x, y);
        double sxx = (kxx.sum() - kxx.diagonal().sum()).item<double>() / (m * (m - 1));
        double syy = (kyy.sum() - kyy.diagonal().sum()).item<double>() / (n * (n - 1));
        double sxy = kxy.sum().item<double>() / (m * n);
        return sxx + syy - 2 * sxy;
    }

    public static (double Mean, double Std) Compute(Tensor features1, Tensor features2, int subsets = 100, int subsetSize = 1000, int seed = 0)
    {
        long size = Math.Min(subsetSize, Math.Min(features1.shape[0], features2.shape[0]));
        var gen = new torch.Generator((ulong)seed);
        var values = new double[subsets];
        for (int s = 0; s < subsets; s++)
        {
            using var scope = torch.NewDisposeScope();
            var i1 = torch.randperm(features1.shape[0], generator: gen).narrow(0, 0, size);
            var i2 = torch.randperm(features2.shape[0], generator: gen).narrow(0, 0, size);
            values[s] = UnbiasedMmd2(features1.index_select(0, i1), features2.index_select(0, i2));
        }
        double mean = values.Average();
        double std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, subsets - 1));
        return (mean, std);
    }
}
