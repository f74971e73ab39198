using System.Globalization;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace GanService.Training.Data.Emoji;

/// <summary>What was done to one HR image to make its degraded LR image.</summary>
/// <param name="BlurSigma">Gaussian blur σ in HR pixels, before the downsampling.</param>
/// <param name="NoiseSigma">Gaussian noise σ in 8-bit levels (of 255), each channel drawn on its own, after it.</param>
/// <param name="JpegQuality">JPEG quality of the last step (encoded and decoded again).</param>
public sealed record SrDegradationParameters(double BlurSigma, double NoiseSigma, int JpegQuality)
{
    public string ToCsv() => string.Create(CultureInfo.InvariantCulture, $"{BlurSigma:F3},{NoiseSigma:F3},{JpegQuality}");
}

/// <summary>
/// A Real-ESRGAN-style degradation (Wang et al. 2021, first-order version), for an LR set closer to the images people
/// upscale than a clean bicubic downsample: Gaussian blur on HR (σ uniform in [0.2, 3], Real-ESRGAN's blur_sigma), the
/// bicubic ×scale downsample of the clean set, additive Gaussian noise (σ uniform in [1, 30] of 255, its noise_range,
/// colour noise), and a JPEG round trip (quality uniform in [30, 95], its jpeg_range). Real-ESRGAN also draws
/// anisotropic and sinc kernels, Poisson noise, random resize modes and a second degradation pass; those are left out so
/// every LR image is described by three numbers, written beside it (LR/degradations.csv). Each image's draws come from
/// its own generator, seeded from the run's seed and the file name (FNV-1a), so a rebuild gives the same images.
/// </summary>
public static class SrDegradation
{
    public const double MinBlur = 0.2, MaxBlur = 3.0, MinNoise = 1, MaxNoise = 30;
    public const int MinQuality = 30, MaxQuality = 95;
    public const string CsvFile = "degradations.csv";

    public static string Description { get; } = string.Create(CultureInfo.InvariantCulture,
        $"Real-ESRGAN-style degradation: Gaussian blur σ ~ U[{MinBlur}, {MaxBlur}] HR px, bicubic downsample, Gaussian noise σ ~ U[{MinNoise}, {MaxNoise}]/255 per channel, JPEG quality ~ U[{MinQuality}, {MaxQuality}]; parameters per image in LR/{CsvFile}");

    /// <summary>The parameters drawn for <paramref name="name"/> under <paramref name="seed"/>, and the generator that then draws the noise.</summary>
    public static (SrDegradationParameters Parameters, Random Rng) Draw(string name, int seed)
    {
        uint h = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(name)) h = (h ^ b) * 16777619;
        var rng = new Random(unchecked((int)h) ^ seed);
        var p = new SrDegradationParameters(MinBlur + rng.NextDouble() * (MaxBlur - MinBlur), MinNoise + rng.NextDouble() * (MaxNoise - MinNoise),
            rng.Next(MinQuality, MaxQuality + 1));
        return (p, rng);
    }

    /// <summary>The degraded LR image of <paramref name="hr"/> (×<paramref name="scale"/> smaller).</summary>
    public static Image<Rgb24> Apply(Image<Rgb24> hr, int scale, SrDegradationParameters p, Random rng)
    {
        using var blurred = hr.Clone(c => c.GaussianBlur((float)p.BlurSigma));
        using var lr = EmojiDatasets.Downsample(blurred, scale);
        lr.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
                foreach (ref var px in rows.GetRowSpan(y))
                    px = new Rgb24(Noisy(px.R, p.NoiseSigma, rng), Noisy(px.G, p.NoiseSigma, rng), Noisy(px.B, p.NoiseSigma, rng));
        });
        using var jpeg = new MemoryStream();
        lr.SaveAsJpeg(jpeg, new JpegEncoder { Quality = p.JpegQuality });
        jpeg.Position = 0;
        return Image.Load<Rgb24>(jpeg);
    }

    private static byte Noisy(byte value, double sigma, Random rng)
    {
        // Box–Muller: one N(0, 1) draw from two uniforms.
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        double n = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return (byte)Math.Clamp(Math.Round(value + sigma * n), 0, 255);
    }
}
