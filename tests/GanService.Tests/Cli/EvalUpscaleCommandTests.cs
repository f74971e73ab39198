using GanService.Cli.Commands;
using GanService.Inference;
using GanService.Training.Data.Emoji;
using GanService.Training.Import;
using GanService.Training.Metrics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace GanService.Tests.Cli;

/// <summary>The super-resolution ground truth (`gan datasets emoji --layout sr`) and `gan eval upscale`: LR is the HR
/// image downsampled with the stated kernel, and an untrained upscaler scores below the bicubic baseline it has to beat.</summary>
public sealed class EvalUpscaleCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gan-eval-upscale").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A stand-in emoji source: a coloured disc and bar per key, drawn at any size.</summary>
    internal sealed class DiscStyle : IEmojiStyle
    {
        public string Name => "discs";
        public IReadOnlyCollection<string> Keys { get; } = [.. Enumerable.Range(0, 60).Select(i => $"1f6{i:x2}")];
        public string Attribution => "test discs";
        public string SourceId => "test";
        public void WriteLicence(string dir) => File.WriteAllText(Path.Combine(dir, "LICENSE-discs.txt"), "test data");

        public Image<Rgb24> Render(string key, int size)
        {
            int h = Convert.ToInt32(key[3..], 16);
            var image = new Image<Rgb24>(size, size, new Rgb24(255, 255, 255));
            var colour = new Rgb24((byte)(40 + h * 3), (byte)(200 - h * 2), (byte)(h * 4 % 256));
            double r = size * (0.25 + h % 5 * 0.03), c = size / 2.0;
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    if ((x - c) * (x - c) + (y - c) * (y - c) < r * r || (y > size * 0.8 && x < size * (0.2 + h % 7 * 0.1))) image[x, y] = colour;
            return image;
        }
    }

    [Fact]
    public void Psnr_is_infinite_for_equal_images_and_follows_the_mean_squared_error()
    {
        using var a = new Image<Rgb24>(4, 4, new Rgb24(100, 100, 100));
        using var b = new Image<Rgb24>(4, 4, new Rgb24(110, 100, 100));
        Assert.Equal(double.PositiveInfinity, ImageSimilarity.Psnr(a, a));
        // MSE = 10² / 3 per value → 10·log10(255² · 3 / 100)
        Assert.Equal(10 * Math.Log10(255.0 * 255 * 3 / 100), ImageSimilarity.Psnr(a, b), 9);
    }

    [Fact]
    public void Sr_pairs_are_exact_downsamples_and_an_untrained_upscaler_scores_below_bicubic()
    {
        var data = Path.Combine(_dir, "sr");
        var result = EmojiDatasets.SuperResolution(new DiscStyle(), data, 32, 4);
        Assert.True(result.Test > 0 && result.Train > result.Test, $"{result}");
        var test = Path.Combine(data, "test");
        var name = Directory.GetFiles(Path.Combine(test, "HR")).Order(StringComparer.Ordinal).First();
        using (var hr = Image.Load<Rgb24>(name))
        using (var lr = Image.Load<Rgb24>(Path.Combine(test, "LR", Path.GetFileName(name))))
        using (var expected = EmojiDatasets.Downsample(hr, 4))
        {
            Assert.Equal((32, 32, 8, 8), (hr.Width, hr.Height, lr.Width, lr.Height));
            Assert.Equal(double.PositiveInfinity, ImageSimilarity.Psnr(lr, expected));
        }

        var models = Path.Combine(_dir, "models");
        var fixture = Path.Combine(AppContext.BaseDirectory, "Import", "Esrgan", "realesrgan_x4plus_like.pth");
        CheckpointImporters.Get("esrgan").Import(new ImportRequest(fixture, "random-x4", models), new StringWriter());
        using var model = OnnxModel.Load(Path.Combine(models, "random-x4"), new SessionFactory());
        var (scores, rows) = EvalUpscaleCommand.Evaluate(model, EvalUpscaleCommand.Pairs(test, null), rows: 2);
        foreach (var r in rows) r.Dispose();
        Assert.Equal(8, rows.Count);
        var (ours, bicubic, nearest) = (scores[0], scores[1], scores[2]);
        Assert.Equal(("random-x4", "bicubic", "nearest"), (ours.Method, bicubic.Method, nearest.Method));
        // Random weights draw nothing like the truth; bicubic of an exact bicubic downsample is close to it.
        Assert.True(bicubic.Psnr > ours.Psnr + 3 && bicubic.Ssim > ours.Ssim, $"bicubic {bicubic} vs untrained {ours}");
        Assert.True(bicubic.Psnr > 15, $"bicubic {bicubic}");

        var features = Path.Combine(GanService.Tests.Repository.RepositoryLayoutTests.Root(), "metrics", "emoji-style-classifier.onnx");
        var card = Path.Combine(_dir, "card.md");
        File.WriteAllText(card, "# random-x4\n\nWritten by hand.\n");
        var (exit, output, err) = CommandRunner.Run(EvalUpscaleCommand.Create(), "--model", Path.Combine(models, "random-x4"), "--data", test,
            "--grid", Path.Combine(_dir, "grid.png"), "--features", features, "--card", card);
        Assert.True(exit == 0, err);
        Assert.Contains("| bicubic |", output);
        Assert.True(File.Exists(Path.Combine(_dir, "grid.png")));
        // The card keeps its text and gains the table; the feature distance ranks the untrained model below bicubic too.
        var written = File.ReadAllText(card);
        Assert.StartsWith("# random-x4\n\nWritten by hand.", written);
        Assert.Contains(EvalUpscaleCommand.BeginMarker, written);
        Assert.Contains("Beats bicubic on: PSNR no, SSIM no, feature distance no.", written);
        Assert.StartsWith("held-out ×4 PSNR", GanService.Contracts.ModelCard.Headline(written));
        (exit, _, err) = CommandRunner.Run(EvalUpscaleCommand.Create(), "--model", Path.Combine(models, "random-x4"), "--data", test, "--card", card);
        Assert.True(exit == 0, err);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(card), "Headline:"));
    }

    [Fact]
    public void Tile_features_see_every_tile_and_an_identical_image_is_at_distance_zero()
    {
        var path = Path.Combine(GanService.Tests.Repository.RepositoryLayoutTests.Root(), "metrics", "emoji-style-classifier.onnx");
        using var extractor = new FeatureExtractor(path);
        Assert.Equal(32, extractor.InputSize);
        using var image = new DiscStyle().Render("1f601", 96);
        using var f = EvalUpscaleCommand.TileFeatures(extractor, image);
        Assert.Equal([9L, 128], f.shape);
        using var again = EvalUpscaleCommand.TileFeatures(extractor, image);
        Assert.Equal(0f, (f - again).abs().max().item<float>());
        // The disc's tiles differ from the white corner's.
        Assert.True((f[4] - f[0]).abs().max().item<float>() > 1e-3f);
    }

    [Fact]
    public void Degraded_sr_pairs_are_seeded_recorded_and_in_the_stated_ranges()
    {
        string Build(string name, int seed)
        {
            var dir = Path.Combine(_dir, name);
            EmojiDatasets.SuperResolution(new DiscStyle(), dir, 32, 4, degradeSeed: seed);
            return dir;
        }
        var a = Build("a", 1);
        var again = Build("again", 1);
        var other = Build("other", 2);
        var clean = Path.Combine(_dir, "clean");
        EmojiDatasets.SuperResolution(new DiscStyle(), clean, 32, 4);
        var csv = File.ReadAllLines(Path.Combine(a, "train", "LR", SrDegradation.CsvFile));
        Assert.Equal("file,blur_sigma,noise_sigma,jpeg_quality", csv[0]);
        var files = Directory.GetFiles(Path.Combine(a, "train", "LR"), "*.png");
        Assert.Equal(files.Length, csv.Length - 1);
        foreach (var row in csv.Skip(1).Select(l => l.Split(',')))
        {
            Assert.InRange(double.Parse(row[1], System.Globalization.CultureInfo.InvariantCulture), SrDegradation.MinBlur, SrDegradation.MaxBlur);
            Assert.InRange(double.Parse(row[2], System.Globalization.CultureInfo.InvariantCulture), SrDegradation.MinNoise, SrDegradation.MaxNoise);
            Assert.InRange(int.Parse(row[3], System.Globalization.CultureInfo.InvariantCulture), SrDegradation.MinQuality, SrDegradation.MaxQuality);
        }
        int differs = 0;
        foreach (var file in files)
        {
            string name = Path.GetFileName(file);
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(again, "train", "LR", name)));
            using var lr = Image.Load<Rgb24>(file);
            using var cleanLr = Image.Load<Rgb24>(Path.Combine(clean, "train", "LR", name));
            using var otherLr = Image.Load<Rgb24>(Path.Combine(other, "train", "LR", name));
            Assert.Equal((8, 8), (lr.Width, lr.Height));
            Assert.True(ImageSimilarity.Psnr(lr, cleanLr) < 60, $"{name}: degraded LR equals the clean one");
            if (ImageSimilarity.Psnr(lr, otherLr) < 60) differs++;
        }
        Assert.True(differs > files.Length / 2, $"seed 2 changed only {differs} of {files.Length} images");
        Assert.Contains("LR degraded (seed 1)", File.ReadAllText(Path.Combine(a, "dataset.json")));
    }
}
