using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace GanService.Training.Data;

/// <summary>A data folder that is missing, empty or laid out differently from what the loader expects.</summary>
public sealed class DatasetLayoutException(string message) : Exception(message);

/// <summary>Finding image files, and the per-sample random geometry shared by both halves of a pair.</summary>
public static class ImageFolders
{
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".webp"];

    public static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>Image files directly inside <paramref name="dir"/>, sorted by ordinal name (reproducible order).</summary>
    public static string[] List(string dir, string expected)
    {
        if (!Directory.Exists(dir)) throw new DatasetLayoutException($"folder '{dir}' does not exist; expected {expected}");
        var files = Directory.EnumerateFiles(dir).Where(IsImage).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
            throw new DatasetLayoutException($"folder '{dir}' holds no images ({string.Join(", ", Extensions)}); expected {expected}");
        return files;
    }

    /// <summary>DIR/phase if it exists (junyanz dataroot/phase), else DIR itself.</summary>
    public static string Phase(string root, string phase)
    {
        if (!Directory.Exists(root)) throw new DatasetLayoutException($"data folder '{root}' does not exist");
        var p = Path.Combine(root, phase);
        return Directory.Exists(p) ? p : root;
    }

    /// <summary>A reproducible RNG for (seed, epoch, index): SplitMix64 of the three, so parallel decoding order does not matter.</summary>
    public static Random SampleRandom(int seed, int epoch, int index)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)epoch * 0xBF58476D1CE4E5B9UL ^ (ulong)(uint)index * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return new Random((int)(z & 0x7FFFFFFF));
    }

    public static Image<Rgb24> Decode(string path) => ImageCodec.Decode(File.ReadAllBytes(path), Limits);

    private static readonly ImageLimits Limits = new(MaxPixels: 64_000_000);
}

/// <summary>
/// junyanz 'resize_and_crop' (+ flip): resize to LoadSize² (bicubic), take a random CropSize² window, mirror with
/// probability ½. <see cref="Draw"/> samples the geometry once; <see cref="Apply"/> applies it, so A and B of a pair
/// get exactly the same crop and flip. Output: (C, H, W) floats in [-1, 1].
/// </summary>
public sealed record ImageTransform(int LoadSize, int CropSize, bool Flip = true, int Channels = 3)
{
    public readonly record struct Geometry(int X, int Y, bool Mirror);

    public ImageSpec Spec => new(Channels, CropSize, CropSize);

    public Geometry Draw(Random rng)
    {
        if (CropSize > LoadSize) throw new ArgumentException($"crop size {CropSize} exceeds load size {LoadSize}");
        int range = LoadSize - CropSize + 1;
        return new Geometry(rng.Next(range), rng.Next(range), Flip && rng.NextDouble() < 0.5);
    }

    /// <summary>No randomness (evaluation): centre crop, no flip.</summary>
    public Geometry Centre => new((LoadSize - CropSize) / 2, (LoadSize - CropSize) / 2, false);

    public float[] Apply(Image<Rgb24> image, Geometry g)
    {
        using var resized = image.Clone(ctx =>
        {
            if (image.Width != LoadSize || image.Height != LoadSize)
                ctx.Resize(new ResizeOptions { Size = new SixLabors.ImageSharp.Size(LoadSize, LoadSize), Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Bicubic });
            if (CropSize != LoadSize) ctx.Crop(new Rectangle(g.X, g.Y, CropSize, CropSize));
            if (g.Mirror) ctx.Flip(FlipMode.Horizontal);
        });
        return ImageCodec.ToTensor(resized, Spec);
    }
}
