using System.Diagnostics;
using GanService.Contracts;
using GanService.Fuzzing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;

// Decoder comparison for issue 10: is SkiaSharp (libpng, libjpeg-turbo, libwebp) worth replacing ImageSharp 2.1.13's
// decoders? Measures the median time per decode of ordinary uploads, and runs the hostile cases through each decoder
// alone (no intake) with a deadline. Usage: dotnet run -c Release --project bench/GanService.DecoderBench [-- out.md]
var output = args.Length > 0 ? args[0] : "bench/decoders.md";
var limits = new ImageLimits(MaxPixels: 16_000_000);
var md = new System.Text.StringBuilder();
md.AppendLine($"| image | bytes | intake check | intake + ImageSharp decode | SkiaSharp decode | intake + SkiaSharp |");
md.AppendLine("|---|---:|---:|---:|---:|---:|");
foreach (int size in new[] { 256, 1024, 2048 })
    foreach (var (name, bytes) in Samples(size))
    {
        double intake = Median(() => GanService.Contracts.Intake.ImageIntake.Check(bytes, limits));
        double sharp = Median(() => ImageCodec.Decode(bytes, limits).Dispose());
        double skia = Median(() => SkiaDecode(bytes).Dispose());
        double both = Median(() => SkiaDecode(GanService.Contracts.Intake.ImageIntake.Check(bytes, limits).Bytes).Dispose());
        md.AppendLine($"| {name} {size}² | {bytes.Length:N0} | {intake:F2} ms | {sharp:F2} ms | {skia:F2} ms | {both:F2} ms |");
    }
md.AppendLine();
md.AppendLine("| hostile case, decoder alone (no intake) | ImageSharp 2.1.13 `Image.Load` | SkiaSharp `SKBitmap.Decode` |");
md.AppendLine("|---|---|---|");
var hostile = new (string Name, byte[] Bytes)[]
{
    ("8×8 interlaced PNG, data 10 bytes short", new PngBuilder { Width = 8, Height = 8, Interlaced = true, RawDelta = -10 }.Build()),
    ("zTXt inflating to 256 MiB", new PngBuilder { BeforeImageData = [("zTXt", [.. "C"u8, 0, 0, .. PngBuilder.ZlibOfZeros(HostileImages.BombBytes)])] }.Build()),
    ("iCCP inflating to 256 MiB", new PngBuilder { BeforeImageData = [("iCCP", [.. "P"u8, 0, 0, .. PngBuilder.ZlibOfZeros(HostileImages.BombBytes)])] }.Build()),
    ("8×8 IDAT inflating to 256 MiB", new PngBuilder { ImageData = PngBuilder.ZlibOfZeros(HostileImages.BombBytes) }.Build()),
};
foreach (var (name, bytes) in hostile)
    md.AppendLine($"| {name} | {Outcome(() => Image.Load<Rgb24>(bytes).Dispose())} | {Outcome(() => SkiaDecode(bytes).Dispose())} |");
int skiaRefused = 0, skiaDecoded = 0, corpus = 0;
var slowest = 0.0;
foreach (var c in HostileImages.Generate(3000))
{
    corpus++;
    var clock = Stopwatch.StartNew();
    try { SkiaDecode(c.Bytes).Dispose(); skiaDecoded++; } catch (Exception) { skiaRefused++; } // null result, no codec, or "Unable to allocate pixels" (Skia has no pixel cap of its own)
    slowest = Math.Max(slowest, clock.Elapsed.TotalMilliseconds);
}
md.AppendLine();
md.AppendLine($"SkiaSharp alone on the first {corpus:N0} fuzz cases: {skiaDecoded:N0} decoded, {skiaRefused:N0} refused, slowest {slowest:F0} ms.");
File.WriteAllText(output, md.ToString());
Console.WriteLine(md);

// SKBitmap.Decode returns null for an undecodable image, and throws ArgumentNullException when no codec recognises it.
static SKBitmap SkiaDecode(byte[] bytes) => SKBitmap.Decode(bytes) ?? throw new InvalidDataException("SkiaSharp could not decode it");

static double Median(Action run)
{
    run(); // warm-up
    var times = new List<double>();
    var total = Stopwatch.StartNew();
    while (times.Count < 5 || (times.Count < 50 && total.Elapsed < TimeSpan.FromSeconds(2)))
    {
        var clock = Stopwatch.StartNew();
        run();
        times.Add(clock.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    return times[times.Count / 2];
}

/// <summary>Runs a decode on its own thread with a 10 s deadline: what it returned or threw, and how long it took.</summary>
static string Outcome(Action decode)
{
    long allocated = GC.GetTotalAllocatedBytes(true);
    var clock = Stopwatch.StartNew();
    var task = Task.Run(decode);
    if (!task.Wait(TimeSpan.FromSeconds(10))) return "**still running after 10 s** (abandoned)";
    var ms = clock.Elapsed.TotalMilliseconds;
    long mb = (GC.GetTotalAllocatedBytes(true) - allocated) >> 20;
    return task.IsFaulted ? $"{task.Exception!.InnerException!.GetType().Name} after {ms:F0} ms, {mb} MiB allocated" : $"decoded in {ms:F0} ms, {mb} MiB allocated";
}

static IEnumerable<(string, byte[])> Samples(int size)
{
    using var image = new Image<Rgb24>(size, size);
    var random = new Random(size);
    image.ProcessPixelRows(rows =>
    {
        for (int y = 0; y < rows.Height; y++)
        {
            var row = rows.GetRowSpan(y);
            for (int x = 0; x < row.Length; x++) row[x] = new Rgb24((byte)(x * 255 / size + random.Next(8)), (byte)(y * 255 / size), (byte)((x ^ y) & 255));
        }
    });
    using var png = new MemoryStream();
    image.SaveAsPng(png);
    yield return ("PNG", png.ToArray());
    using var jpeg = new MemoryStream();
    image.SaveAsJpeg(jpeg, new JpegEncoder { Quality = 90 });
    yield return ("JPEG", jpeg.ToArray());
    using var webp = new MemoryStream();
    image.SaveAsWebp(webp, new WebpEncoder { FileFormat = WebpFileFormatType.Lossy });
    yield return ("WebP", webp.ToArray());
}
