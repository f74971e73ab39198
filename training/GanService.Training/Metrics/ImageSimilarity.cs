using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Training.Metrics;

/// <summary>
/// Per-image comparisons with a ground-truth image, on RGB pixels scaled to [0, 1]:
/// mean absolute error (L1) and SSIM (Wang et al. 2004: 11×11 Gaussian window σ 1.5, C1 = 0.01², C2 = 0.03², over the
/// valid window positions, averaged over positions and channels — the settings of the paper and of skimage's
/// gaussian_weights=True mode).
/// </summary>
public static class ImageSimilarity
{
    public const int Window = 11;
    public const double Sigma = 1.5, C1 = 0.01 * 0.01, C2 = 0.03 * 0.03;

    public static double L1(Image<Rgb24> a, Image<Rgb24> b) =>
        MeanOverValues(a, b, d => Math.Abs(d)) / 255;

    /// <summary>Peak signal-to-noise ratio in dB over the RGB channels, peak 255 (the super-resolution papers' measure, here
    /// on RGB rather than the Y channel some of them use); +∞ for identical images.</summary>
    public static double Psnr(Image<Rgb24> a, Image<Rgb24> b)
    {
        double mse = MeanOverValues(a, b, d => d * d);
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
    }

    /// <summary>The mean of <paramref name="f"/> of the differences of every R, G and B value (0…255 scale).</summary>
    private static double MeanOverValues(Image<Rgb24> a, Image<Rgb24> b, Func<int, double> f)
    {
        SameSize(a, b);
        double sum = 0;
        for (int y = 0; y < a.Height; y++)
            for (int x = 0; x < a.Width; x++)
            {
                Rgb24 p = a[x, y], q = b[x, y];
                sum += f(p.R - q.R) + f(p.G - q.G) + f(p.B - q.B);
            }
        return sum / (3.0 * a.Width * a.Height);
    }

    public static double Ssim(Image<Rgb24> a, Image<Rgb24> b)
    {
        SameSize(a, b);
        if (a.Width < Window || a.Height < Window) throw new ArgumentException($"SSIM needs images of at least {Window}×{Window}");
        var w = GaussianWindow();
        double total = 0;
        for (int c = 0; c < 3; c++)
        {
            var x = Channel(a, c);
            var yv = Channel(b, c);
            total += SsimChannel(x, yv, a.Width, a.Height, w);
        }
        return total / 3;
    }

    /// <summary>Mean SSIM of one channel (values in [0, 1], row-major w×h).</summary>
    public static double SsimChannel(double[] x, double[] y, int width, int height, double[,] window)
    {
        int k = window.GetLength(0);
        double sum = 0;
        int count = 0;
        for (int oy = 0; oy + k <= height; oy++)
            for (int ox = 0; ox + k <= width; ox++)
            {
                double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
                for (int j = 0; j < k; j++)
                    for (int i = 0; i < k; i++)
                    {
                        double g = window[j, i];
                        int p = (oy + j) * width + ox + i;
                        mx += g * x[p]; my += g * y[p];
                        sxx += g * x[p] * x[p]; syy += g * y[p] * y[p]; sxy += g * x[p] * y[p];
                    }
                double vx = sxx - mx * mx, vy = syy - my * my, cxy = sxy - mx * my;
                sum += (2 * mx * my + C1) * (2 * cxy + C2) / ((mx * mx + my * my + C1) * (vx + vy + C2));
                count++;
            }
        return sum / count;
    }

    /// <summary>The normalised 11×11 Gaussian (σ 1.5).</summary>
    public static double[,] GaussianWindow()
    {
        var w = new double[Window, Window];
        double total = 0;
        int r = Window / 2;
        for (int j = 0; j < Window; j++)
            for (int i = 0; i < Window; i++)
                total += w[j, i] = Math.Exp(-((i - r) * (i - r) + (j - r) * (j - r)) / (2 * Sigma * Sigma));
        for (int j = 0; j < Window; j++)
            for (int i = 0; i < Window; i++) w[j, i] /= total;
        return w;
    }

    private static double[] Channel(Image<Rgb24> img, int c)
    {
        var v = new double[img.Width * img.Height];
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                var p = img[x, y];
                v[y * img.Width + x] = (c == 0 ? p.R : c == 1 ? p.G : p.B) / 255.0;
            }
        return v;
    }

    private static void SameSize(Image<Rgb24> a, Image<Rgb24> b)
    {
        if (a.Width != b.Width || a.Height != b.Height) throw new ArgumentException($"images differ in size: {a.Width}×{a.Height} vs {b.Width}×{b.Height}");
    }
}

/// <summary>
/// The colour-histogram-transfer baseline: each RGB channel of an image is remapped so that its value distribution
/// matches a reference distribution (classic histogram specification: v → the smallest u with CDF_ref(u) ≥ CDF_src(v)).
/// The reference is pooled over many images of the target style, so the baseline gets the target's palette but
/// keeps the input's drawing.
/// </summary>
public sealed class HistogramTransfer
{
    private readonly double[][] _cdf;

    private HistogramTransfer(double[][] cdf) => _cdf = cdf;

    public static HistogramTransfer FromImages(IEnumerable<Image<Rgb24>> reference)
    {
        var counts = new long[3][];
        for (int c = 0; c < 3; c++) counts[c] = new long[256];
        foreach (var img in reference) Accumulate(img, counts);
        return new HistogramTransfer(counts.Select(Cdf).ToArray());
    }

    public Image<Rgb24> Apply(Image<Rgb24> input)
    {
        var counts = new long[3][];
        for (int c = 0; c < 3; c++) counts[c] = new long[256];
        Accumulate(input, counts);
        var map = new byte[3][];
        for (int c = 0; c < 3; c++)
        {
            var src = Cdf(counts[c]);
            map[c] = new byte[256];
            int u = 0;
            for (int v = 0; v < 256; v++)
            {
                // Both CDFs are non-decreasing, so u only moves forward; the 1e-12 absorbs rounding in the sums.
                while (u < 255 && _cdf[c][u] < src[v] - 1e-12) u++;
                map[c][v] = (byte)u;
            }
        }
        var output = input.Clone();
        for (int y = 0; y < output.Height; y++)
            for (int x = 0; x < output.Width; x++)
            {
                var p = output[x, y];
                output[x, y] = new Rgb24(map[0][p.R], map[1][p.G], map[2][p.B]);
            }
        return output;
    }

    private static void Accumulate(Image<Rgb24> img, long[][] counts)
    {
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                var p = img[x, y];
                counts[0][p.R]++; counts[1][p.G]++; counts[2][p.B]++;
            }
    }

    private static double[] Cdf(long[] counts)
    {
        double total = counts.Sum(), run = 0;
        var cdf = new double[256];
        for (int v = 0; v < 256; v++) cdf[v] = (run += counts[v]) / Math.Max(1, total);
        return cdf;
    }
}
