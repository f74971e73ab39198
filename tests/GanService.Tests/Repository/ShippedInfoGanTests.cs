using GanService.Cli.Commands;
using GanService.Inference;

namespace GanService.Tests.Repository;

/// <summary>The shipped fmnist-infogan through the inference library, judged by the shipped Fashion-MNIST classifier:
/// its code values draw the kinds of garment its card says they do.</summary>
public class ShippedInfoGanTests
{
    [Theory]
    [InlineData(9, 1)]   // card: code 9 → trousers (99 % of 500 seeds)
    [InlineData(2, 0)]   // code 2 → T-shirts (89 %)
    [InlineData(1, 7)]   // code 1 → sneakers (90 %)
    public void A_code_value_draws_the_class_its_card_names(int code, int expectedClass)
    {
        var root = RepositoryLayoutTests.Root();
        using var model = ModelArguments.Open(Path.Combine(root, "models", "fmnist-infogan"));
        using var classifier = new FeatureExtractor(Path.Combine(root, "metrics", "fmnist-classifier.onnx"));
        // Count = code + 1: only the values 0…code are drawn (all this test looks at), not all ten.
        var counts = ControlCommands.Confusion(model, model.Manifest.Controls.First(c => c.Control.Query == "code").Control with { Count = code + 1 }, classifier, per: 32, classes: 10);
        long hits = counts[code, expectedClass];
        Assert.True(hits >= 24, $"code {code}: {hits} of 32 samples classified as class {expectedClass}");
        // The other code values draw something else: code 9 is not trousers-for-everything.
        if (code > 0) Assert.True(counts[0, expectedClass] < 8, $"code 0 also gives class {expectedClass} {counts[0, expectedClass]} times of 32");
    }
}
