using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Training;

namespace GanService.Training.Families.Gan;

/// <summary>
/// The image training loop for gan / dcgan / cgan: epochs over a <see cref="LabelledImageSet"/> (an epoch = every image
/// seen once by D), a time-based checkpoint (G, D, G_ema, both optimisers, options, state) with --resume, the progress
/// bar, losses.csv, a per-epoch sample grid of fixed seeds (SeedLatent, rows = classes for cGAN) and the loss plot.
/// </summary>
public sealed class GenerationTrainer
{
    public const int GridColumns = 8;

    public static (LatentGenerator G, Discriminator D, LatentGenerator? GEma) Build(GenerationOptions o)
    {
        torch.manual_seed(o.Seed);
        var g = GenerationNetworks.Generator(o);
        var d = GenerationNetworks.Discriminator(o);
        LatentGenerator? ema = null;
        if (o.EmaBeta > 0)
        {
            ema = GenerationNetworks.Generator(o);
            Tricks.WeightAverage.CopyInto(ema, g);
            ema.eval();
        }
        return (g, d, ema);
    }

    public static long ParameterCount(nn.Module m) => m.parameters().Sum(p => p.numel());

    /// <summary>Fixed-seed grid: seeds 0…n−1 through SeedLatent; cGAN: row r asks for class r (10 × 8).</summary>
    public static (Tensor Z, Tensor? Labels) GridInputs(GenerationOptions o)
    {
        int rows = o.Conditional ? o.NumClasses : GridColumns;
        var seeds = Enumerable.Range(0, rows * GridColumns).Select(i => (uint)i).ToArray();
        var z = torch.tensor(SeedLatent.Batch(seeds, o.Nz), [seeds.Length, o.Nz]);
        Tensor? labels = o.Conditional ? torch.tensor(seeds.Select(s => (long)(s / GridColumns)).ToArray(), ScalarType.Int64) : null;
        return (z, labels);
    }

    public static List<Tensor> Samples(LatentGenerator g, GenerationOptions o)
    {
        bool was = g.training;
        g.eval();
        try
        {
            using var _ = torch.no_grad();
            var (z, labels) = GridInputs(o);
            var images = g.Generate(z, labels);
            return Enumerable.Range(0, (int)images.shape[0]).Select(i => images[i]).ToList();
        }
        finally { g.train(was); }
    }

    public static void Train(GenerationOptions o, LabelledImageSet data, string outDir, bool resume, TimeSpan checkpointEvery, TextWriter? console = null)
    {
        console ??= Console.Out;
        if (Translation.Networks.ParseDevice(o.Device).type != DeviceType.CPU)
            throw new ArgumentException($"--device {o.Device}: gan/dcgan/cgan train on the CPU only for now (their loop does not move tensors to a GPU)");
        var (g, d, ema) = Build(o);
        using var stepper = new GanStepper(o, g, d, ema);
        var run0 = Path.Combine(outDir, "checkpoint");
        int startEpoch = 0;
        double elapsed = 0;
        if (resume && Directory.Exists(run0))
        {
            Checkpoint.LoadModule(run0, "G", g);
            Checkpoint.LoadModule(run0, "D", d);
            if (ema is not null) Checkpoint.LoadModule(run0, "G_ema", ema);
            Checkpoint.LoadOptimizer(run0, "opt_G", stepper.OptG);
            Checkpoint.LoadOptimizer(run0, "opt_D", stepper.OptD);
            var state = Checkpoint.ReadState(run0);
            (startEpoch, stepper.Step, elapsed) = (state.Epoch, state.Step, state.ElapsedSeconds);
            console.WriteLine($"resumed from {run0}: epoch {startEpoch + 1}, step {stepper.Step}");
        }
        using var run = new TrainingRun(outDir, checkpointEvery, elapsed, console);
        int nCritic = o.ResolvedNCritic;
        long perIteration = (long)o.Batch * nCritic;
        long itersPerEpoch = data.Count / perIteration;
        if (itersPerEpoch < 1) throw new ArgumentException($"{data.Count} images are fewer than one iteration ({perIteration})");
        long total = o.MaxSteps > 0 ? Math.Min(o.MaxSteps, itersPerEpoch * o.Epochs) : itersPerEpoch * o.Epochs;
        stepper.TotalSteps = total;
        var spec = new ImageSpec(o.Channels, o.Size, o.Size);
        var rng = new torch.Generator((ulong)o.Seed + 1);
        // What export will call the data: the given description, else the folder's name and size (never its path).
        var saved = o with { DataDescription = TrainingProvenance.DescribeData(o.DataDescription, o.Data, data.Count) };

        void Save(int epoch)
        {
            var modules = new Dictionary<string, nn.Module> { ["G"] = g, ["D"] = d };
            if (ema is not null) modules["G_ema"] = ema;
            Checkpoint.Save(run.CheckpointDirectory, o.Family, saved, new TrainingState(epoch, stepper.Step, run.ElapsedSeconds, o.Seed), modules,
                new Dictionary<string, optim.Optimizer> { ["opt_G"] = stepper.OptG, ["opt_D"] = stepper.OptD });
            run.MarkCheckpoint();
        }

        long sessionStart = stepper.Step; // ETA from this session's pace (a resumed run's clock restarts)
        for (int epoch = startEpoch; epoch < o.Epochs && stepper.Step < total; epoch++)
        {
            using var perm = torch.randperm(data.Count, generator: rng);
            for (long it = 0; it < itersPerEpoch && stepper.Step < total; it++)
            {
                using var scope = torch.NewDisposeScope();
                var batches = new List<(Tensor, Tensor?)>();
                for (int k = 0; k < nCritic; k++)
                {
                    var idx = perm.narrow(0, (it * nCritic + k) * o.Batch, o.Batch);
                    batches.Add((data.Batch(idx), o.Conditional ? data.BatchLabels(idx) : null));
                }
                var losses = stepper.Iterate(batches);
                run.Log(epoch, stepper.Step, losses);
                run.Progress(epoch, o.Epochs, it + 1, itersPerEpoch, losses, stepper.Step - sessionStart, total - sessionStart);
                if (run.CheckpointDue) Save(epoch);
                if (o.MaxMinutes > 0 && run.ElapsedSeconds >= o.MaxMinutes * 60) total = stepper.Step; // stops both loops
            }
            console.WriteLine();
            using (var scope = torch.NewDisposeScope())
                run.SaveSampleGrid(epoch, Samples(ema ?? g, o), GridColumns, spec);
            run.SaveLossPlot();
            Save(epoch + 1);
        }
        console.WriteLine($"done: {stepper.Step} iterations in {run.ElapsedSeconds:F0} s → {outDir}");
    }
}
