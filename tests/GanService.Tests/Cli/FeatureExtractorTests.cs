using GanService.Cli.Commands;
using GanService.Contracts;
using GanService.Tests.Repository;

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
}
