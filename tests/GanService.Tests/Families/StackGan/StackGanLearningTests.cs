using System.Diagnostics;
using GanService.Contracts;
using GanService.Training.Data;
using GanService.Training.Families.StackGan;
using GanService.Training.Layers;
using GanService.Training.Training;
using Xunit.Abstractions;

namespace GanService.Tests.Families.StackGan;

/// <summary>
/// StackGAN learns to follow its text: trained for a few hundred steps on synthetic captioned shapes ("red circle",
/// "a blue square", …), each colour word raises its own channel in the generated images (mean over the non-white
/// pixels, against the other two colour words), for circles and squares; the untrained generator fails the same check.
/// Most of the budget goes to Stage I, where the text is learnt; Stage II (which starts as the upsampled Stage-I image)
/// gets a short refinement, and the check is on its output — what the exported graph returns.
/// </summary>
public class StackGanLearningTests(ITestOutputHelper log)
{
    private static StackGanOptions Options(string outDir) => new()
    {
        Size = 16, StageOneSize = 8, ZDim = 16, ConditionDim = 16, WordDim = 16, TextDim = 32, StageOneWidth = 64, StageTwoWidth = 8,
        ResidualBlocks = 1, DiscriminatorWidth = 16, EncoderWidth = 8, Batch = 32, MinWordCount = 1, MaxTokens = 4,
        EncoderSteps = 40, StageOneSteps = 240, StageTwoSteps = 60, Lr = 1e-3, CheckpointMinutes = 60, Out = outDir, Seed = 3,
    };

    private static readonly string[] Colours = ["red", "green", "blue"];

    /// <summary>Per caption: mean RGB of the pixels that are not near-white, and the share of such pixels.</summary>
    private static (float[] Rgb, float Coverage) Stats(Tensor images)
    {
        var x = (images + 1) / 2;                                   // (N, 3, S, S) in [0, 1]
        var ink = x.min(1).values.lt(Scalars.Of(0.8)).to_type(ScalarType.Float32).unsqueeze(1); // (N, 1, S, S)
        var sum = ink.sum().item<float>();
        var rgb = Enumerable.Range(0, 3).Select(c => (x[.., c..(c + 1)] * ink).sum().item<float>() / Math.Max(1, sum)).ToArray();
        return (rgb, sum / ink.numel());
    }

    /// <summary>How many of the three colour words raise their own channel: for caption "c shape", the mean of channel c
    /// over the ink exceeds that channel's mean under the other two colour words by at least 0.05.</summary>
    private int ColoursRight(StackGanGenerator g, TextTokenizer tokenizer, string shape)
    {
        var seeds = Enumerable.Range(0, 12).Select(i => (uint)i).ToArray();
        var rgb = new float[3][];
        for (int c = 0; c < 3; c++)
        {
            using var scope = torch.NewDisposeScope();
            var (one, two) = StackGanTrainer.Generate(g, tokenizer, [$"{Colours[c]} {shape}"], seeds);
            var (rgb1, _) = Stats(one);
            (rgb[c], var coverage) = Stats(two);
            log.WriteLine($"{Colours[c]} {shape}: mean ink rgb ({rgb[c][0]:F2}, {rgb[c][1]:F2}, {rgb[c][2]:F2}), coverage {coverage:F3}; stage I ({rgb1[0]:F2}, {rgb1[1]:F2}, {rgb1[2]:F2})");
        }
        return Enumerable.Range(0, 3).Count(c => Enumerable.Range(0, 3).Where(k => k != c).All(k => rgb[c][c] - rgb[k][c] >= 0.05f));
    }

    private float Coverage(StackGanGenerator g, TextTokenizer tokenizer, string text)
    {
        using var scope = torch.NewDisposeScope();
        var (_, two) = StackGanTrainer.Generate(g, tokenizer, [text], Enumerable.Range(0, 24).Select(i => (uint)i).ToArray());
        return Stats(two).Coverage;
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Colour_words_set_the_colour_of_the_generated_image()
    {
        using var threads = TorchThreads.Use(2);
        var dir = Directory.CreateTempSubdirectory("stackgan-learn").FullName;
        try
        {
            using var data = CaptionedImages.Shapes(2304, 16, seed: 1);
            var o = Options(dir) with { Vocabulary = TextTokenizer.BuildVocabulary(data.Captions.SelectMany(c => c), 4, 1).Words };
            var tokenizer = new TextTokenizer(new TextSpec(o.Vocabulary, o.MaxTokens));
            using (var untrained = new StackGanTrainer(o, data))
                Assert.True(ColoursRight(untrained.G, tokenizer, "circle") < 3, "the untrained generator should not already follow the text");

            var clock = Stopwatch.StartNew();
            using var trainer = new StackGanTrainer(o, data);
            TrainingLoop.Run(trainer, new IndexBatches(data.Count, o.Batch, 1, o.Seed), new LoopSettings
            {
                RunDirectory = dir, Options = o, Seed = o.Seed, Epochs = 100, MaxSteps = o.TotalSteps, CheckpointMinutes = 60, Console = TextWriter.Null,
            });
            log.WriteLine($"trained {o.TotalSteps} steps in {clock.Elapsed.TotalSeconds:F1} s");

            Assert.Equal(3, ColoursRight(trainer.G, tokenizer, "circle"));
            Assert.Equal(3, ColoursRight(trainer.G, tokenizer, "square"));
            // Shape is logged, not asserted: at this budget the shape word does not yet change the area reliably
            // (measured: red circle 0.190, red triangle 0.224 of the image; the true shapes differ by ~2×).
            float circle = Coverage(trainer.G, tokenizer, "red circle"), triangle = Coverage(trainer.G, tokenizer, "red triangle");
            log.WriteLine($"coverage: red circle {circle:F3}, red triangle {triangle:F3}");
        }
        finally { Directory.Delete(dir, true); }
    }
}
