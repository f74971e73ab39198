namespace GanService.Training.Metrics;

/// <summary>The 2-D Gaussian-mixture benchmarks of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018).</summary>
public sealed record MixtureSpec(string Name, double[][] Modes, double Sigma)
{
    /// <summary>8 modes evenly on the unit circle, σ 0.01.</summary>
    public static MixtureSpec Ring => new("ring", Enumerable.Range(0, 8).Select(k => new[] { Math.Cos(2 * Math.PI * k / 8), Math.Sin(2 * Math.PI * k / 8) }).ToArray(), 0.01);

    /// <summary>25 modes on {−4, −2, 0, 2, 4}², σ 0.05.</summary>
    public static MixtureSpec Grid => new("grid", (from x in new[] { -4.0, -2, 0, 2, 4 } from y in new[] { -4.0, -2, 0, 2, 4 } select new[] { x, y }).ToArray(), 0.05);

    public Tensor Sample(long n, torch.Generator? generator = null)
    {
        var idx = torch.randint(0, Modes.Length, [n], generator: generator, dtype: ScalarType.Int64);
        var centres = torch.tensor(Modes.SelectMany(m => m).Select(v => (float)v).ToArray(), [Modes.Length, 2]);
        // A cached Scalar: a temporary one from the double can be finalized mid-call when another run's thread starts a GC.
        return centres.index_select(0, idx) + torch.randn([n, 2], generator: generator).mul(Layers.Scalars.Of(Sigma));
    }
}

/// <summary>
/// Mode-coverage metrics as PacGAN defines them: a sample is high-quality when within 3σ of its nearest mode; a mode is
/// captured when some high-quality sample's nearest mode is it; reverse KL = KL(p̂ ‖ uniform) where p̂ is the histogram
/// of the samples' nearest modes (all samples; empty bins contribute 0).
/// </summary>
public static class MixtureMetrics
{
    public sealed record Result(int ModesCaptured, int ModeCount, double HighQualityFraction, double ReverseKl);

    public static int NearestMode(double x, double y, double[][] modes, out double distance)
    {
        int best = 0;
        double bestD = double.PositiveInfinity;
        for (int k = 0; k < modes.Length; k++)
        {
            double dx = x - modes[k][0], dy = y - modes[k][1], d = dx * dx + dy * dy;
            if (d < bestD) (bestD, best) = (d, k);
        }
        distance = Math.Sqrt(bestD);
        return best;
    }

    public static Result Evaluate(IReadOnlyList<(double X, double Y)> samples, MixtureSpec spec)
    {
        int k = spec.Modes.Length;
        var captured = new bool[k];
        var histogram = new double[k];
        int hq = 0;
        foreach (var (x, y) in samples)
        {
            int m = NearestMode(x, y, spec.Modes, out double d);
            histogram[m]++;
            if (d <= 3 * spec.Sigma) { hq++; captured[m] = true; }
        }
        double n = samples.Count, kl = 0;
        foreach (var c in histogram)
            if (c > 0) kl += c / n * Math.Log(c / n * k);
        return new Result(captured.Count(c => c), k, hq / n, kl);
    }
}
