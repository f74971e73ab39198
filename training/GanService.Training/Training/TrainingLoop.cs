using System.Diagnostics;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Tricks;

namespace GanService.Training.Training;

/// <summary>
/// The one training loop every family runs through: epochs × steps of an <see cref="ITrainer{TInput}"/>, with resume
/// (skipping the inputs of an epoch already trained on), the learning-rate schedule (per epoch), the EMA of declared
/// networks and the adaptive augmentation's p (StyleGAN2-ADA) after every step, losses.csv + metrics.jsonl + a
/// progress line, a sample grid and the loss plot per epoch, atomic checkpoints (time-based and at every epoch end,
/// including the one a limit cuts short), and the step and time limits.
/// </summary>
public static class TrainingLoop
{
    /// <summary>Trains until the epochs, <see cref="LoopSettings.MaxSteps"/> or <see cref="LoopSettings.MaxMinutes"/> run
    /// out; returns the state of the last checkpoint. <paramref name="restored"/>: the trainer was already restored
    /// from a checkpoint (<see cref="Restore{TInput}"/>), continue from that state.</summary>
    public static TrainingState Run<TInput>(ITrainer<TInput> trainer, ITrainingData<TInput> data, LoopSettings s, TrainingState? restored = null)
    {
        var console = s.Console ?? Console.Out;
        if (s.InitWiden && s.InitFrom.Length == 0)
            throw new ArgumentException("--init-widen widens what --init-from copies; give --init-from CHECKPOINT as well");
        ConvolutionBackend.Ensure(); // never train on convolutions the probe finds wrong (docs/platform.md)
        ConvolutionBackend.EnsureDevice(trainer.Device); // the same probe on a GPU, under the CUDA training settings
        using var stress = GcStress.FromEnvironment(); // GAN_GC_STRESS=1: collections forced throughout the run
        var ckpt = Path.Combine(s.RunDirectory, TrainingRun.CheckpointFolder);
        var state = restored ?? new TrainingState(0, 0, 0, s.Seed);
        if (restored is null && s.Resume)
        {
            state = Restore(trainer, ckpt);
            console.WriteLine($"resumed from {ckpt}: epoch {state.Epoch + 1}, step {state.Step}");
        }
        else if (restored is null && s.InitFrom.Length > 0) InitFrom(trainer, s.InitFrom, console, s.InitWiden);
        // Rows an earlier process logged past the checkpoint it left (killed between checkpoints) are dropped: the
        // resumed run logs those steps again. A new run's logs start empty.
        using var run = new TrainingRun(s.RunDirectory, TimeSpan.FromMinutes(s.CheckpointMinutes), state.ElapsedSeconds, console, keepThroughStep: state.Step);
        long perEpoch = Math.Max(1, data.StepsPerEpoch);
        long maxSteps = s.MaxSteps > 0 ? s.MaxSteps : long.MaxValue;
        long totalSteps = Math.Min(maxSteps, s.Epochs * perEpoch);
        long step = state.Step, startStep = step;
        int epoch = state.Epoch;
        var session = Stopwatch.StartNew(); // the time limit counts this session (the run's total is in state.json)
        bool Stop() => step >= maxSteps || (s.MaxMinutes > 0 && session.Elapsed.TotalMinutes >= s.MaxMinutes);
        string? lastGood = restored is not null || s.Resume ? $"{ckpt} (step {state.Step})" : null;
        void Save(int nextEpoch)
        {
            SaveCheckpoint(trainer, ckpt, s.Options, new TrainingState(nextEpoch, step, run.ElapsedSeconds, s.Seed));
            run.MarkCheckpoint();
            lastGood = $"{ckpt} (step {step})";
        }

        bool stopped = false;
        for (; epoch < s.Epochs && !stopped && !Stop(); epoch++)
        {
            trainer.UpdateLearningRate(epoch);
            long skip = Math.Max(0, step - epoch * perEpoch); // inputs of this epoch trained on before a resume
            long inEpoch = 0;
            using (var inputs = data.Epoch(epoch).GetEnumerator())
                while (true)
                {
                    // Every step in its own dispose scope, the input's tensors included (they are made by MoveNext).
                    using var scope = torch.NewDisposeScope();
                    if (!inputs.MoveNext()) break;
                    if (inEpoch++ < skip) continue;
                    var losses = Step(trainer, inputs.Current);
                    step++;
                    run.Log(epoch, step, losses); // the row that went non-finite is kept for diagnosis
                    FiniteGuard.AfterStep(trainer, losses, step, lastGood);
                    run.Progress(epoch, s.Epochs, inEpoch, perEpoch, losses, step - startStep, totalSteps - startStep);
                    if (Stop()) { stopped = true; break; }
                    if (run.CheckpointDue) Save(epoch);
                }
            SaveSamples(run, trainer, data.SampleInput, epoch);
            run.SaveLossPlot();
            if (stopped && inEpoch < perEpoch) { Save(epoch); break; } // an incomplete epoch resumes where it stopped
            Save(epoch + 1);
        }
        console.WriteLine($"\nstopped at epoch {Math.Min(epoch + 1, s.Epochs)}/{s.Epochs}, step {step}, {run.ElapsedSeconds / 60:F1} min in total; checkpoint {ckpt}");
        return File.Exists(Path.Combine(ckpt, Checkpoint.StateFile)) ? Checkpoint.ReadState(ckpt) : new TrainingState(epoch, step, run.ElapsedSeconds, s.Seed);
    }

    /// <summary>One step outside a run (tests, benchmarks): set the input, optimise, update the EMA networks.</summary>
    public static IReadOnlyDictionary<string, double> Step<TInput>(ITrainer<TInput> trainer, TInput input)
    {
        using var gate = FinalizerGate.Close(); // TorchSharp's temporaries are finalized between steps, never under one
        trainer.SetInput(input);
        var losses = trainer.OptimizeParameters();
        if (trainer.Ema.Count > 0)
        {
            var networks = trainer.Networks;
            foreach (var pair in trainer.Ema) WeightAverage.Update(networks[pair.Shadow], networks[pair.Live], trainer.EmaBeta);
        }
        // ADA: p moves from the r_t of the steps since its last adjustment; both are logged.
        if (trainer.Augmentation is { } augment) losses = augment.EndStep(losses);
        return losses;
    }

    /// <summary>Writes every network and optimiser of <paramref name="trainer"/>, its options and the state, atomically
    /// (a temporary folder swapped in), to <paramref name="checkpointDirectory"/>.</summary>
    public static void SaveCheckpoint<TInput>(ITrainer<TInput> trainer, string checkpointDirectory, object options, TrainingState state) =>
        Checkpoint.Save(checkpointDirectory, trainer.Family, options, state, trainer.Networks, trainer.Optimizers);

    /// <summary>Loads every network and optimiser of <paramref name="trainer"/> from a checkpoint folder, then lets the
    /// trainer restore its counters; returns the checkpoint's state.</summary>
    public static TrainingState Restore<TInput>(ITrainer<TInput> trainer, string checkpointDirectory)
    {
        if (!File.Exists(Path.Combine(checkpointDirectory, Checkpoint.StateFile)))
            throw new ArgumentException($"--resume: no checkpoint in '{checkpointDirectory}'");
        var state = Checkpoint.ReadState(checkpointDirectory);
        foreach (var (name, m) in trainer.Networks)
        {
            // A run resumed with augmentation turned on now (flags override the checkpoint's options) has no p saved:
            // it starts from its options' augmentP.
            if (name == AdaAugment.NetworkName && !File.Exists(Path.Combine(checkpointDirectory, name + ".weights"))) continue;
            Checkpoint.LoadModule(checkpointDirectory, name, m);
        }
        foreach (var (name, o) in trainer.Optimizers) Checkpoint.LoadOptimizer(checkpointDirectory, name, o);
        trainer.Restore(state);
        trainer.Augmentation?.Reseed(state.Step);
        return state;
    }

    /// <summary>The smallest share of a network's values that <see cref="InitFrom{TInput}"/> must take from the
    /// checkpoint; below it (only biases, filters and scalars, which fit any width) the checkpoint does not fit this run.</summary>
    public const double MinimumTransferShare = 0.01;

    /// <summary>Transfer learning (StyleGAN2-ADA's resume_pkl for a new run): every network of the trainer takes the
    /// tensors of the same name and shape from another run's checkpoint of the same family, so a 64² StyleGAN2 starts
    /// from a 32² run's mapping and 4²…32² blocks; what is not there, or has another shape, keeps the trainer's own
    /// initialisation and is listed; with <c>widen</c> (--init-widen) a narrower tensor is widened into this run's
    /// (<see cref="Checkpoint.Transfer"/>, rescaled where <see cref="ITrainer{TInput}.EqualizedLearningRate"/>).
    /// Optimiser state, step count and EMA ramp-up start fresh, as in NVlabs's training_loop (cur_nimg starts at 0
    /// unless told otherwise). A network that takes under <see cref="MinimumTransferShare"/> of its values is an
    /// error.</summary>
    public static IReadOnlyList<TransferReport> InitFrom<TInput>(ITrainer<TInput> trainer, string checkpointDirectory, TextWriter console, bool widen = false)
    {
        if (!File.Exists(Path.Combine(checkpointDirectory, Checkpoint.StateFile)))
            throw new ArgumentException($"--init-from: no checkpoint in '{checkpointDirectory}' (a run's checkpoint folder, with {Checkpoint.StateFile})");
        string family = Checkpoint.ReadFamily(checkpointDirectory);
        if (!family.Equals(trainer.Family, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--init-from: '{checkpointDirectory}' is a {family} checkpoint, not {trainer.Family}");
        var reports = new List<TransferReport>();
        foreach (var (name, m) in trainer.Networks)
        {
            var report = Checkpoint.Transfer(checkpointDirectory, name, m, widen, trainer.EqualizedLearningRate);
            if (report is null) { console.WriteLine($"init-from: {name}: not in the checkpoint; own initialisation"); continue; }
            if (report.CopiedShare < MinimumTransferShare)
                throw new ArgumentException($"--init-from: '{checkpointDirectory}' fits {report.CopiedShare:P1} of {name}'s values ({report.Copied} of " +
                    $"{report.Total} tensors by name and shape); it is another architecture");
            console.WriteLine(report.Describe());
            reports.Add(report);
        }
        return reports;
    }

    private static void SaveSamples<TInput>(TrainingRun run, ITrainer<TInput> trainer, TInput sample, int epoch)
    {
        using var gate = FinalizerGate.Close();
        using var scope = torch.NewDisposeScope();
        var (tiles, columns) = trainer.SampleTiles(sample);
        run.SaveSampleGrid(epoch, tiles, columns, new ImageSpec((int)tiles[0].shape[0], (int)tiles[0].shape[1], (int)tiles[0].shape[2]));
    }
}
