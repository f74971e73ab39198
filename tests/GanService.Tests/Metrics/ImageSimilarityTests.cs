using GanService.Cli.Commands;
using GanService.Training.Metrics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.Metrics;

/// <summary>L1, SSIM and the histogram-transfer baseline against values worked out by hand (or by an independent
/// plain-Python implementation of the same formula), and the card's table block.</summary>
public class ImageSimilarityTests
{
    private static Image<Rgb24> Flat(int size, byte r, byte g, byte b) => new(size, size, new Rgb24(r, g, b));

    [Fact]
    public void L1_is_the_mean_absolute_difference_on_a_0_to_1_scale()
    {
        using var a = Flat(4, 0, 0, 0);
        using var b = Flat(4, 255, 0, 51);
        // (1 + 0 + 0.2) / 3 per pixel.
        Assert.Equal(0.4, ImageSimilarity.L1(a, b), 12);
    }

    [Fact]
    public void Ssim_of_an_image_with_itself_is_one_and_of_two_flat_images_is_the_luminance_term()
    {
        using var a = Flat(16, 51, 51, 51);   // 0.2
        using var b = Flat(16, 153, 153, 153); // 0.6
        Assert.Equal(1.0, ImageSimilarity.Ssim(a, a), 12);
        // Flat: σ = 0, so SSIM = (2·0.2·0.6 + C1) / (0.2² + 0.6² + C1) with C1 = 0.01².
        Assert.Equal((2 * 0.2 * 0.6 + 1e-4) / (0.04 + 0.36 + 1e-4), ImageSimilarity.Ssim(a, b), 12);
        Assert.Equal(ImageSimilarity.Ssim(a, b), ImageSimilarity.Ssim(b, a), 12);
    }

    [Fact]
    public void Ssim_of_two_patterns_matches_an_independent_computation()
    {
        const int n = 12;
        var x = new double[n * n];
        var y = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                x[i * n + j] = (i * 7 + j * 3) % 11 / 10.0;
                y[i * n + j] = (i * 5 + j * 2) % 13 / 12.0;
            }
        // Plain Python over the same 2×2 valid window positions (11×11 Gaussian σ 1.5, C1 = 0.01², C2 = 0.03²).
        Assert.Equal(0.2355223426277394, ImageSimilarity.SsimChannel(x, y, n, n, ImageSimilarity.GaussianWindow()), 10);
    }

    [Fact]
    public void Histogram_transfer_maps_each_value_to_the_reference_value_of_the_same_rank()
    {
        // Source red values {0, 0, 100, 200}: CDF 0.5 at 0, 0.75 at 100, 1 at 200. Reference {10, 20, 30, 40}: CDF 0.25,
        // 0.5, 0.75, 1. Matching ranks: 0 → 20, 100 → 30, 200 → 40.
        using var reference = new Image<Rgb24>(2, 2);
        reference[0, 0] = new Rgb24(10, 10, 10); reference[1, 0] = new Rgb24(20, 20, 20);
        reference[0, 1] = new Rgb24(30, 30, 30); reference[1, 1] = new Rgb24(40, 40, 40);
        using var source = new Image<Rgb24>(2, 2);
        source[0, 0] = new Rgb24(0, 5, 5); source[1, 0] = new Rgb24(0, 5, 5);
        source[0, 1] = new Rgb24(100, 5, 5); source[1, 1] = new Rgb24(200, 5, 5);
        using var output = HistogramTransfer.FromImages([reference]).Apply(source);
        Assert.Equal([20, 20, 30, 40], new[] { output[0, 0].R, output[1, 0].R, output[0, 1].R, output[1, 1].R }.Select(v => (int)v));
        // A single green value (CDF 1 everywhere from 5 on) lands on the reference's top value.
        Assert.Equal(40, output[0, 0].G);
    }

    [Fact]
    public void The_card_table_is_appended_once_and_then_replaced_in_place()
    {
        var s = new EvalTranslationCommand.TranslationScores(new(0.1, 0.8), new(0.3, 0.5), new(0.2, 0.6), 0.01, 0.5, 0.3);
        string t1 = EvalTranslationCommand.Table(s, 40, "m", "f.onnx", null);
        Assert.Contains("L1 yes, SSIM yes, KID yes", t1);
        Assert.Contains("Headline:", t1);
        string card = EvalTranslationCommand.WithTable("# m\n\ntext\n", t1);
        var worse = s with { Model = new(0.4, 0.4), KidModel = 0.9 };
        string again = EvalTranslationCommand.WithTable(card + "\nafter\n", EvalTranslationCommand.Table(worse, 40, "m", "f.onnx", null));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(again, "Beats both baselines"));
        Assert.Contains("L1 no, SSIM no, KID no", again);
        Assert.StartsWith("# m\n\ntext\n", again);
        Assert.EndsWith("after\n", again);
    }

    [Fact]
    public void A_multi_domain_card_keeps_one_block_per_target_under_one_heading_and_no_extra_headline()
    {
        var s = new EvalTranslationCommand.TranslationScores(new(0.1, 0.8), new(0.3, 0.5), new(0.2, 0.6), 0.01, 0.5, 0.3);
        string card = "# m\n\ntext\n";
        card = EvalTranslationCommand.WithTable(card, EvalTranslationCommand.Table(s, 40, "a → b", "f.onnx", "b"), "b");
        card = EvalTranslationCommand.WithTable(card, EvalTranslationCommand.Table(s, 40, "a → c", "f.onnx", "c"), "c");
        card = EvalTranslationCommand.WithTable(card, EvalTranslationCommand.Table(s with { Model = new(0.4, 0.4) }, 40, "a → b", "f.onnx", "b"), "b");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(card, "## Measured against ground truth"));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(card, "Beats both baselines").Count);
        Assert.Contains("Target b: held-out SSIM 0.400", card);
        Assert.Contains("Target c: held-out SSIM 0.800", card);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(card, "eval translation summary: generated"));
        Assert.Equal("held-out L1 per target — b 0.400 (best baseline 0.200), c 0.100 (best baseline 0.200); beats both baselines on L1 for 1/2 targets, SSIM 1/2, KID 2/2",
            ZooCommand.Headline(card[card.IndexOf(EvalTranslationCommand.SummaryBegin, StringComparison.Ordinal)..]));
        Assert.True(card.IndexOf("target b:", StringComparison.Ordinal) < card.IndexOf("target c:", StringComparison.Ordinal));
        Assert.True(card.IndexOf(EvalTranslationCommand.SummaryBegin, StringComparison.Ordinal) < card.IndexOf("target b:", StringComparison.Ordinal));
        Assert.Equal(ZooCommand.Headline(card[card.IndexOf(EvalTranslationCommand.SummaryBegin, StringComparison.Ordinal)..]), ZooCommand.Headline(card));
    }
}

/// <summary>The evaluation pairs each held-out input with the same-named truth image and refuses folders that share none.</summary>
public sealed class TranslationPairsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gan-pairs-").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private void Write(string dir, string name)
    {
        Directory.CreateDirectory(Path.Combine(_root, dir));
        using var img = new Image<Rgb24>(4, 4);
        img.SaveAsPng(Path.Combine(_root, dir, name));
    }

    [Fact]
    public void Inputs_pair_with_same_named_truth_images_only()
    {
        foreach (var n in new[] { "1f600.png", "1f601.png", "2764.png" }) Write("in", n);
        foreach (var n in new[] { "1f601.png", "2764.png", "a9.png" }) Write("truth", n);
        var pairs = EvalTranslationCommand.Pairs(Path.Combine(_root, "in"), Path.Combine(_root, "truth"));
        Assert.Equal(["1f601.png", "2764.png"], pairs.Select(p => Path.GetFileName(p.Input)));
        Assert.All(pairs, p => Assert.Equal(Path.GetFileName(p.Input), Path.GetFileName(p.Truth)));
        Write("other", "b.png");
        Assert.Throws<GanService.Training.Data.DatasetLayoutException>(() => EvalTranslationCommand.Pairs(Path.Combine(_root, "in"), Path.Combine(_root, "other")));
    }
}
