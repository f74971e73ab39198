using System.Globalization;
using GanService.Tests.Training;
using GanService.Training.Families.StackGan;
using GanService.Training.Tricks;
using Xunit.Abstractions;

namespace GanService.Tests.Families.StackGan;

/// <summary>
/// The losses of StackGAN's first three steps — one step of each phase (encoders, Stage I, Stage II) — through
/// <see cref="StackGanTrainer.Train"/> on tiny nets and the synthetic captioned shapes, recorded when the family was
/// added, so a change to the loop or the step that alters its numerics fails here (as TrainingLoopRegressionTests does
/// for the other families).
/// </summary>
public sealed class StackGanRegressionTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "stackgan-regress-" + Guid.NewGuid().ToString("N"));
    public void Dispose() { if (Directory.Exists(_root)) Directory.Delete(_root, true); }

    private static readonly (string Name, double[] PerStep)[] Expected =
    [
        ("loss_match", [Recorded.LossMatch, double.NaN, double.NaN]),
        ("loss_d1", [double.NaN, Recorded.LossD1, double.NaN]),
        ("loss_g1", [double.NaN, Recorded.LossG1, double.NaN]),
        ("loss_d2", [double.NaN, double.NaN, Recorded.LossD2]),
        ("loss_g2", [double.NaN, double.NaN, Recorded.LossG2]),
    ];

    [Fact]
    public void First_step_of_each_phase_keeps_its_losses() => AssertPinned(augmentation: null);

    /// <summary>ADA on at p = 0 (adaptive, but with an interval longer than the run so p stays 0): the pinned losses
    /// hold, bit for bit the run without it.</summary>
    [Fact]
    public void First_step_of_each_phase_keeps_its_losses_with_ada_at_p_zero() =>
        AssertPinned(new AdaOptions { Ada = true, AugmentPipe = "bgcfnc", AdaInterval = 1000 });

    private void AssertPinned(AdaOptions? augmentation)
    {
        using var threads = TorchThreads.Use(1);
        RunPhases(_root, 1, augmentation);
        var lines = File.ReadAllLines(Path.Combine(_root, "losses.csv"));
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(3, rows.Count);
        var values = new List<(string, double, double)>();
        foreach (var (name, perStep) in Expected)
        {
            int col = Array.IndexOf(header, name);
            for (int s = 0; s < 3; s++)
            {
                double a = double.Parse(rows[s][col], CultureInfo.InvariantCulture);
                log.WriteLine($"{name} step {s + 1}: {a.ToString("G6", CultureInfo.InvariantCulture)}");
                values.Add(($"{name} step {s + 1}", a, perStep[s]));
            }
        }
        Pinned.Equal(values);
    }

    /// <summary>The run behind the pin: <paramref name="stepsPerPhase"/> steps of each phase, into <paramref name="root"/>.</summary>
    internal static string RunPhases(string root, int stepsPerPhase, AdaOptions? augmentation = null)
    {
        using var data = CaptionedImages.Shapes(16, 16, seed: 2);
        var o = new StackGanOptions
        {
            Size = 16, StageOneSize = 8, ZDim = 4, ConditionDim = 4, WordDim = 4, TextDim = 6, StageOneWidth = 16, StageTwoWidth = 4,
            ResidualBlocks = 1, DiscriminatorWidth = 4, EncoderWidth = 4, Batch = 4, MinWordCount = 1, MaxTokens = 3,
            EncoderSteps = stepsPerPhase, StageOneSteps = stepsPerPhase, StageTwoSteps = stepsPerPhase, Seed = 9, Out = root, CheckpointMinutes = 60,
            Augmentation = augmentation ?? new AdaOptions(),
        };
        Runs.StackGan(o, data, false);
        return root;
    }

    private static class Recorded
    {
        public const double LossMatch = 1.38162, LossD1 = 1.40221, LossG1 = 0.809596, LossD2 = 2.31546, LossG2 = 1.44927;
    }
}
