using System.Diagnostics;
using System.Globalization;
using GanService.Contracts;
using GanService.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace GanService.Bench;

/// <summary>
/// `upscale --model M --lr DIR [--size 2048]`: a large upscale through the inference library the service and
/// `gan upscale` run (GanPipelines.Translate at the image's own size, tiled above the native-size limit), on a mosaic of
/// the LR images in DIR (the held-out emoji of `gan datasets emoji --layout sr`). First, in a fresh process, the
/// size² request with the service's default limits: wall time, tiles, and the process's peak resident memory (VmHWM)
/// against what it held with the model loaded. Then, on a size a whole run can also do (size/4 → ×4), the tiled output
/// against the untiled one: max |Δ| over every output value before the bytes are written, and over the 8-bit images.
/// </summary>
public static class UpscaleBench
{
    public static int Run(string[] args)
    {
        string model = Arg(args, "--model") ?? throw new ArgumentException("--model DIR");
        string lr = Arg(args, "--lr") ?? throw new ArgumentException("--lr DIR (LR images)");
        int size = int.Parse(Arg(args, "--size") ?? "2048", CultureInfo.InvariantCulture);
        using var m = OnnxModel.Load(model, new SessionFactory("cpu"));
        var spec = m.Manifest.Image;
        if (spec.Scale == 1 || spec.TileMargin is null) throw new ArgumentException($"'{m.Manifest.Name}' is not a tiled upscaler");
        var limits = InferenceLimits.Default;
        using var mosaic = Mosaic(lr, size);
        // Warm-up on a small image, so the large run's time is the run's.
        using (var small = mosaic.Clone(c => c.Crop(64, 64))) GanPipelines.Translate(m, small, ResizePolicy.Stretch, null, default, limits: limits).Dispose();
        long loaded = Rss();
        var plan = NativeSize.Plan(spec, size, size, limits);
        var clock = Stopwatch.StartNew();
        using (var output = GanPipelines.Translate(m, mosaic, ResizePolicy.Stretch, null, default, limits: limits))
        {
            clock.Stop();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {size}×{size} → {output.Width}×{output.Height} | {plan.Tiles} tiles of ≤ {NativeSize.TileSize(spec, limits)}² input (margin {spec.TileMargin}) | {clock.Elapsed.TotalSeconds:F1} s | {Peak() / 1048576.0:F0} MiB (with the model loaded: {loaded / 1048576.0:F0} MiB) |"));
        }

        // Tiled against whole on a size both can do: the mosaic's top-left quarter side, ×scale.
        int side = size / 4;
        using var part = mosaic.Clone(c => c.Crop(side, side));
        var pixels = ImageCodec.ToTensor(part, spec with { Width = side, Height = side });
        float[] Run(float[] window, int w, int h) => m.Main.Run([NamedTensor.Of("image", window, 1, spec.Channels, h, w)], default)["output"].Floats!;
        var wholeLimits = limits with { MaxNativePixels = NativeSize.OutputPixels(spec, side, side) };
        var whole = NativeSize.Run(spec, pixels, side, side, Run, wholeLimits, default);
        var tiled = NativeSize.Run(spec, pixels, side, side, Run, limits, default);
        float max = whole.Zip(tiled, (a, b) => Math.Abs(a - b)).Max();
        using var wholeImage = GanPipelines.Translate(m, part, ResizePolicy.Stretch, null, default, limits: wholeLimits);
        using var tiledImage = GanPipelines.Translate(m, part, ResizePolicy.Stretch, null, default, limits: limits);
        int differ = 0, worst = 0;
        for (int y = 0; y < wholeImage.Height; y++)
            for (int x = 0; x < wholeImage.Width; x++)
            {
                Rgb24 a = wholeImage[x, y], b = tiledImage[x, y];
                int d = Math.Max(Math.Abs(a.R - b.R), Math.Max(Math.Abs(a.G - b.G), Math.Abs(a.B - b.B)));
                if (d > 0) differ++;
                worst = Math.Max(worst, d);
            }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {side}×{side} → {side * spec.Scale}² tiled ({NativeSize.Plan(spec, side, side, limits).Tiles} tiles) vs whole | max |Δ| {max:E2} over {whole.Length:N0} output values | {differ} of {wholeImage.Width * wholeImage.Height:N0} pixels differ in the PNG, by at most {worst} |"));
        return 0;
    }

    /// <summary>A size² mosaic of the folder's images (in name order, repeated as needed), each at its own size.</summary>
    private static Image<Rgb24> Mosaic(string dir, int size)
    {
        var files = Directory.GetFiles(dir, "*.png").Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new FileNotFoundException($"no PNG in '{dir}'");
        var mosaic = new Image<Rgb24>(size, size, new Rgb24(255, 255, 255));
        int i = 0;
        for (int y = 0; y < size;)
        {
            int rowHeight = 0;
            for (int x = 0; x < size;)
            {
                using var tile = Image.Load<Rgb24>(files[i++ % files.Length]);
                mosaic.Mutate(c => c.DrawImage(tile, new Point(x, y), 1f));
                x += tile.Width;
                rowHeight = Math.Max(rowHeight, tile.Height);
            }
            y += rowHeight;
        }
        return mosaic;
    }

    private static long Rss() => Status("VmRSS:");
    private static long Peak() => Status("VmHWM:");

    /// <summary>A /proc/self/status line in bytes (Linux).</summary>
    private static long Status(string key) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;

    private static string? Arg(string[] args, string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
