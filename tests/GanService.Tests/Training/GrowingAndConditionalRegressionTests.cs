using GanService.Training.Data;
using GanService.Training.Families.BigGan;
using GanService.Training.Families.ProGan;
using static GanService.Tests.Training.TrainingLoopRegressionTests;

namespace GanService.Tests.Training;

/// <summary>
/// <see cref="TrainingLoopRegressionTests"/> for BigGAN and ProGAN: the losses of their first three steps through the
/// public training entry points on tiny nets and generated data, recorded when the families were added, so a later
/// change to a step or to the loop that changes their numerics fails here.
/// </summary>
public sealed class GrowingAndConditionalRegressionTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gan-regress-" + Guid.NewGuid().ToString("N"));
    public void Dispose() { if (Directory.Exists(_root)) Directory.Delete(_root, true); }

    [Fact]
    public void BigGan_first_three_steps_keep_their_losses()
    {
        using var threads = TorchThreads.Use(1);
        AssertLosses(BigGan, FirstRows(RunBigGan(_root, 3), 3));
    }

    /// <summary>The run behind the pin, <paramref name="steps"/> steps long; returns its folder.</summary>
    internal static string RunBigGan(string root, int steps)
    {
        torch.manual_seed(2);
        var pixels = (torch.rand(48, 1, 8, 8) * 255).to_type(ScalarType.Byte);
        using var data = new LabelledImageSet(pixels, torch.arange(48, dtype: ScalarType.Int64) % 3, ["a", "b", "c"]);
        var o = new BigGanOptions
        {
            Size = 8, GCh = 8, DCh = 8, ZDim = 16, SharedDim = 8, AttentionResolution = 8, NumClasses = 3, ClassNames = ["a", "b", "c"],
            Batch = 8, Seed = 1, MaxSteps = steps, Out = Path.Combine(root, "biggan"), Data = "generated"
        };
        Runs.BigGan(o, data, false);
        return o.Out;
    }

    [Fact]
    public void ProGan_first_three_steps_keep_their_losses()
    {
        using var threads = TorchThreads.Use(1);
        AssertLosses(ProGan, FirstRows(RunProGan(_root, 3), 3));
    }

    /// <summary>The run behind the pin, <paramref name="steps"/> steps long; returns its folder.</summary>
    internal static string RunProGan(string root, int steps)
    {
        torch.manual_seed(3);
        using var data = StyleGanImageFolder.FromTensor(torch.rand(16, 3, 8, 8) * 2 - 1);
        var o = new ProGanOptions
        {
            Size = 8, ZDim = 8, FmapBase = 32, FmapMax = 8, PhaseImages = 8, Batch = 4, Seed = 1, MaxSteps = steps,
            Out = Path.Combine(root, "progan"), Data = "generated", SampleCount = 4
        };
        using var trainer = new ProGanTrainer(o);
        trainer.Train(data, false, TextWriter.Null);
        return o.Out;
    }

    private static readonly (string, double[])[] BigGan =
    [
        ("loss_d", [20.4729, 18.8628, 17.5683]),
        ("d_real", [-19.4729, -17.8628, -16.3863]),
        ("d_fake", [-13.1524, -14.2816, -11.1066]),
        ("loss_g", [15.4272, 12.3006, 13.2678]),
        ("ortho", [0.0045569, 0.00455561, 0.00455426]),
    ];

    // Phases of 8 images at batch 4: two steps at 4², the third starts the 8² fade-in at α 0.
    private static readonly (string, double[])[] ProGan =
    [
        ("loss_d", [1.28406, 0.599907, 1.03873]),
        ("gp", [0.174869, 0.643125, 3.02167]),
        ("drift", [0.000186189, 0.000321368, 5.4747E-05]),
        ("loss_g", [-1.46, -0.984837, -1.60403]),
        ("resolution", [4, 4, 8]),
        ("alpha", [1, 1, 0]),
    ];
}
