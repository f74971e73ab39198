using GanService.Tests.Training.ToyFamily;
using GanService.Training.Checkpoints;
using GanService.Training.Onnx;
using GanService.Training.Training;

namespace GanService.Tests.Training;

/// <summary>The NaN guard: a run that goes non-finite stops with one line and writes nothing from those weights.</summary>
public sealed class FiniteGuardTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gan-nan").FullName;
    public void Dispose() { if (Directory.Exists(_root)) Directory.Delete(_root, true); }

    /// <summary>The toy family's data with a NaN injected into one batch (a corrupt input), from step <c>nanStep</c> on.</summary>
    private sealed class PoisonedPoints(ToyPoints inner, long nanStep) : ITrainingData<Tensor>
    {
        public long StepsPerEpoch => inner.StepsPerEpoch;
        public Tensor SampleInput => inner.SampleInput;
        public IEnumerable<Tensor> Epoch(int epoch)
        {
            long step = epoch * StepsPerEpoch;
            foreach (var batch in inner.Epoch(epoch))
                yield return ++step == nanStep ? batch.index_put_(torch.tensor(float.NaN), torch.tensor(0L)) : batch;
        }
    }

    private ToyGanOptions Toy()
    {
        var points = Path.Combine(_root, "points.txt");
        File.WriteAllLines(points, Enumerable.Range(0, 64).Select(i => $"{Math.Cos(i)},{Math.Sin(i)}"));
        return new ToyGanOptions { Data = points, Out = Path.Combine(_root, "run"), BatchSize = 8, Epochs = 3, Hidden = 8, Seed = 1 };
    }

    [Fact]
    public void An_injected_nan_stops_the_run_with_one_line_and_no_checkpoint_from_it()
    {
        var o = Toy();
        using var trainer = new ToyGanTrainer(o);
        var settings = new LoopSettings
        {
            RunDirectory = o.Out, Options = o, Seed = o.Seed, Epochs = o.Epochs, CheckpointMinutes = 0, Console = TextWriter.Null,
        };
        var e = Assert.Throws<TrainingNumericsException>(() => TrainingLoop.Run(trainer, new PoisonedPoints(new ToyPoints(o), nanStep: 11), settings));
        var checkpoint = Path.Combine(o.Out, TrainingRun.CheckpointFolder);
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith("step 11: ", e.Message);
        Assert.Contains("D = NaN", e.Message);                      // which loss
        Assert.Contains("gradient of G.fc0.weight is not finite", e.Message); // and where it went (the first network listed)
        Assert.Contains($"Last good checkpoint: {checkpoint} (step 10)", e.Message);
        Assert.Equal(10, Checkpoint.ReadState(checkpoint).Step);     // the checkpoint stayed at the last finite step
        Assert.Null(FiniteGuard.FirstNonFinite(LoadedToy(o, checkpoint), gradients: false));
        // one grid per completed epoch (8 steps each): epoch 1's, none from the poisoned epoch 2
        Assert.Single(Directory.GetFiles(Path.Combine(o.Out, "samples"), "epoch*.png"));
    }

    private static IReadOnlyDictionary<string, nn.Module> LoadedToy(ToyGanOptions o, string checkpoint)
    {
        var t = new ToyGanTrainer(o);
        foreach (var (name, m) in t.Networks) Checkpoint.LoadModule(checkpoint, name, m);
        return t.Networks;
    }

    [Fact]
    public void A_nan_before_any_checkpoint_says_there_is_none()
    {
        var o = Toy();
        using var trainer = new ToyGanTrainer(o);
        var settings = new LoopSettings { RunDirectory = o.Out, Options = o, Seed = o.Seed, Epochs = 1, CheckpointMinutes = 60, Console = TextWriter.Null };
        var e = Assert.Throws<TrainingNumericsException>(() => TrainingLoop.Run(trainer, new PoisonedPoints(new ToyPoints(o), nanStep: 2), settings));
        Assert.Contains("No checkpoint had been written yet", e.Message);
        Assert.False(Directory.Exists(Path.Combine(o.Out, TrainingRun.CheckpointFolder)));
    }

    [Fact]
    public void Checkpoints_and_exports_refuse_non_finite_weights()
    {
        var o = Toy();
        using var trainer = new ToyGanTrainer(o);
        using (torch.no_grad()) trainer.Networks["G"].parameters().First().view(-1)[0] = float.PositiveInfinity;
        var save = Assert.Throws<InvalidDataException>(() =>
            Checkpoint.Save(Path.Combine(_root, "ckpt"), "toy", o, new TrainingState(0, 0, 0, 0), trainer.Networks));
        Assert.Contains("G.fc0.weight", save.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "ckpt")));
        var graph = new OnnxGraphBuilder();
        var export = Assert.Throws<InvalidDataException>(() => graph.Initializer("w", trainer.Networks["G"].parameters().First()));
        Assert.Contains("refusing to export non-finite weights", export.Message);
    }

    [Fact]
    public void Nan_losses_alone_are_not_stopped_a_lazy_regulariser_logs_them_on_its_off_steps()
    {
        var o = Toy();
        using var trainer = new ToyGanTrainer(o);
        FiniteGuard.AfterStep(trainer, new Dictionary<string, double> { ["R1"] = double.NaN, ["D"] = 0.7 }, 3, null);
        var e = Assert.Throws<TrainingNumericsException>(() =>
            FiniteGuard.AfterStep(trainer, new Dictionary<string, double> { ["D"] = double.PositiveInfinity }, 3, null));
        Assert.Contains("D = ∞", e.Message.Replace("Infinity", "∞"));
    }
}
