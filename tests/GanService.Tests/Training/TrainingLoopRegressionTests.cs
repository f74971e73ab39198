using System.Globalization;
using GanService.Training.Data;
using GanService.Training.Families.Encoders;
using GanService.Training.Families.Gan;
using GanService.Training.Families.InfoGan;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Families.Translation;

namespace GanService.Tests.Training;

/// <summary>
/// The losses of the first three steps of every family, through its public training entry point, on tiny nets and
/// generated data, compared as <see cref="Pinned"/> says. The expected numbers were recorded by running this file against main at 833cf40 — before the three
/// per-family loops became one TrainingLoop — so a refactor of the loop that changes the numerics of a step (an extra
/// RNG draw, a reordered phase, a different EMA or batch order) fails here. losses.csv keeps 6 significant digits.
/// </summary>
public sealed class TrainingLoopRegressionTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gan-regress-" + Guid.NewGuid().ToString("N"));
    public void Dispose() { if (Directory.Exists(_root)) Directory.Delete(_root, true); }

    /// <summary>The first <paramref name="n"/> rows of the run's losses.csv: column name → value per step.</summary>
    internal static List<Dictionary<string, double>> FirstRows(string runDir, int n)
    {
        var lines = File.ReadAllLines(Path.Combine(runDir, "losses.csv"));
        var header = lines[0].Split(',');
        return lines.Skip(1).Take(n).Select(l => l.Split(',').Select((v, i) => (header[i], v)).Skip(3)
            .ToDictionary(p => p.Item1, p => double.Parse(p.v, CultureInfo.InvariantCulture))).ToList();
    }

    internal static void AssertLosses((string Name, double[] PerStep)[] expected, List<Dictionary<string, double>> actual)
    {
        Assert.Equal(3, actual.Count);
        Assert.NotEmpty(expected);
        Pinned.Equal(expected.SelectMany(e => Enumerable.Range(0, 3).Select(s => ($"{e.Name} step {s + 1}", actual[s][e.Name], e.PerStep[s]))));
    }

    private static void RunTranslation<T>(T o, IImageDataset ds, Func<T, TranslationTrainer<T>> make) where T : TranslationOptions
    {
        using var t = make(o);
        var loader = new DataLoader(ds, o.BatchSize, o.Seed, shuffle: true, workers: 0);
        t.Train(loader, resume: false, TextWriter.Null);
    }

    [Fact]
    public void Pix2pix_first_three_steps_keep_their_losses()
    {
        using var threads = TorchThreads.Use(1);
        AssertLosses(Pix2Pix, FirstRows(RunPix2pix(_root, 3), 3));
    }

    /// <summary>The run behind the pin, <paramref name="steps"/> steps long; returns its folder.</summary>
    internal static string RunPix2pix(string root, int steps)
    {
        var data = Path.Combine(root, "data");
        SyntheticShapes.Write(data, "aligned", 8, 32, seed: 1, testCount: 0);
        var o = new Pix2PixOptions { Data = data, Out = Path.Combine(root, "run"), NetG = "unet_32", Ngf = 4, Ndf = 4, CropSize = 32, LoadSize = 32, NoFlip = true, BatchSize = 2, Seed = 1, MaxSteps = steps };
        RunTranslation(o, new AlignedDataset(data, new ImageTransform(32, 32, Flip: false), seed: 1), x => new Pix2PixTrainer(x));
        return o.Out;
    }

    [Fact]
    public void Cyclegan_first_three_steps_keep_their_losses()
    {
        using var threads = TorchThreads.Use(1);
        AssertLosses(CycleGan, FirstRows(RunCyclegan(_root, 3), 3));
    }

    /// <summary>The run behind the pin, <paramref name="steps"/> steps long; returns its folder.</summary>
    internal static string RunCyclegan(string root, int steps)
    {
        var data = Path.Combine(root, "data");
        SyntheticShapes.Write(data, "unaligned", 8, 16, seed: 2, testCount: 0);
        var o = new CycleGanOptions { Data = data, Out = Path.Combine(root, "run"), NetG = "resnet_2blocks", Ngf = 4, Ndf = 4, NetD = "n_layers", NLayersD = 1, CropSize = 16, LoadSize = 16, NoFlip = true, BatchSize = 2, Seed = 2, PoolSize = 4, MaxSteps = steps };
        RunTranslation(o, new UnalignedDataset(data, new ImageTransform(16, 16, Flip: false), seed: 2), x => new CycleGanTrainer(x));
        return o.Out;
    }

    [Fact]
    public void Stargan_first_three_steps_keep_their_losses()
    {
        using var threads = TorchThreads.Use(1);
        AssertLosses(StarGan, FirstRows(RunStargan(_root, 3), 3));
    }

    /// <summary>The run behind the pin, <paramref name="steps"/> steps long; returns its folder.</summary>
    internal static string RunStargan(string root, int steps)
    {
        var data = Path.Combine(root, "data");
        SyntheticShapes.Write(data, "domains", 12, 8, seed: 3, testCount: 0);
        var ds = LabelledDataset.FromFolders(data, new ImageTransform(8, 8, Flip: false), seed: 3);
        var o = new StarGanOptions
        {
            Data = data, Out = Path.Combine(root, "run"), CropSize = 8, LoadSize = 8, NoFlip = true, BatchSize = 4, Seed = 3,
            GConvDim = 4, GRepeat = 1, DConvDim = 8, DRepeat = 3, NCritic = 2, MaxSteps = steps, Labels = [.. ds.Domains], MultiLabel = ds.MultiLabel,
        };
        RunTranslation(o, ds, x => new StarGanTrainer(x));
        return o.Out;
    }

    [Fact]
    public void Cgan_first_three_steps_keep_their_losses()
    {
        using var threads = TorchThreads.Use(1);
        AssertLosses(Cgan, FirstRows(RunCgan(_root, 3), 3));
    }

    /// <summary>The run behind the pin, <paramref name="steps"/> steps long; returns its folder.</summary>
    internal static string RunCgan(string root, int steps)
    {
        torch.manual_seed(5);
        using var data = new LabelledImageSet(torch.randint(0, 256, [64, 1, 16, 16]).to_type(ScalarType.Byte),
            torch.randint(0, 2, [64], dtype: ScalarType.Int64), ["a", "b"]);
        var o = new GenerationOptions { Family = "cgan", NumClasses = 2, ClassNames = ["a", "b"], Size = 16, Ngf = 4, Ndf = 4, ZDim = 8, Batch = 8, Epochs = steps > 3 ? 1000 : 1, MaxSteps = steps, EmaBeta = 0.9, Seed = 5 };
        var run = Path.Combine(root, "run");
        Runs.Generation(o with { Out = run }, data, false);
        return run;
    }

    [Fact]
    public void Stylegan2_first_three_steps_keep_their_losses()
    {
        using var threads = TorchThreads.Use(1);
        AssertLosses(StyleGan2, FirstRows(RunStylegan2(_root, 3), 3));
    }

    /// <summary>The run behind the pin, <paramref name="steps"/> steps long; returns its folder.</summary>
    internal static string RunStylegan2(string root, int steps)
    {
        torch.manual_seed(11);
        using var data = StyleGanImageFolder.FromTensor(torch.rand(16, 3, 8, 8) * 2 - 1);
        var o = new StyleGan2TrainOptions
        {
            Arch = new StyleGan2Architecture { Resolution = 8, ZDim = 8, WDim = 8, MappingLayers = 2, ChannelBase = 64, ChannelMax = 16 },
            Batch = 4, Augment = "", Mirror = false, EmaKimg = 0.02, R1Gamma = 0.01, R1Interval = 2, PathLengthWeight = 2, PathLengthInterval = 2,
            Out = Path.Combine(root, "run"), SampleCount = 4, MaxSteps = steps, Seed = 4,
        };
        using (var trainer = new StyleGan2Trainer(o)) trainer.Train(data, false, TextWriter.Null);
        return o.Out;
    }

    /// <summary>infogan, aae and ali: recorded when they were added (the first run of this file with them).</summary>
    private static LabelledImageSet NoiseImages(int seed)
    {
        torch.manual_seed(seed);
        return new LabelledImageSet(torch.randint(0, 256, [64, 1, 16, 16]).to_type(ScalarType.Byte), null, []);
    }

    [Fact]
    public void Infogan_first_three_steps_keep_their_losses()
    {
        using var threads = TorchThreads.Use(1);
        AssertLosses(InfoGan, FirstRows(RunInfogan(_root, 3), 3));
    }

    /// <summary>The run behind the pin, <paramref name="steps"/> steps long; returns its folder.</summary>
    internal static string RunInfogan(string root, int steps)
    {
        using var data = NoiseImages(6);
        var o = new InfoGanOptions { ZDim = 8, Categories = 3, Continuous = 2, Size = 16, Ngf = 4, Ndf = 4, QHidden = 8, Batch = 8, Epochs = steps > 3 ? 1000 : 1, MaxSteps = steps, EmaBeta = 0.9, Seed = 6 };
        var run = Path.Combine(root, "run");
        Runs.InfoGan(o with { Out = run }, data, false);
        return run;
    }

    [Theory]
    [InlineData("aae")]
    [InlineData("ali")]
    public void Encoder_families_first_three_steps_keep_their_losses(string family)
    {
        using var threads = TorchThreads.Use(1);
        AssertLosses(family == "aae" ? Aae : Ali, FirstRows(RunEncoder(family, _root, 3), 3));
    }

    /// <summary>The run behind the aae / ali pins, <paramref name="steps"/> steps long; returns its folder.</summary>
    internal static string RunEncoder(string family, string root, int steps)
    {
        using var data = NoiseImages(7);
        var o = new EncoderGanOptions { Family = family, ZDim = 4, Size = 16, Ngf = 4, Ndf = 4, ZHidden = 8, Batch = 8, Epochs = steps > 3 ? 1000 : 1, MaxSteps = steps, Seed = 7 };
        var run = Path.Combine(root, "run");
        Runs.EncoderGan(o with { Out = run }, data, false);
        return run;
    }

    private static readonly (string, double[])[] InfoGan =
    [
        ("loss_d", [1.57292, 1.53697, 1.62286]),
        ("d_real", [-0.378306, -0.285582, -0.436845]),
        ("d_fake", [-0.0571102, -0.0356101, -0.0299653]),
        ("loss_g", [0.691158, 0.718305, 0.713618]),
        ("mi_categorical", [1.08873, 1.25841, 1.21028]),
        ("mi_continuous", [0.269543, 0.616228, 0.56862]),
        ("q_accuracy", [0.375, 0.125, 0.25]),
    ];
    private static readonly (string, double[])[] Aae =
    [
        ("loss_d", [1.4422, 1.42977, 1.41354]),
        ("d_real", [-0.207423, -0.155856, -0.152427]),
        ("d_fake", [-0.111429, -0.076807, -0.107765]),
        ("reconstruction", [0.348607, 0.341001, 0.331741]),
        ("loss_g", [0.750183, 0.732197, 0.748342]),
        ("code_std", [0.282411, 0.372019, 0.352517]),
    ];
    private static readonly (string, double[])[] Ali =
    [
        ("loss_d", [1.38763, 1.38568, 1.38678]),
        ("d_real", [0.110618, 0.108012, 0.108351]),
        ("d_fake", [0.107326, 0.101281, 0.103672]),
        ("loss_g", [1.39263, 1.3923, 1.39043]),
        ("reconstruction", [0.348653, 0.340905, 0.331993]),
        ("code_std", [0.282411, 0.370202, 0.351757]),
    ];

    private static readonly (string, double[])[] Pix2Pix =
    [
        ("G_GAN", [0.6143, 0.632423, 0.717998]),
        ("G_L1", [90.4789, 90.3266, 90.4645]),
        ("D_real", [0.615102, 0.593102, 0.690774]),
        ("D_fake", [0.827184, 0.797383, 0.69742]),
    ];
    private static readonly (string, double[])[] CycleGan =
    [
        ("D_A", [0.588981, 0.621363, 0.556967]),
        ("G_A", [1.1084, 1.09624, 1.10203]),
        ("cycle_A", [9.91618, 9.60268, 9.28097]),
        ("idt_A", [4.81517, 4.40048, 4.81236]),
        ("D_B", [0.43596, 0.422325, 0.421548]),
        ("G_B", [0.916491, 0.888741, 0.890575]),
        ("cycle_B", [9.61737, 8.82552, 9.57129]),
        ("idt_B", [4.9142, 4.85695, 4.67217]),
    ];
    private static readonly (string, double[])[] StarGan =
    [
        ("D_real", [-0.0079589, -0.00735341, -0.00805536]),
        ("D_fake", [0.00833081, 0.00821572, 0.00855128]),
        ("D_cls", [1.10994, 1.09199, 1.09184]),
        ("D_gp", [9.91915, 9.91958, 9.91308]),
        ("G_fake", [double.NaN, -0.00816282, -0.00816282]),
        ("G_cls", [double.NaN, 1.09293, 1.09293]),
        ("G_rec", [double.NaN, 0.87654, 0.87654]),
    ];
    private static readonly (string, double[])[] Cgan =
    [
        ("loss_d", [1.40591, 1.41724, 1.45799]),
        ("penalty_d", [0, 0, 0]),
        ("d_real", [0.218938, 0.121057, 0.0283649]),
        ("d_fake", [0.156579, 0.121249, 0.0846119]),
        ("loss_g", [0.659053, 0.676165, 0.68489]),
    ];
    private static readonly (string, double[])[] StyleGan2 =
    [
        ("G", [0.592798, 0.603328, 0.600187]),
        ("PL", [0.322429, double.NaN, 0.452267]),
        ("D", [1.50002, 1.43965, 1.42192]),
        ("D_real", [0.0751044, 0.125237, 0.107666]),
        ("D_fake", [0.280155, 0.214627, 0.167069]),
        ("R1", [0.0185355, double.NaN, 0.0234317]),
    ];
}
