using System.Text.Json.Nodes;
using GanService.Cli.Commands;
using GanService.Tests.Cli;
using GanService.Tests.Training.ToyFamily;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Families.Gan;
using GanService.Training.Families.Translation;
using GanService.Training.Training;

namespace GanService.Tests.Training;

/// <summary>The one training loop: checkpoints (every optimiser or an error; old layouts), resume, metrics, and a new
/// family added the way docs/adding-a-family.md says.</summary>
public sealed class TrainingLoopTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gan-loop").FullName;
    public void Dispose() { if (Directory.Exists(_root)) Directory.Delete(_root, true); }

    private static LabelledImageSet TinyImages()
    {
        torch.manual_seed(0);
        return new LabelledImageSet(torch.randint(0, 256, [64, 1, 16, 16]).to_type(ScalarType.Byte), torch.randint(0, 2, [64], dtype: ScalarType.Int64), ["a", "b"]);
    }

    private static readonly GenerationOptions Cgan = new() { Family = "cgan", NumClasses = 2, ClassNames = ["a", "b"], Size = 16, Ngf = 4, Ndf = 4, ZDim = 8, Batch = 16, Epochs = 1, EmaBeta = 0.9 };

    private static double[] LossD(string runDir) =>
        File.ReadAllLines(Path.Combine(runDir, TrainingRun.MetricsFile)).Select(l => JsonNode.Parse(l)!["loss_d"]!.GetValue<double>()).ToArray();

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target);
        }
    }

    [Fact]
    public void A_generation_checkpoint_of_the_old_layout_resumes_with_its_optimizer_state()
    {
        using var data = TinyImages();
        string current = Path.Combine(_root, "current"), old = Path.Combine(_root, "old"), none = Path.Combine(_root, "none");
        Runs.Generation(Cgan with { Out = current }, data, false);
        CopyFolder(current, old);
        CopyFolder(current, none);
        // The layout gan/dcgan/cgan wrote before the single loop (main at 833cf40): the same optimiser files, named
        // opt_G.optim / opt_D.optim, where every other family wrote G.optim / D.optim.
        foreach (var n in new[] { "G", "D" })
        {
            File.Move(Path.Combine(old, "checkpoint", $"{n}.optim"), Path.Combine(old, "checkpoint", $"opt_{n}.optim"));
            File.Delete(Path.Combine(none, "checkpoint", $"{n}.optim"));
        }

        Runs.Generation((Cgan with { Epochs = 2 }) with { Out = current }, data, true);
        Runs.Generation((Cgan with { Epochs = 2 }) with { Out = old }, data, true);

        var (a, b) = (LossD(current), LossD(old));
        Assert.Equal(8, a.Length);
        Assert.Equal(a, b); // the same Adam moments were read from the old names
        Assert.Equal(8, Checkpoint.ReadState(Path.Combine(old, "checkpoint")).Step);
        Assert.True(File.Exists(Path.Combine(old, "checkpoint", "G.optim")), "the next save writes today's names");
        Assert.False(File.Exists(Path.Combine(old, "checkpoint", "opt_G.optim")));

        var e = Assert.Throws<InvalidDataException>(() =>
            Runs.Generation((Cgan with { Epochs = 2 }) with { Out = none }, data, true));
        Assert.Contains("'G.optim'", e.Message);
        Assert.Contains("'opt_G.optim'", e.Message);
    }

    [Fact]
    public void Save_refuses_an_optimizer_type_it_cannot_save_and_keeps_the_previous_checkpoint()
    {
        var dir = Path.Combine(_root, "checkpoint");
        using var net = nn.Linear(2, 1);
        var state = new TrainingState(1, 5, 0);
        Checkpoint.Save(dir, "toy", new { }, state, new Dictionary<string, nn.Module> { ["G"] = net },
            new Dictionary<string, optim.Optimizer> { ["G"] = optim.SGD(net.parameters(), 0.1) });
        var e = Assert.Throws<NotSupportedException>(() => Checkpoint.Save(dir, "toy", new { }, state with { Step = 9 },
            new Dictionary<string, nn.Module> { ["G"] = net }, new Dictionary<string, optim.Optimizer> { ["G"] = optim.Adagrad(net.parameters()) }));
        Assert.Contains("'G'", e.Message);
        Assert.Contains("Adagrad", e.Message);
        Assert.Equal(5, Checkpoint.ReadState(dir).Step);
        Assert.True(File.Exists(Path.Combine(dir, "G.optim")));
        Assert.False(Directory.Exists(dir + ".saving"));
    }

    [Fact]
    public void A_run_stopped_mid_epoch_resumes_at_the_next_batch_of_that_epoch()
    {
        var data = Path.Combine(_root, "data");
        SyntheticShapes.Write(data, "aligned", 8, 32, seed: 1, testCount: 0);
        var o = new Pix2PixOptions
        {
            Data = data, Out = Path.Combine(_root, "run"), NetG = "unet_32", Ngf = 4, Ndf = 4, CropSize = 32, LoadSize = 32, NoFlip = true,
            BatchSize = 2, NEpochs = 1, NEpochsDecay = 0, MaxSteps = 3,
        };
        var loader = new DataLoader(new AlignedDataset(data, new ImageTransform(32, 32, Flip: false)), o.BatchSize, o.Seed, workers: 0);
        using (var t = new Pix2PixTrainer(o)) Assert.Equal((0, 3L), (t.Train(loader, false, TextWriter.Null) is var s ? (s.Epoch, s.Step) : default));
        using (var t = new Pix2PixTrainer(o with { MaxSteps = 0 }))
        {
            var s = t.Train(loader, true, TextWriter.Null);
            Assert.Equal((1, 4L), (s.Epoch, s.Step)); // 4 batches an epoch: one was left
        }
        var lines = File.ReadAllLines(Path.Combine(o.Out, TrainingRun.MetricsFile));
        Assert.Equal([1L, 2, 3, 4], lines.Select(l => JsonNode.Parse(l)!["step"]!.GetValue<long>()));
        Assert.True(File.Exists(Path.Combine(o.Out, "samples", TrainingRun.LossPlotFile)));
    }

    [Fact]
    public void A_new_family_is_a_networks_file_a_step_an_options_record_and_one_registry_line()
    {
        var points = Path.Combine(_root, "ring.txt");
        var rng = new Random(3);
        File.WriteAllLines(points, Enumerable.Range(0, 256).Select(i =>
        {
            double a = i % 8 * Math.PI / 4;
            return FormattableString.Invariant($"{Math.Cos(a) + rng.NextDouble() * 0.05:F4},{Math.Sin(a) + rng.NextDouble() * 0.05:F4}");
        }));
        var run = Path.Combine(_root, "toy-run");
        GanService.Training.Families.GanFamilies.Register(new ToyGanFamily()); // the registry line (a real family writes it in GanFamilies)
        try
        {
            var (exit, output, err) = CommandRunner.Run(TrainCommand.Create(), "toy", "--data", points, "--out", run, "--batch-size", "32", "--max-steps", "20", "--seed", "1");
            Assert.True(exit == 0, err + output);
            var metrics = File.ReadAllLines(Path.Combine(run, TrainingRun.MetricsFile)).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
            Assert.Equal(20, metrics.Count);
            Assert.All(metrics, m => Assert.True(m.ContainsKey("D") && m.ContainsKey("G") && m.ContainsKey("seconds")));
            Assert.Equal(20, Checkpoint.ReadState(Path.Combine(run, "checkpoint")).Step);
            Assert.Equal(2, Checkpoint.ReadState(Path.Combine(run, "checkpoint")).Epoch); // 8 steps an epoch: 2 done, the third cut short
            Assert.True(File.Exists(Path.Combine(run, "checkpoint", "G_ema.weights")));
            Assert.True(File.Exists(Path.Combine(run, "samples", "epoch_003.png")));
            Assert.True(File.Exists(Path.Combine(run, "samples", TrainingRun.LossPlotFile)));

            // A process killed between checkpoints leaves rows past the checkpoint's step; the resumed run logs them again.
            File.AppendAllLines(Path.Combine(run, "losses.csv"), ["2,21,9.0,0.5,0.5", "2,22,9.5,0.5,0.5"]);
            File.AppendAllLines(Path.Combine(run, TrainingRun.MetricsFile), ["{\"epoch\":2,\"step\":21,\"seconds\":9.0,\"D\":0.5}"]);
            (exit, output, err) = CommandRunner.Run(TrainCommand.Create(), "toy", "--out", run, "--resume", "--max-steps", "24");
            Assert.True(exit == 0, err + output);
            Assert.Contains("resumed from", output);
            Assert.Equal(24, Checkpoint.ReadState(Path.Combine(run, "checkpoint")).Step);
            Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i),
                File.ReadAllLines(Path.Combine(run, TrainingRun.MetricsFile)).Select(l => JsonNode.Parse(l)!["step"]!.GetValue<long>()));
            Assert.Equal(Enumerable.Range(1, 24).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                File.ReadAllLines(Path.Combine(run, "losses.csv")).Skip(1).Select(l => l.Split(',')[1]));
            Assert.Equal(32, Checkpoint.ReadOptions<ToyGanOptions>(Path.Combine(run, "checkpoint")).Options.BatchSize);
        }
        finally { GanService.Training.Families.GanFamilies.Unregister(ToyGanTrainer.Family); }
    }

    [Fact]
    public void Metrics_jsonl_writes_every_scalar_and_a_phase_that_did_not_run_as_null()
    {
        using (var run = new TrainingRun(_root, TimeSpan.FromMinutes(5), console: TextWriter.Null))
        {
            run.Log(0, 1, new Dictionary<string, double> { ["D"] = 0.5, ["R1"] = double.NaN });
            run.Log(0, 2, new Dictionary<string, double> { ["D"] = 0.25, ["R1"] = 0.125 });
        }
        var lines = File.ReadAllLines(Path.Combine(_root, TrainingRun.MetricsFile)).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal((0, 1L, 0.5), (lines[0]["epoch"]!.GetValue<int>(), lines[0]["step"]!.GetValue<long>(), lines[0]["D"]!.GetValue<double>()));
        Assert.True(lines[0].ContainsKey("R1") && lines[0]["R1"] is null);
        Assert.Equal(0.125, lines[1]["R1"]!.GetValue<double>());
    }

    [Fact]
    public void A_run_continued_from_a_step_drops_the_rows_logged_after_it_and_a_new_run_starts_its_logs_empty()
    {
        using (var run = new TrainingRun(_root, TimeSpan.FromMinutes(5), console: TextWriter.Null))
            for (int step = 1; step <= 5; step++) run.Log(0, step, new Dictionary<string, double> { ["D"] = step, ["G"] = -step });
        File.AppendAllText(Path.Combine(_root, "losses.csv"), "0,6,1.0,0.5"); // a row cut off mid-write by a kill
        using (var run = new TrainingRun(_root, TimeSpan.FromMinutes(5), console: TextWriter.Null, keepThroughStep: 3))
            run.Log(0, 4, new Dictionary<string, double> { ["D"] = 40, ["G"] = -40 });
        var csv = File.ReadAllLines(Path.Combine(_root, "losses.csv"));
        Assert.Equal("epoch,step,seconds,D,G", csv[0]);
        Assert.Equal(["1", "2", "3", "4"], csv.Skip(1).Select(l => l.Split(',')[1]));
        Assert.EndsWith(",40,-40", csv[4]);
        var metrics = File.ReadAllLines(Path.Combine(_root, TrainingRun.MetricsFile)).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal([1L, 2, 3, 4], metrics.Select(m => m["step"]!.GetValue<long>()));
        Assert.Equal(40, metrics[3]["D"]!.GetValue<double>());

        using (var run = new TrainingRun(_root, TimeSpan.FromMinutes(5), console: TextWriter.Null, keepThroughStep: 0))
            run.Log(0, 1, new Dictionary<string, double> { ["L1"] = 7 });
        var fresh = File.ReadAllLines(Path.Combine(_root, "losses.csv"));
        Assert.Equal("epoch,step,seconds,L1", fresh[0]); // the new run's own columns
        Assert.Equal(["0", "1", "7"], fresh.Skip(1).Single().Split(',').Where((_, i) => i != 2));
        Assert.Single(File.ReadAllLines(Path.Combine(_root, TrainingRun.MetricsFile)));
    }

    [Fact]
    public void Loss_plot_draws_each_scalar_in_its_own_colour()
    {
        var history = Enumerable.Range(1, 40).Select(i => ((long)i, new[] { 1.0 / i, 90.0 - i, Math.Sin(i) })).ToList();
        using var img = LossPlot.Render(["G", "L1", "D"], history);
        var colours = new HashSet<SixLabors.ImageSharp.PixelFormats.Rgb24>();
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++) colours.Add(img[x, y]);
        foreach (var c in PixelPlot.Palette.Take(3)) Assert.Contains(c, colours);
        Assert.DoesNotContain(PixelPlot.Palette[3], colours);
    }
}
