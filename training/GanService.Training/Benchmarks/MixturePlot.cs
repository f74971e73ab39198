using GanService.Training.Metrics;
using GanService.Training.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Training.Benchmarks;

/// <summary>Scatter plot of 2-D samples over a mixture's modes: grey rings mark each mode's 3σ high-quality disc,
/// high-quality samples are drawn blue, the rest red.</summary>
public static class MixturePlot
{
    public static Image<Rgb24> Scatter(IReadOnlyList<(double X, double Y)> points, MixtureSpec spec, int size = 240)
    {
        double extent = spec.Modes.Max(m => Math.Max(Math.Abs(m[0]), Math.Abs(m[1]))) * 1.35;
        var img = new Image<Rgb24>(size, size, new Rgb24(255, 255, 255));
        (int, int) Pixel(double x, double y) => ((int)Math.Round((x / extent + 1) / 2 * (size - 1)), (int)Math.Round((1 - (y / extent + 1) / 2) * (size - 1)));
        void Put(int px, int py, Rgb24 c) => PixelPlot.Put(img, px, py, c);
        var ring = new Rgb24(170, 170, 170);
        foreach (var m in spec.Modes)
        {
            double r = 3 * spec.Sigma;
            for (int a = 0; a < 64; a++)
            {
                var (px, py) = Pixel(m[0] + r * Math.Cos(a * Math.PI / 32), m[1] + r * Math.Sin(a * Math.PI / 32));
                Put(px, py, ring);
            }
        }
        var good = new Rgb24(30, 80, 220);
        var bad = new Rgb24(220, 40, 30);
        foreach (var (x, y) in points)
        {
            MixtureMetrics.NearestMode(x, y, spec.Modes, out double d);
            var (px, py) = Pixel(x, y);
            Put(px, py, d <= 3 * spec.Sigma ? good : bad);
        }
        return img;
    }
}
