using System.Diagnostics;
using System.Globalization;
using GanService.Api.Hosting;
using GanService.Contracts;
using GanService.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace GanService.Bench;

/// <summary>
/// `upscale --model M --lr DIR [--size 2048] [--service-setting Gan:Key=value …]`: a large upscale request through the
/// service — the API in-process on a loopback port with its default settings (Gan:MaxNativePixels, Gan:MaxImagePixels,
/// Gan:RequestTimeoutSeconds) except those given, serving a copy of the model — on a
/// size² PNG mosaic of the LR images in DIR (the held-out emoji of `gan datasets emoji --layout sr`): POST /upscale/{model}
/// after a small warm-up request; wall time, response size and the process's peak resident memory (VmHWM: server and
/// client together) against what it held before the request. Then, through the inference library the service runs, on a
/// size both a whole run and the default tiling do (size/4 → ×4), the tiled output against the untiled one: max |Δ|
/// over every output value, and over the 8-bit images the service would send.
/// </summary>
public static class UpscaleBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        string model = Arg(args, "--model") ?? throw new ArgumentException("--model DIR");
        string lr = Arg(args, "--lr") ?? throw new ArgumentException("--lr DIR (LR images)");
        int size = int.Parse(Arg(args, "--size") ?? "2048", CultureInfo.InvariantCulture);
        // The service's settings as they come, except what --service-setting gives (e.g. Gan:RequestTimeoutSeconds=600).
        string[] settings = [.. args.Select((a, i) => (a, i)).Where(p => p.a == "--service-setting" && p.i + 1 < args.Length).Select(p => "--" + args[p.i + 1])];
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(model));
        string dir = Path.Combine(Path.GetTempPath(), $"gan-bench-upscale-{Environment.ProcessId}");
        ServiceLoad.CopyDirectory(model, Path.Combine(dir, name));
        try
        {
            byte[] png, small;
            using (var mosaic = Mosaic(lr, size))
            {
                png = ImageCodec.Encode(mosaic);
                using var corner = mosaic.Clone(c => c.Crop(64, 64));
                small = ImageCodec.Encode(corner);
            }
            await using (var app = GanApi.Build([$"--Gan:ModelsPath={dir}", "--Gan:Device=cpu", "--urls=http://127.0.0.1:0",
                "--environment=Production", "--Serilog:MinimumLevel:Default=Warning", .. settings]))
            {
                await app.StartAsync();
                using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First() + "/"), Timeout = TimeSpan.FromMinutes(30) };
                await ServiceLoad.WaitReadyAsync(http);
                if ((await Post(http, name, small)).Status != 200) throw new InvalidOperationException("the warm-up request failed"); // the session's first run, the encoder
                long before = Status("VmRSS:");
                var clock = Stopwatch.StartNew();
                var (status, result) = await Post(http, name, png);
                clock.Stop();
                string settingsText = settings.Length == 0 ? "defaults" : string.Join(" ", settings);
                if (status != 200)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| POST /upscale/{name}, {size}×{size} ({settingsText}) | {status}: {System.Text.Encoding.UTF8.GetString(result)} | {clock.Elapsed.TotalSeconds:F1} s | {Status("VmHWM:") / 1048576.0:F0} MiB |"));
                    return 1;
                }
                var info = Image.Identify(result);
                var spec = ModelManifest.Load(Path.Combine(dir, name, "model.json")).Image;
                var plan = NativeSize.Plan(spec, size, size, InferenceLimits.Default);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| POST /upscale/{name}, {size}×{size} PNG ({png.Length / 1048576.0:F1} MiB; {settingsText}) | {info.Width}×{info.Height} PNG ({result.Length / 1048576.0:F1} MiB) | {plan.Tiles} tiles of ≤ {NativeSize.TileSize(spec, InferenceLimits.Default)}² input (margin {spec.TileMargin}) | {clock.Elapsed.TotalSeconds:F1} s | {Status("VmHWM:") / 1048576.0:F0} MiB (before the request: {before / 1048576.0:F0} MiB) |"));
                await app.StopAsync();
            }
            if (args.Contains("--no-compare")) return 0;
            using var m = OnnxModel.Load(Path.Combine(dir, name), new SessionFactory("cpu"));
            using var part = Image.Load<Rgb24>(png);
            part.Mutate(c => c.Crop(size / 4, size / 4));
            Compare(m, part);
            return 0;
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static async Task<(int Status, byte[] Body)> Post(HttpClient http, string model, byte[] png)
    {
        using var content = new ByteArrayContent(png);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        using var response = await http.PostAsync($"upscale/{model}", content);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>The tiled run with the default limits against a whole run, on an image both can do.</summary>
    private static void Compare(OnnxModel m, Image<Rgb24> part)
    {
        var spec = m.Manifest.Image;
        int side = part.Width;
        var limits = InferenceLimits.Default;
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
            $"| {side}×{side} → {side * spec.Scale}² tiled ({NativeSize.Plan(spec, side, side, limits).Tiles} tiles) vs whole | max |Δ| {max:E2} over {whole.Length:N0} output values | {differ} of {wholeImage.Width * wholeImage.Height:N0} pixels differ in the 8-bit image, by at most {worst} |"));
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

    /// <summary>A /proc/self/status line in bytes (Linux).</summary>
    private static long Status(string key) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;

    private static string? Arg(string[] args, string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
