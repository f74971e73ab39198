using System.Globalization;

namespace GanService.Tests;

/// <summary>
/// How a pinned number (a loss of the first steps, a network's output for a fixed seed) is compared, in one place.
/// Pins are recorded on one CPU; another computes the same maths with other kernels (SIMD width, blocking, the
/// reduction order of a sum; libtorch's own convolution code when a remedy of docs/platform.md turns oneDNN off), which
/// moves a float32 result in its 6th–7th digit. Measured: pins recorded on one CPU, the suite run on an AMD Zen 5 under
/// three convolution implementations (oneDNN capped at SSE4.1, libtorch's im2col + GEMM twice): the largest difference
/// over all 184 pinned values was 6.2e-6 relative (losses.csv keeps 6 significant digits, so much of it is rounding).
/// A real change of a step's numerics (an extra random draw, a reordered phase, another initialisation, a changed loss)
/// moves these numbers by 1e-3 or more. The tolerance sits between, 16 times above what was seen: 1e-4 of the value,
/// and 1e-5 absolute for values near zero.
/// A mean of a network's outputs that lies near zero after an optimiser step is the exception: the mean cancels values of
/// the outputs' own scale, and Adam's first step (about lr · sign(g) per weight) turns a rounding-sized difference in a
/// near-zero gradient into a step-sized one. Measured: SRGAN's mean D logit after D's first step, pinned on an AMD Zen 5,
/// came out 1.6e-4 away (2.3e-3 of its value, −0.069) on an AMD EPYC with AVX-512 (CPU family 25), while every loss of
/// the same steps stayed within 1e-4. Such a value passes its own absolute tolerance (<see cref="Equal"/>'s
/// <c>absolute</c>), chosen on the outputs' scale.
/// </summary>
public static class Pinned
{
    public const double Relative = 1e-4, Absolute = 1e-5;

    public static bool Close(double actual, double expected, double absolute = Absolute) =>
        double.IsNaN(expected) ? double.IsNaN(actual) : Math.Abs(actual - expected) <= Math.Max(absolute, Relative * Math.Abs(expected));

    /// <summary>"" when every value is close, else one line per value that is not.</summary>
    public static string Differences(IEnumerable<(string What, double Actual, double Expected)> values, double absolute = Absolute) =>
        string.Join("; ", values.Where(v => !Close(v.Actual, v.Expected, absolute)).Select(v =>
            $"{v.What}: {v.Actual.ToString("G6", CultureInfo.InvariantCulture)}, expected {v.Expected.ToString("G6", CultureInfo.InvariantCulture)}"));

    public static void Equal(IEnumerable<(string What, double Actual, double Expected)> values, double absolute = Absolute)
    {
        var list = values.ToList();
        Assert.NotEmpty(list);
        if (Environment.GetEnvironmentVariable("GAN_PIN_LOG") is { Length: > 0 } logFile)
            File.AppendAllLines(logFile, list.Where(v => !double.IsNaN(v.Expected)).Select(v =>
                $"{v.What}\t{Math.Abs(v.Actual - v.Expected) / Math.Max(1e-12, Math.Abs(v.Expected)):E2}\t{Math.Abs(v.Actual - v.Expected):E2}"));
        var differences = Differences(list, absolute);
        Assert.True(differences.Length == 0, differences);
    }
}
