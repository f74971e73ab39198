using GanService.Training.Checkpoints;
using GanService.Training.Training;
using GanService.Training.Tricks;

namespace GanService.Tests.Training;

/// <summary>ADA through the one training loop, on a discriminator whose behaviour the test controls: p rises while D
/// recognises its reals (r_t above the target), settles where augmentation hides them, falls when D rejects them, and a
/// resumed run continues p and the statistics of an unfinished interval.</summary>
public class AdaTrainingLoopTests
{
    private sealed record ProbeOptions : RunOptions
    {
        public AdaOptions Augmentation { get; init; } = new();
    }

    /// <summary>A D with no weights: it has memorised its reals (logit +1 for an image within 1e-3 of one of them, else
    /// −1), or, with <c>constant</c>, returns that logit for everything. Its step only shows D the augmented reals.</summary>
    private sealed class ProbeTrainer : GanTrainer<Tensor, ProbeOptions>
    {
        private readonly Tensor _memorised;
        private readonly float? _constant;
        private Tensor? _batch;

        public ProbeTrainer(ProbeOptions o, Tensor memorised, float? constant = null) : base(o, "ada-probe")
        {
            _memorised = memorised;
            _constant = constant;
            UseAugmentation(o.Augmentation);
        }

        protected override int Epochs => 1;
        public override void SetInput(Tensor batch) => _batch = batch;

        public override IReadOnlyDictionary<string, double> OptimizeParameters()
        {
            using var scope = torch.NewDisposeScope();
            var seen = Augmentation!.Apply(_batch!);
            Tensor logits;
            if (_constant is { } c) logits = torch.full(seen.shape[0], 1, c);
            else
            {
                var distance = (seen.unsqueeze(1) - _memorised.unsqueeze(0)).abs().amax([2, 3, 4]).amin([1]); // (B)
                logits = (distance.lt(1e-3f).to_type(ScalarType.Float32) * 2 - 1).unsqueeze(1);
            }
            Augmentation.Observe(logits);
            return new Dictionary<string, double> { ["D_real"] = logits.mean().item<float>() };
        }

        protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(Tensor sample) => ([sample[0]], 1);
    }

    private static Tensor Reals() => torch.rand([16, 3, 8, 8], generator: new torch.Generator(5)) * 2 - 1;

    // 16 images a step, 4 steps an interval: p moves 64 / (12.8 · 1000) = 0.005 per interval.
    private static ProbeOptions Adaptive(double p = 0) => new() { Seed = 2, Augmentation = new AdaOptions { Ada = true, AdaKimg = 12.8, AugmentP = p } };

    [Fact]
    public void P_rises_on_a_discriminator_that_memorised_its_reals_and_settles_where_augmentation_hides_them()
    {
        var reals = Reals();
        using var trainer = new ProbeTrainer(Adaptive(), reals);
        var adjustments = new List<(double Rt, double P)>();
        for (int step = 0; step < 240; step++)
        {
            var logged = TrainingLoop.Step(trainer, reals);
            Assert.True(logged.ContainsKey(AdaAugment.PKey) && logged.ContainsKey(AdaAugment.RtKey));
            if (double.IsFinite(logged[AdaAugment.RtKey])) adjustments.Add((logged[AdaAugment.RtKey], logged[AdaAugment.PKey]));
        }
        Assert.Equal(60, adjustments.Count);
        // At p = 0 D sees exactly its memorised reals: r_t = 1, and p goes up.
        Assert.Equal(1.0, adjustments[0].Rt);
        Assert.Equal(0.005, adjustments[0].P, 9);
        // Every adjustment moves p by one step in the direction of r_t − target.
        double previous = 0;
        foreach (var (rt, p) in adjustments)
        {
            double expected = Math.Clamp(previous + Math.Sign(rt - 0.6) * 0.005, 0, 1);
            Assert.Equal(expected, p, 9);
            previous = p;
        }
        // Augmented reals are strangers to this D, so p stops where about one in five of them is touched.
        Assert.Contains(adjustments, a => a.Rt < 0.6);
        Assert.True(adjustments.Max(a => a.P) < 0.1, $"p ran away to {adjustments.Max(a => a.P)}");
        Assert.True(adjustments.Skip(20).Average(a => a.P) > 0.005, "p fell back to zero on an over-fitted D");
    }

    [Fact]
    public void P_falls_to_zero_when_D_calls_every_real_fake()
    {
        var reals = Reals();
        using var trainer = new ProbeTrainer(Adaptive(p: 0.05), reals, constant: -3f);
        double last = 0.05;
        for (int step = 1; step <= 64; step++)
        {
            var logged = TrainingLoop.Step(trainer, reals);
            if (step % 4 == 0)
            {
                Assert.Equal(-1.0, logged[AdaAugment.RtKey]);
                Assert.Equal(Math.Max(0, last - 0.005), logged[AdaAugment.PKey], 9);
                last = logged[AdaAugment.PKey];
            }
        }
        Assert.Equal(0.0, trainer.Augmentation!.P);
    }

    [Fact]
    public void A_resumed_run_continues_p_and_an_unfinished_interval()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ada-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            var reals = Reals();
            var options = Adaptive(p: 0.2);
            using var first = new ProbeTrainer(options, reals, constant: 1f);
            for (int i = 0; i < 6; i++) TrainingLoop.Step(first, reals); // one interval closed, two steps of the next seen
            TrainingLoop.SaveCheckpoint(first, dir, options, new TrainingState(0, 6, 1, options.Seed));
            Assert.True(File.Exists(Path.Combine(dir, AdaAugment.NetworkName + ".weights")));
            var continued = Enumerable.Range(0, 2).Select(_ => TrainingLoop.Step(first, reals)).ToList();

            using var resumed = new ProbeTrainer(Checkpoint.ReadOptions<ProbeOptions>(dir, "ada-probe"), reals, constant: 1f);
            Assert.Equal(0.2, resumed.Augmentation!.P, 12); // the options' start, before the checkpoint is read
            TrainingLoop.Restore(resumed, dir);
            Assert.Equal(0.205, resumed.Augmentation.P, 9);
            var after = Enumerable.Range(0, 2).Select(_ => TrainingLoop.Step(resumed, reals)).ToList();
            // The interval the checkpoint cut closes after the same two steps, with the same r_t and p.
            Assert.True(double.IsNaN(after[0][AdaAugment.RtKey]));
            Assert.Equal(continued[1][AdaAugment.RtKey], after[1][AdaAugment.RtKey]);
            Assert.Equal(continued[1][AdaAugment.PKey], after[1][AdaAugment.PKey], 12);
            Assert.Equal(0.21, after[1][AdaAugment.PKey], 9);

            // A run resumed with augmentation turned on only now has no p saved: it starts from its options' augmentP.
            File.Delete(Path.Combine(dir, AdaAugment.NetworkName + ".weights"));
            using var turnedOn = new ProbeTrainer(Adaptive(p: 0.3), reals, constant: 1f);
            TrainingLoop.Restore(turnedOn, dir);
            Assert.Equal(0.3, turnedOn.Augmentation!.P, 12);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
