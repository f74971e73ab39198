using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Training;

namespace GanService.Training.Families.Translation;

/// <summary>
/// junyanz's tiny model contract: set input, optimise (forward, D and G steps), current losses; plus what the shared
/// loop needs for checkpoints (named networks and optimisers), the LR schedule and the sample grid.
/// </summary>
public interface IGanTrainer : IDisposable
{
    string Family { get; }
    TranslationOptions Options { get; }
    /// <summary>Networks by checkpoint name ("G", "D", "G_A", …).</summary>
    IReadOnlyDictionary<string, nn.Module> Networks { get; }
    IReadOnlyDictionary<string, optim.Optimizer> Optimizers { get; }
    void SetInput(Batch batch);
    /// <summary>One training iteration on the current input; returns the losses of this step.</summary>
    IReadOnlyDictionary<string, double> OptimizeParameters();
    /// <summary>Sets the learning rate for <paramref name="epoch"/> (0-based) — junyanz linear policy.</summary>
    void UpdateLearningRate(int epoch);
    /// <summary>Eval-mode tiles, row-major, for a grid of <c>columns</c> columns (e.g. input | output | target).</summary>
    (IReadOnlyList<Tensor> Tiles, int Columns) SampleTiles(Batch batch);
}

/// <summary>The loop every translation family shares: epochs × batches, logging, checkpoints, resume, samples.</summary>
public static class TranslationTraining
{
    public static TrainingState Run(IGanTrainer trainer, DataLoader loader, bool resume, TextWriter? console = null)
    {
        console ??= Console.Out;
        var o = trainer.Options;
        var ckpt = Path.Combine(o.Out, "checkpoint");
        var state = new TrainingState(0, 0, 0, o.Seed);
        if (resume)
        {
            if (!File.Exists(Path.Combine(ckpt, Checkpoint.StateFile)))
                throw new ArgumentException($"--resume: no checkpoint in '{ckpt}'");
            state = Checkpoint.ReadState(ckpt);
            foreach (var (name, m) in trainer.Networks) Checkpoint.LoadModule(ckpt, name, m);
            foreach (var (name, opt) in trainer.Optimizers) Checkpoint.LoadOptimizer(ckpt, name, opt);
            console.WriteLine($"resumed from {ckpt}: epoch {state.Epoch + 1}, step {state.Step}");
        }
        using var run = new TrainingRun(o.Out, TimeSpan.FromMinutes(o.CheckpointMinutes), state.ElapsedSeconds, console);
        var sampleBatch = new Batch(SampleIndices(loader.Dataset.Count, o.SampleCount)
            .Select(i => loader.Dataset.Load(i, 0)).ToArray(), loader.Dataset.Transform.Spec);
        long step = state.Step;
        int perEpoch = loader.BatchesPerEpoch;
        long totalSteps = o.MaxSteps > 0 ? Math.Min(o.MaxSteps, (long)o.TotalEpochs * perEpoch) : (long)o.TotalEpochs * perEpoch;
        long startStep = step;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bool stop = false;
        // What export will call the data: the given description, else the folder's name and size (never its path).
        var saved = o with { DataDescription = TrainingProvenance.DescribeData(o.DataDescription, o.Data, loader.Dataset.Count) };
        void Save(int epoch)
        {
            Checkpoint.Save(ckpt, trainer.Family, saved, new TrainingState(epoch, step, run.ElapsedSeconds, o.Seed), trainer.Networks, trainer.Optimizers);
            run.MarkCheckpoint();
        }
        for (int epoch = state.Epoch; epoch < o.TotalEpochs && !stop; epoch++)
        {
            trainer.UpdateLearningRate(epoch);
            int skip = (int)Math.Max(0, step - (long)epoch * perEpoch); // batches of this epoch done before a resume
            int inEpoch = 0;
            foreach (var batch in loader.Epoch(epoch))
            {
                if (inEpoch++ < skip) continue;
                trainer.SetInput(batch);
                var losses = trainer.OptimizeParameters();
                step++;
                run.Log(epoch, step, losses);
                run.Progress(epoch, o.TotalEpochs, inEpoch, perEpoch, losses, step - startStep, totalSteps - startStep);
                if ((o.MaxSteps > 0 && step >= o.MaxSteps) || (o.MaxMinutes > 0 && clock.Elapsed.TotalMinutes >= o.MaxMinutes)) { stop = true; break; }
                if (run.CheckpointDue) Save(epoch);
            }
            bool complete = !stop || inEpoch >= perEpoch;
            SaveSamples(run, trainer, sampleBatch, epoch);
            Save(complete ? epoch + 1 : epoch); // an incomplete epoch resumes where it stopped
            run.SaveLossPlot();
            if (loader.Skipped > 0) console.WriteLine($"\n{loader.Skipped} unreadable image(s) skipped so far");
        }
        console.WriteLine();
        return Checkpoint.ReadState(ckpt);
    }

    /// <summary>
    /// <paramref name="n"/> dataset indices spread evenly over [0, count): a StarGAN folder dataset is ordered by domain,
    /// so the first n samples would all come from the first domain.
    /// </summary>
    public static int[] SampleIndices(int count, int n) =>
        Enumerable.Range(0, Math.Min(n, count)).Select(i => (int)((long)i * count / Math.Min(n, count))).ToArray();

    private static void SaveSamples(TrainingRun run, IGanTrainer trainer, Batch batch, int epoch)
    {
        using var scope = torch.NewDisposeScope();
        var (tiles, columns) = trainer.SampleTiles(batch);
        run.SaveSampleGrid(epoch, tiles, columns, new ImageSpec((int)tiles[0].shape[0], (int)tiles[0].shape[1], (int)tiles[0].shape[2]));
    }

    public static optim.Optimizer Adam(IEnumerable<Parameter> parameters, double lr, double beta1, double beta2) =>
        new ScalarSafeAdam(parameters, lr, beta1, beta2);
}
