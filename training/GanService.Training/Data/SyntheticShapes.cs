using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Training.Data;

public enum ShapeKind { Circle, Square, Triangle }

/// <summary>
/// Deterministic synthetic shapes for the translation families (no downloads needed). Every image is a function of
/// (seed, index) only: a circle, square or triangle of random size/position/rotation on white.
/// <list type="bullet">
/// <item>aligned (pix2pix): A = black outline, B = the same shape filled with its kind's colour (circle red, square
/// blue, triangle green), saved side by side as A|B in train/ and test/.</item>
/// <item>unaligned (CycleGAN): trainA/testA red filled shapes, trainB/testB blue filled shapes (independent draws).</item>
/// <item>domains (StarGAN): train/red, train/green, train/blue: filled shapes in each colour.</item>
/// </list>
/// </summary>
public static class SyntheticShapes
{
    public static readonly Rgb24 Red = new(220, 40, 40), Green = new(40, 170, 60), Blue = new(40, 70, 220);
    public static readonly (string Name, Rgb24 Color)[] Domains = [("blue", Blue), ("green", Green), ("red", Red)];

    public readonly record struct Shape(ShapeKind Kind, double Cx, double Cy, double R, double Angle);

    public static Shape Draw(int seed, int index, int size)
    {
        var rng = ImageFolders.SampleRandom(seed, 0x5AFE, index);
        var kind = (ShapeKind)rng.Next(3);
        double r = size * (0.18 + 0.14 * rng.NextDouble());
        double cx = r + 2 + rng.NextDouble() * (size - 2 * r - 4), cy = r + 2 + rng.NextDouble() * (size - 2 * r - 4);
        return new Shape(kind, cx, cy, r, rng.NextDouble() * Math.PI * 2);
    }

    public static Rgb24 ColorOf(ShapeKind kind) => kind switch { ShapeKind.Circle => Red, ShapeKind.Square => Blue, _ => Green };

    /// <summary>Signed distance (pixels) from (x, y) to the shape's boundary, negative inside.</summary>
    public static double Distance(Shape s, double x, double y)
    {
        double dx = x - s.Cx, dy = y - s.Cy;
        double c = Math.Cos(s.Angle), sn = Math.Sin(s.Angle);
        double u = c * dx + sn * dy, v = -sn * dx + c * dy;
        switch (s.Kind)
        {
            case ShapeKind.Circle: return Math.Sqrt(u * u + v * v) - s.R;
            case ShapeKind.Square:
            {
                double h = s.R * 0.8, qx = Math.Abs(u) - h, qy = Math.Abs(v) - h;
                return Math.Sqrt(Math.Max(qx, 0) * Math.Max(qx, 0) + Math.Max(qy, 0) * Math.Max(qy, 0)) + Math.Min(Math.Max(qx, qy), 0);
            }
            default:
            {
                // equilateral triangle: max of the three half-plane distances (a good enough SDF inside and near the edge)
                double d = double.MinValue;
                for (int k = 0; k < 3; k++)
                {
                    double a = k * 2 * Math.PI / 3;
                    d = Math.Max(d, u * Math.Cos(a) + v * Math.Sin(a) - s.R * 0.55);
                }
                return d;
            }
        }
    }

    /// <summary>Outline (black line ~2 px on white) or filled (colour on white), anti-aliased over one pixel.</summary>
    public static Image<Rgb24> Render(Shape s, int size, Rgb24? fill)
    {
        var img = new Image<Rgb24>(size, size, new Rgb24(255, 255, 255));
        double line = Math.Max(1.0, size / 40.0);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double d = Distance(s, x + 0.5, y + 0.5);
                double cover = fill is null ? Math.Clamp(line + 0.5 - Math.Abs(d), 0, 1) : Math.Clamp(0.5 - d, 0, 1);
                if (cover <= 0) continue;
                var c = fill ?? new Rgb24(0, 0, 0);
                img[x, y] = new Rgb24(Mix(255, c.R, cover), Mix(255, c.G, cover), Mix(255, c.B, cover));
            }
        return img;
    }

    private static byte Mix(byte a, byte b, double t) => (byte)Math.Round(a + (b - a) * t);

    /// <summary>Writes the dataset; returns the number of files written. Existing files with the same names are replaced.</summary>
    public static int Write(string outDir, string layout, int count, int size, int seed, int testCount)
    {
        int written = 0;
        void Save(Image<Rgb24> img, string dir, string name)
        {
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, name), ImageCodec.Encode(img));
            written++;
        }
        string Name(int i) => $"{i:D5}.png";
        switch (layout)
        {
            case "aligned":
                foreach (var (phase, n, offset) in new[] { ("train", count, 0), ("test", testCount, 1_000_000) })
                    for (int i = 0; i < n; i++)
                    {
                        var s = Draw(seed, offset + i, size);
                        using var a = Render(s, size, null);
                        using var b = Render(s, size, ColorOf(s.Kind));
                        using var ab = new Image<Rgb24>(size * 2, size);
                        for (int y = 0; y < size; y++)
                            for (int x = 0; x < size; x++) { ab[x, y] = a[x, y]; ab[x + size, y] = b[x, y]; }
                        Save(ab, Path.Combine(outDir, phase), Name(i));
                    }
                break;
            case "unaligned":
                foreach (var (phase, n, offset) in new[] { ("train", count, 0), ("test", testCount, 1_000_000) })
                    for (int i = 0; i < n; i++)
                    {
                        using (var ia = Render(Draw(seed, offset + 2 * i, size), size, Red)) Save(ia, Path.Combine(outDir, phase + "A"), Name(i));
                        using (var ib = Render(Draw(seed, offset + 2 * i + 1, size), size, Blue)) Save(ib, Path.Combine(outDir, phase + "B"), Name(i));
                    }
                break;
            case "domains":
                for (int i = 0; i < count; i++)
                {
                    var (name, color) = Domains[i % Domains.Length];
                    using var img = Render(Draw(seed, i, size), size, color);
                    Save(img, Path.Combine(outDir, "train", name), Name(i));
                }
                break;
            default: throw new ArgumentException($"unknown layout '{layout}' (aligned, unaligned, domains)");
        }
        return written;
    }
}
