using System.CommandLine;
using System.Globalization;
using GanService.Contracts;
using GanService.Inference;
using GanService.Training.Metrics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace GanService.Cli.Commands;

/// <summary>
/// `gan eval upscale --model M --data DATA/test`: a super-resolution model against exact ground truth (the `sr` layout of
/// `gan datasets emoji`: LR/ and HR/ with the same file names). Every LR image runs through the served pipeline at its own
/// size; the output is compared with HR by PSNR and SSIM (<see cref="ImageSimilarity"/>), beside the two baselines every
/// super-resolution paper reports: bicubic and nearest-neighbour upscaling of the same LR image. Optionally writes a grid
/// a person can judge: rows of LR (nearest) | bicubic | output | truth.
/// </summary>
public static class EvalUpscaleCommand
{
    public sealed record Scores(string Method, double Psnr, double Ssim);

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model folder (an upscaler: image.outputScale > 1)", Required = true };
        var data = new Option<string>("--data") { Description = "a folder with LR/ and HR/ of the same file names (DATA/test of `gan datasets emoji --layout sr`)", Required = true };
        var limit = new Option<int?>("--limit") { Description = "use only the first N pairs (by file name)" };
        var grid = new Option<string?>("--grid") { Description = "PNG: rows of LR (nearest) | bicubic | output | truth" };
        var gridCount = new Option<int>("--grid-count") { Description = "rows in the grid", DefaultValueFactory = _ => 8 };
        var cmd = new Command("upscale", "PSNR / SSIM of an upscaler against the true high-resolution image, beside bicubic and nearest-neighbour") { model, data, limit, grid, gridCount };
        cmd.SetAction(parse => ModelArguments.Run(parse, stdout =>
        {
            using var m = ModelArguments.Open(parse.GetValue(model)!);
            var spec = m.Manifest.Image;
            if (spec.Scale == 1) throw new ArgumentException($"model '{m.Manifest.Name}' keeps the image's size (no image.outputScale): not an upscaler");
            string root = parse.GetValue(data)!;
            var pairs = Pairs(root, parse.GetValue(limit));
            var (scores, rows) = Evaluate(m, pairs, parse.GetValue(grid) is null ? 0 : parse.GetValue(gridCount));
            stdout.WriteLine($"{pairs.Count} held-out pairs, ×{spec.Scale}");
            stdout.WriteLine("| method | PSNR (dB) | SSIM |");
            stdout.WriteLine("|---|---|---|");
            foreach (var s in scores) stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {s.Method} | {s.Psnr:F2} | {s.Ssim:F4} |"));
            if (parse.GetValue(grid) is { } gridPath)
            {
                File.WriteAllBytes(gridPath, ImageGrid.Encode(rows, 4));
                stdout.WriteLine($"grid: {gridPath} (LR nearest | bicubic | output | truth)");
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>LR/x.png ↔ HR/x.png, ordered by name.</summary>
    public static List<(string Lr, string Hr)> Pairs(string root, int? limit)
    {
        string lr = Path.Combine(root, "LR"), hr = Path.Combine(root, "HR");
        if (!Directory.Exists(lr) || !Directory.Exists(hr)) throw new DirectoryNotFoundException($"'{root}' needs LR/ and HR/ (gan datasets emoji --layout sr)");
        var pairs = Directory.EnumerateFiles(lr, "*.png").Order(StringComparer.Ordinal)
            .Select(f => (f, Path.Combine(hr, Path.GetFileName(f)))).Where(p => File.Exists(p.Item2)).Take(limit ?? int.MaxValue).ToList();
        return pairs.Count > 0 ? pairs : throw new FileNotFoundException($"no LR/HR pairs with the same file name in '{root}'");
    }

    /// <summary>Mean PSNR and SSIM of the model, bicubic and nearest over the pairs; the first <paramref name="rows"/>
    /// pairs as grid rows (the caller disposes them by encoding the grid).</summary>
    public static (IReadOnlyList<Scores> Scores, List<Image<Rgb24>> Rows) Evaluate(OnnxModel m, IReadOnlyList<(string Lr, string Hr)> pairs, int rows)
    {
        int scale = m.Manifest.Image.Scale;
        var sums = new double[3, 2];
        var grid = new List<Image<Rgb24>>();
        for (int i = 0; i < pairs.Count; i++)
        {
            using var lr = ImageCodec.Decode(File.ReadAllBytes(pairs[i].Lr), new ImageLimits());
            using var hr = ImageCodec.Decode(File.ReadAllBytes(pairs[i].Hr), new ImageLimits());
            if (hr.Width != lr.Width * scale || hr.Height != lr.Height * scale)
                throw new InvalidDataException($"{Path.GetFileName(pairs[i].Hr)}: HR is {hr.Width}×{hr.Height}, LR ×{scale} is {lr.Width * scale}×{lr.Height * scale}");
            var output = GanPipelines.Translate(m, lr, ResizePolicy.Stretch, null, CancellationToken.None);
            var bicubic = ImageCodec.Resize(lr, hr.Width, hr.Height, ResizePolicy.Stretch);
            var nearest = lr.Clone(c => c.Resize(hr.Width, hr.Height, KnownResamplers.NearestNeighbor));
            Image<Rgb24>[] methods = [output, bicubic, nearest];
            for (int k = 0; k < 3; k++)
            {
                sums[k, 0] += Math.Min(ImageSimilarity.Psnr(methods[k], hr), 100); // an exact copy counts as 100 dB
                sums[k, 1] += ImageSimilarity.Ssim(methods[k], hr);
            }
            if (i < rows) grid.AddRange([nearest, bicubic, output, hr.Clone()]);
            else foreach (var image in methods) image.Dispose();
        }
        string[] names = [m.Manifest.Name, "bicubic", "nearest"];
        return ([.. Enumerable.Range(0, 3).Select(k => new Scores(names[k], sums[k, 0] / pairs.Count, sums[k, 1] / pairs.Count))], grid);
    }
}
