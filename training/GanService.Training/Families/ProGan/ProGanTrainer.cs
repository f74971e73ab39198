using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Losses;
using GanService.Training.Training;
using GanService.Training.Tricks;

namespace GanService.Training.Families.ProGan;

/// <summary>
/// ProGAN's step for the <see cref="TrainingLoop"/>: the level and α come from <see cref="ProGanSchedule"/> at the
/// images shown so far (step × batch), so resume needs only the step count. Reals are average-pooled to the current
/// resolution and, while a level fades in, blended with their own ×2 down-up version by the same α (as the reference's
/// process_reals), so D sees reals and fakes made the same way. One WGAN-GP critic step with the ε-drift term, then
/// one G step; G_ema is averaged by the loop. The input is the image folder (each step draws its batch).
/// </summary>
public sealed class ProGanTrainer : ITrainer<StyleGanImageFolder>
{
    public const string Family = "progan";

    private readonly ScalarSafeAdam _optG, _optD;
    private readonly Device _device;
    private StyleGanImageFolder? _data;
    private torch.Generator _rng;

    public ProGanOptions Options { get; }
    public ProGanGenerator G { get; }
    public ProGanGenerator GEma { get; }
    public ProGanDiscriminator D { get; }
    public long Step { get; private set; }
    /// <summary>Where the step about to run is in the growing schedule.</summary>
    public ProGanSchedule Schedule => ProGanSchedule.At(Step * Options.Batch, Options.PhaseImages, Options.MaxLevel);

    string ITrainer<StyleGanImageFolder>.Family => Family;
    public IReadOnlyDictionary<string, nn.Module> Networks => new Dictionary<string, nn.Module> { ["G"] = G, ["G_ema"] = GEma, ["D"] = D };
    public IReadOnlyDictionary<string, optim.Optimizer> Optimizers => new Dictionary<string, optim.Optimizer> { ["G"] = _optG, ["D"] = _optD };
    public IReadOnlyList<EmaPair> Ema => [new EmaPair("G_ema", "G")];
    public double EmaBeta => Options.EmaBeta;

    public ProGanTrainer(ProGanOptions o)
    {
        if (o.Batch % o.MbstdGroup != 0 && o.Batch > o.MbstdGroup)
            throw new ArgumentException($"batch {o.Batch} must be a multiple of the minibatch-stddev group {o.MbstdGroup}");
        Options = o;
        (G, D, GEma) = Build(o);
        _device = Translation.Networks.ParseDevice(o.Device);
        G.to(_device); GEma.to(_device); D.to(_device);
        _optG = new ScalarSafeAdam(G.parameters(), o.LrG, o.Beta1, o.Beta2, o.AdamEps);
        _optD = new ScalarSafeAdam(D.parameters(), o.LrD, o.Beta1, o.Beta2, o.AdamEps);
        _rng = new torch.Generator((ulong)o.Seed + 17);
    }

    public static (ProGanGenerator G, ProGanDiscriminator D, ProGanGenerator GEma) Build(ProGanOptions o)
    {
        torch.manual_seed(o.Seed);
        var g = new ProGanGenerator(o);
        var d = new ProGanDiscriminator(o);
        return (g, d, WeightAverage.Shadow(g, new ProGanGenerator(o)));
    }

    public void SetInput(StyleGanImageFolder data) => _data = data;

    /// <summary>Full-size reals (B, C, S, S) → the schedule's resolution, faded like the generator's output.</summary>
    public static Tensor ProcessReals(Tensor real, ProGanSchedule s, int maxLevel)
    {
        int factor = 1 << (maxLevel - s.Level);
        var x = factor > 1 ? nn.functional.avg_pool2d(real, factor) : real;
        if (s.Level == 0 || s.Alpha >= 1) return x;
        var low = nn.functional.interpolate(nn.functional.avg_pool2d(x, 2), scale_factor: [2, 2], mode: InterpolationMode.Nearest);
        return low + (x - low) * s.Alpha;
    }

    public IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var o = Options;
        var data = _data ?? throw new InvalidOperationException("SetInput first");
        var s = Schedule;
        var losses = new Dictionary<string, double>();
        G.train(); D.train();
        using (var scope = torch.NewDisposeScope())
        {
            var real = ProcessReals(data.Batch(o.Batch, o.Mirror, _rng).to(_device), s, o.MaxLevel);
            Tensor fake;
            using (torch.no_grad()) fake = G.Forward(torch.randn([o.Batch, o.ZDim], generator: _rng).to(_device), s.Level, s.Alpha);
            var realScores = D.Forward(real, s.Level, s.Alpha);
            var fakeScores = D.Forward(fake, s.Level, s.Alpha);
            var wasserstein = AdversarialLosses.Discriminator(AdversarialLossKind.WganGp, realScores, fakeScores);
            var gp = Penalties.GradientPenalty(x => D.Forward(x, s.Level, s.Alpha), real, fake, o.GpLambda, generator: _rng);
            var drift = realScores.square().mean() * o.DriftEpsilon;
            _optD.zero_grad();
            (wasserstein + gp + drift).backward();
            _optD.step();
            losses["loss_d"] = wasserstein.item<float>();
            losses["gp"] = gp.item<float>();
            losses["drift"] = drift.item<float>();
        }
        using (var scope = torch.NewDisposeScope())
        {
            NetworkParameters.SetRequiresGrad(false, D);
            try
            {
                var fake = G.Forward(torch.randn([o.Batch, o.ZDim], generator: _rng).to(_device), s.Level, s.Alpha);
                var lossG = AdversarialLosses.Generator(AdversarialLossKind.WganGp, D.Forward(fake, s.Level, s.Alpha));
                _optG.zero_grad();
                lossG.backward();
                _optG.step();
                losses["loss_g"] = lossG.item<float>();
            }
            finally { NetworkParameters.SetRequiresGrad(true, D); }
        }
        losses["resolution"] = s.Resolution;
        losses["alpha"] = s.Alpha;
        Step++;
        return losses;
    }

    /// <summary>Step counter (so the schedule) and the random stream a resumed run continues with.</summary>
    public void Restore(TrainingState state)
    {
        Step = state.Step;
        _rng = new torch.Generator((ulong)(Options.Seed + 17 + Step));
    }

    /// <summary>G_ema images for seeds (SeedLatent) at a schedule point, nearest-upsampled to the final size, as tiles.</summary>
    public static List<Tensor> Sample(ProGanGenerator g, IReadOnlyList<uint> seeds, ProGanSchedule s) =>
        Sample(g, g.Options.ZDim, g.Options.Size, seeds, s, z => g.Forward(z, s.Level, s.Alpha));

    /// <summary>Any growing generator's (ProGAN's, StyleGAN's) images for seeds at a schedule point, in eval mode:
    /// <paramref name="generate"/> maps z (B, zDim) to images at the schedule's resolution; nearest-upsampled to
    /// <paramref name="size"/>, as tiles.</summary>
    public static List<Tensor> Sample(nn.Module g, int zDim, int size, IReadOnlyList<uint> seeds, ProGanSchedule s, Func<Tensor, Tensor> generate)
    {
        bool was = g.training;
        g.eval();
        try
        {
            using var _ = torch.no_grad();
            var device = g.parameters().First().device;
            var z = torch.tensor(SeedLatent.Batch(seeds, zDim), [seeds.Count, zDim], device: device);
            var img = generate(z);
            int factor = size / s.Resolution;
            if (factor > 1) img = nn.functional.interpolate(img, scale_factor: [factor, factor], mode: InterpolationMode.Nearest);
            img = img.clamp(-1, 1).cpu();
            return Enumerable.Range(0, seeds.Count).Select(i => img[i]).ToList();
        }
        finally { g.train(was); }
    }

    public (IReadOnlyList<Tensor> Tiles, int Columns) SampleTiles(StyleGanImageFolder sample)
    {
        var seeds = Enumerable.Range(0, Options.SampleCount).Select(i => (uint)i).ToArray();
        return (Sample(GEma, seeds, Schedule), (int)Math.Ceiling(Math.Sqrt(Options.SampleCount)));
    }

    /// <summary>Trains through the <see cref="TrainingLoop"/> into <see cref="ProGanOptions.Out"/>.</summary>
    public TrainingState Run(StyleGanImageFolder data, bool resume, TextWriter? console = null)
    {
        var o = Options;
        var saved = o with { DataDescription = TrainingProvenance.DescribeData(o.DataDescription, o.Data, data.Count) };
        return TrainingLoop.Run(this, new StyleGan2Data(data, o.Batch), o.Loop(saved, o.Epochs, resume, console));
    }

    public void Dispose()
    {
        _optG.Dispose(); _optD.Dispose();
        G.Dispose(); GEma.Dispose(); D.Dispose();
    }
}
