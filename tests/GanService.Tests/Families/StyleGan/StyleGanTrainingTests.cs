using System.Text.Json.Nodes;
using GanService.Cli.Commands;
using GanService.Tests.Cli;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Families.ProGan;
using GanService.Training.Families.StyleGan;
using GanService.Training.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static GanService.Tests.Training.TrainingLoopRegressionTests;

namespace GanService.Tests.Families.StyleGan;

/// <summary>
/// StyleGAN's (2018) step: the losses of its first three steps pinned (in the manner of
/// <see cref="GanService.Tests.Training.GrowingAndConditionalRegressionTests"/>, compared as <see cref="Pinned"/> says),
/// style mixing among the layers in use, and `gan train stylegan` → `--resume` → `gan export stylegan` →
/// `gan generate` through the CLI on a tiny generated image folder.
/// </summary>
public sealed class StyleGanTrainingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sg1-train-" + Guid.NewGuid().ToString("N"));
    public void Dispose() { if (Directory.Exists(_root)) Directory.Delete(_root, true); }

    /// <summary>Phases of 8 images at batch 4: steps 1–2 at 4², step 3 starts the 8² fade-in at α 0.</summary>
    private static StyleGanOptions Tiny(string dir) => new()
    {
        Size = 8, ZDim = 8, WDim = 8, MappingLayers = 2, FmapBase = 32, FmapMax = 8, PhaseImages = 8, Batch = 4, Seed = 1,
        Out = dir, Data = "generated", SampleCount = 4, CheckpointMinutes = 100,
    };

    [Fact]
    public void First_three_steps_keep_their_losses()
    {
        using var threads = TorchThreads.Use(1);
        torch.manual_seed(3);
        using var data = StyleGanImageFolder.FromTensor(torch.rand(16, 3, 8, 8) * 2 - 1);
        var o = Tiny(Path.Combine(_root, "pin")) with { MaxSteps = 3 };
        using (var trainer = new StyleGanTrainer(o)) trainer.Train(data, false, TextWriter.Null);
        AssertLosses(Pins, FirstRows(o.Out, 3));
    }

    // Recorded on this branch's first run of the test (the numerics check in force, one libtorch thread).
    private static readonly (string, double[])[] Pins =
    [
        ("loss_d", [1.10021, 1.88258, 4.01925]),
        ("r1", [2.17551, 4.48851, 1.03976]),
        ("d_real", [-0.064518, 0.107198, 0.117103]),
        ("d_fake", [-0.839802, 0.677241, 3.30344]),
        ("loss_g", [0.905754, 0.242442, 0.0500668]),
        ("resolution", [4, 4, 8]),
        ("alpha", [1, 1, 0]),
    ];

    [Fact]
    public void Style_mixing_switches_to_a_second_w_at_a_layer_in_use()
    {
        torch.manual_seed(4);
        var o = Tiny("") with { Size = 16 };
        using var g = new StyleGanGenerator(o);
        using var _ = torch.no_grad();
        var z = torch.randn(3, o.ZDim);
        var w = g.mapping.Map(z);
        var rng = new torch.Generator(5);
        var cutoffs = new HashSet<int>();
        var mix = new Random(6);
        for (int i = 0; i < 40; i++)
        {
            var ws = g.MixedWs(z, activeLayers: 4, mixingProb: 1, mix, rng, updateWAvg: false);
            Assert.Equal([3L, 6, 8], ws.shape);
            int cutoff = Enumerable.Range(0, 6).First(l => (ws[.., l] - w).abs().max().item<float>() > 1e-6);
            Assert.InRange(cutoff, 1, 3);                           // among the 4 layers of 4² and 8²
            Assert.True((ws[.., cutoff..] - ws[.., cutoff..(cutoff + 1)]).abs().max().item<float>() < 1e-6); // one second w after it
            cutoffs.Add(cutoff);
        }
        Assert.Equal([1, 2, 3], cutoffs.Order());
        Assert.True((g.MixedWs(z, 4, 0, mix, rng, false) - w.unsqueeze(1)).abs().max().item<float>() < 1e-6, "p = 0 must not mix");
        // w_avg follows the training batches' mean w with β 0.995.
        Assert.Equal(0f, g.mapping.w_avg.abs().max().item<float>());
        g.MixedWs(z, 4, 0, mix, rng, updateWAvg: true);
        Assert.True((g.mapping.w_avg - w.mean([0]) * 0.005f).abs().max().item<float>() < 1e-6);
    }

    /// <summary>Solid-colour 8² images written as PNGs: what `gan train stylegan --data` reads.</summary>
    private string WriteFolder()
    {
        var dir = Path.Combine(_root, "data");
        Directory.CreateDirectory(dir);
        var rng = new Random(7);
        for (int i = 0; i < 16; i++)
        {
            using var img = new Image<Rgb24>(8, 8, new Rgb24((byte)(200 + rng.Next(40)), (byte)(40 + rng.Next(40)), (byte)rng.Next(60)));
            img.SaveAsPng(Path.Combine(dir, $"{i:D2}.png"));
        }
        return dir;
    }

    [Fact]
    public void Train_resume_export_and_generate_through_the_cli()
    {
        var data = WriteFolder();
        var run = Path.Combine(_root, "run");
        var models = Path.Combine(_root, "models");
        string[] tiny = ["--size", "8", "--z-dim", "8", "--w-dim", "8", "--fmap-max", "8", "--phase-images", "8", "--set", "mappingLayers=2", "--set", "sampleCount=4"];
        var (exit, output, err) = CommandRunner.Run(TrainCommand.Create(), ["stylegan", "--data", data, "--out", run, "--batch-size", "4", "--max-steps", "3", "--seed", "2", "--threads", "1", .. tiny]);
        Assert.True(exit == 0, err + output);
        var ckpt = Path.Combine(run, "checkpoint");
        Assert.Equal(3, Checkpoint.ReadState(ckpt).Step);
        Assert.True(File.Exists(Path.Combine(ckpt, "G_ema.weights")));
        Assert.True(File.Exists(Path.Combine(run, "samples", "epoch_001.png")));

        // After 3 steps it is fading in 8² (α 0.5): export refuses a generator that has not grown.
        (exit, _, err) = CommandRunner.Run(ExportCommand.Create(), "stylegan", "--name", "sg1", "--models", models, "--checkpoint", ckpt);
        Assert.NotEqual(0, exit);
        Assert.Contains("grown", err);

        (exit, output, err) = CommandRunner.Run(TrainCommand.Create(), "stylegan", "--out", run, "--resume", "--max-steps", "6", "--threads", "1");
        Assert.True(exit == 0, err + output);
        Assert.Contains("resumed from", output);
        Assert.Equal(6, Checkpoint.ReadState(ckpt).Step);
        var schedule = File.ReadAllLines(Path.Combine(run, TrainingRun.MetricsFile)).Select(l => JsonNode.Parse(l)!)
            .Select(j => (j["resolution"]!.GetValue<double>(), j["alpha"]!.GetValue<double>())).ToList();
        // Steps 4–6 continue the schedule (the fade-in at α 0.5, then 8² at α 1), not from 4² again.
        Assert.Equal([(4.0, 1.0), (4.0, 1.0), (8.0, 0.0), (8.0, 0.5), (8.0, 1.0), (8.0, 1.0)], schedule);

        (exit, _, err) = CommandRunner.Run(ExportCommand.Create(), "stylegan", "--name", "sg1", "--models", models, "--checkpoint", ckpt);
        Assert.True(exit == 0, err);
        var grid = Path.Combine(_root, "grid.png");
        (exit, _, err) = CommandRunner.Run(GenerateCommand.Create(), "--model", Path.Combine(models, "sg1"), "--seeds", "0-3", "--trunc", "0.5", "--grid", grid);
        Assert.True(exit == 0, err);
        var first = File.ReadAllBytes(grid);
        (exit, _, err) = CommandRunner.Run(GenerateCommand.Create(), "--model", Path.Combine(models, "sg1"), "--seeds", "0-3", "--trunc", "0.5", "--grid", grid);
        Assert.True(exit == 0, err);
        Assert.Equal(first, File.ReadAllBytes(grid));
    }
}
