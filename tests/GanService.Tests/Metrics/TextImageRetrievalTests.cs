using GanService.Training.Metrics;

namespace GanService.Tests.Metrics;

public class TextImageRetrievalTests
{
    [Fact]
    public void Aligned_embeddings_score_one_and_unrelated_ones_score_near_chance()
    {
        torch.manual_seed(1);
        var captions = torch.randn(200, 16);
        var keys = Enumerable.Range(0, 200).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var truth = Enumerable.Range(0, 200).ToList();
        Assert.Equal(1.0, TextImageRetrieval.Accuracy(captions + 0.05 * torch.randn(200, 16), captions, truth, keys, 10));
        double chance = TextImageRetrieval.Accuracy(torch.randn(200, 16), captions, truth, keys, 10);
        Assert.InRange(chance, 0.02, 0.2);
    }

    [Fact]
    public void Captions_with_the_same_words_are_never_negatives()
    {
        // Two items share a caption: the image of item 0 is as close to caption 1 as to its own; only others compete.
        var captions = torch.tensor(new float[] { 1, 0, 1, 0, 0, 1, -1, 0 }, [4, 2]);
        var images = torch.tensor(new float[] { 1, 0 }, [1, 2]);
        Assert.Equal(1.0, TextImageRetrieval.Accuracy(images, captions, [0], ["a", "a", "b", "c"], 3));
    }
}
