using System.Diagnostics;
using GanService.Contracts;
using GanService.Training.Families.StackGan;
using GanService.Training.Layers;
using GanService.Training.Training;
using Xunit.Abstractions;

namespace GanService.Tests.Families.StackGan;

/// <summary>
/// StackGAN learns to follow its text: trained for a few seconds on synthetic captioned shapes ("red circle",
/// "a blue square", …), the generated images take the colour the caption names (dominant channel of the non-white
/// pixels) and "triangle" covers less of the image than "circle"; the untrained generator fails the colour check.
/// </summary>
[Trait("Category", "Slow")]
public class StackGanLearningTests(ITestOutputHelper log)
{
    private static StackGanOptions Options(string outDir) => new()
    {
        Size = 16, StageOneSize = 8, ZDim = 16, ConditionDim = 16, WordDim = 16, TextDim = 32, StageOneWidth = 64, StageTwoWidth = 8,
        ResidualBlocks = 1, DiscriminatorWidth = 16, EncoderWidth = 8, Batch = 32, MinWordCount = 1, MaxTokens = 4,
        EncoderSteps = 40, StageOneSteps = 200, StageTwoSteps = 200, Lr = 1e-3, CheckpointMinutes = 60, Out = outDir, Seed = 3,
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

    private int ColoursRight(StackGanGenerator g, TextTokenizer tokenizer, string shape)
    {
        int right = 0;
        var seeds = Enumerable.Range(0, 12).Select(i => (uint)i).ToArray();
        for (int c = 0; c < 3; c++)
        {
            using var scope = torch.NewDisposeScope();
            var (one, two) = StackGanTrainer.Generate(g, tokenizer, [$"{Colours[c]} {shape}"], seeds);
            var (rgb1, coverage1) = Stats(one);
            log.WriteLine($"  stage I: mean ink rgb ({rgb1[0]:F2}, {rgb1[1]:F2}, {rgb1[2]:F2}), coverage {coverage1:F3}");
            var (rgb, coverage) = Stats(two);
            int dominant = Array.IndexOf(rgb, rgb.Max());
            log.WriteLine($"{Colours[c]} {shape}: mean ink rgb ({rgb[0]:F2}, {rgb[1]:F2}, {rgb[2]:F2}), coverage {coverage:F3}");
            if (dominant == c && rgb[c] - rgb.Where((_, k) => k != c).Max() > 0.1f) right++;
        }
        return right;
    }

    private float Coverage(StackGanGenerator g, TextTokenizer tokenizer, string text)
    {
        using var scope = torch.NewDisposeScope();
        var (_, two) = StackGanTrainer.Generate(g, tokenizer, [text], Enumerable.Range(0, 24).Select(i => (uint)i).ToArray());
        return Stats(two).Coverage;
    }

    [Fact]
    public void Text_sets_the_colour_and_shape_of_the_generated_image()
    {
        using var threads = TorchThreads.Use(2);
        var dir = Directory.CreateTempSubdirectory("stackgan-learn").FullName;
        try
        {
            using var data = CaptionedImages.Shapes(1152, 16, seed: 1);
            var o = Options(dir) with { Vocabulary = TextTokenizer.BuildVocabulary(data.Captions.SelectMany(c => c), 4, 1).Words };
            var tokenizer = new TextTokenizer(new TextSpec(o.Vocabulary, o.MaxTokens));
            using (var untrained = new StackGanTrainer(o, data))
                Assert.True(ColoursRight(untrained.G, tokenizer, "circle") < 3, "the untrained generator should not already follow the text");

            var clock = Stopwatch.StartNew();
            using var trainer = new StackGanTrainer(o, data);
            TrainingLoop.Run(trainer, new StackGanData(o, data.Count), new LoopSettings
            {
                RunDirectory = dir, Options = o, Seed = o.Seed, Epochs = 100, MaxSteps = o.TotalSteps, CheckpointMinutes = 60, Console = TextWriter.Null,
            });
            log.WriteLine($"trained {o.TotalSteps} steps in {clock.Elapsed.TotalSeconds:F1} s");

            Assert.Equal(3, ColoursRight(trainer.G, tokenizer, "circle"));
            Assert.Equal(3, ColoursRight(trainer.G, tokenizer, "square"));
            float circle = Coverage(trainer.G, tokenizer, "red circle"), triangle = Coverage(trainer.G, tokenizer, "red triangle");
            log.WriteLine($"coverage: red circle {circle:F3}, red triangle {triangle:F3}");
            Assert.True(triangle < circle * 0.85f, $"a triangle should cover less than a circle: {triangle:F3} vs {circle:F3}");
        }
        finally { Directory.Delete(dir, true); }
    }
}
