using GanService.Cli.Commands;
using GanService.Contracts;
using GanService.Tests.Repository;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace GanService.Tests.Cli;

/// <summary>The extractor takes samples of any size: 64² emoji go through the 32² style classifier after an area
/// downscale, so `gan eval` measures a 64² model with it.</summary>
public class FeatureExtractorTests
{
    [Fact]
    public void Images_larger_than_the_extractors_input_are_area_averaged_to_it()
    {
        using var extractor = new FeatureExtractor(Path.Combine(RepositoryLayoutTests.Root(), "metrics", "emoji-style-classifier.onnx"));
        // A 2×2 checkerboard of −1 / 1 at 64² averages to 0 everywhere at 32²: exactly what a mid-grey 32² image gives.
        var checker = (torch.arange(64).remainder(2).unsqueeze(0) + torch.arange(64).remainder(2).unsqueeze(1)).remainder(2) * 2 - 1;
        var big = checker.to_type(ScalarType.Float32).expand(3, 64, 64).unsqueeze(0).contiguous();
        var fitted = extractor.Fit(big);
        Assert.Equal(new long[] { 1, 3, 32, 32 }, fitted.shape);
        Assert.True(fitted.abs().max().item<float>() < 1e-6);
        var spec = new ImageSpec(3, 64, 64);
        var (fromBig, _) = extractor.Run(big, spec);
        var (fromGrey, _) = extractor.Run(torch.zeros(1, 3, 32, 32), spec);
        Assert.True((fromBig - fromGrey).abs().max().item<float>() < 1e-4);
        // Images already at the input size pass through untouched.
        var small = torch.rand(2, 3, 32, 32);
        Assert.Same(small, extractor.Fit(small));
    }

    private static double Line(string output, string prefix) =>
        double.Parse(output.Split('\n').First(l => l.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..].Trim().Split(' ')[0],
            System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Eval_images_measures_a_folder_against_the_real_set_zero_for_the_same_images()
    {
        var root = Directory.CreateTempSubdirectory("gan-eval-images").FullName;
        try
        {
            foreach (var (dir, invert) in new[] { ("a", false), ("b", true) })
            {
                Directory.CreateDirectory(Path.Combine(root, dir));
                var local = new Random(3); // the same drawings in both folders; b's are colour-inverted
                for (int i = 0; i < 24; i++)
                {
                    using var img = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(16, 16, new(255, 255, 255));
                    for (int k = 0; k < 40; k++)
                    {
                        byte r = (byte)local.Next(256), g = (byte)local.Next(256), bl = (byte)local.Next(256);
                        int x = local.Next(16), y = local.Next(16);
                        img[x, y] = new(r, g, bl);
                    }
                    if (invert) img.Mutate(c => c.Invert());
                    img.SaveAsPng(Path.Combine(root, dir, $"{i:D2}.png"));
                }
            }
            string features = Path.Combine(RepositoryLayoutTests.Root(), "metrics", "emoji-style-classifier.onnx");
            var (exit, same, err) = CommandRunner.Run(EvalCommand.Create(), "--images", Path.Combine(root, "a"), "--data", Path.Combine(root, "a"), "--features", features, "--size", "16", "--subsets", "5");
            Assert.True(exit == 0, err);
            Assert.Contains("images a: 24 images vs 24 real", same);
            Assert.True(Math.Abs(Line(same, "FD")) < 1e-2, same);
            var (_, other, _) = CommandRunner.Run(EvalCommand.Create(), "--images", Path.Combine(root, "b"), "--data", Path.Combine(root, "a"), "--features", features, "--size", "16", "--subsets", "5");
            Assert.True(Line(other, "FD") > 1, other);
            var (refused, _, _) = CommandRunner.Run(EvalCommand.Create(), "--images", Path.Combine(root, "b"), "--model", "models/x", "--data", Path.Combine(root, "a"), "--features", features);
            Assert.NotEqual(0, refused);
        }
        finally { Directory.Delete(root, true); }
    }
}
