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
public sealed class ProGanTrainer : GanTrainer<StyleGanImageFolder, ProGanOptions>
{
    public const string Family = "progan";

    private readonly ScalarSafeAdam _optG, _optD;
    private StyleGanImageFolder? _data;
    private torch.Generator _rng;

    public ProGanGenerator G { get; }
    public ProGanGenerator GEma { get; }
    public ProGanDiscriminator D { get; }
    public long Step { get; private set; }
    /// <summary>Where the step about to run is in the growing schedule.</summary>
    public ProGanSchedule Schedule => ProGanSchedule.At(Step * Options.Batch, Options.PhaseImages, Options.MaxLevel);
    public override IReadOnlyList<EmaPair> Ema => [new EmaPair("G_ema", "G")];
    public override double EmaBeta => Options.EmaBeta;
    protected override int Epochs => Options.Epochs;

    /// <summary>ProGAN's layers are equalized throughout (<see cref="EqualizedConv2d"/>), so a widened
    /// transfer rescales what it copies; the generator's PixelNorm averages over channels, so there a widened network
    /// starts near the narrower one's function, not at it.</summary>
    public override bool EqualizedLearningRate => true;

    public ProGanTrainer(ProGanOptions o) : base(o, Family)
    {
        if (MinibatchStddev.BatchProblem(o.Batch, o.MbstdGroup) is { } problem) throw new ArgumentException(problem);
        (G, D, GEma) = Build(o);
        Network("G", G); Network("G_ema", GEma); Network("D", D);
        G.to(Device); GEma.to(Device); D.to(Device);
        _optG = Optimizer("G", new ScalarSafeAdam(G.parameters(), o.LrG, o.Beta1, o.Beta2, o.AdamEps));
        _optD = Optimizer("D", new ScalarSafeAdam(D.parameters(), o.LrD, o.Beta1, o.Beta2, o.AdamEps));
        _rng = new torch.Generator((ulong)o.Seed + 17);
    }

    public static (ProGanGenerator G, ProGanDiscriminator D, ProGanGenerator GEma) Build(ProGanOptions o)
    {
        torch.manual_seed(o.Seed);
        var g = new ProGanGenerator(o);
        var d = new ProGanDiscriminator(o);
        return (g, d, WeightAverage.Shadow(g, new ProGanGenerator(o)));
    }

    public override void SetInput(StyleGanImageFolder data) => _data = data;

    /// <summary>Full-size reals (B, C, S, S) → the schedule's resolution, faded like the generator's output.</summary>
    public static Tensor ProcessReals(Tensor real, ProGanSchedule s, int maxLevel)
    {
        int factor = 1 << (maxLevel - s.Level);
        var x = factor > 1 ? nn.functional.avg_pool2d(real, factor) : real;
        if (s.Level == 0 || s.Alpha >= 1) return x;
        var low = nn.functional.interpolate(nn.functional.avg_pool2d(x, 2), scale_factor: [2, 2], mode: InterpolationMode.Nearest);
        return low + (x - low) * s.Alpha;
    }

    public override IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var o = Options;
        var data = _data ?? throw new InvalidOperationException("SetInput first");
        var s = Schedule;
        var losses = new Dictionary<string, double>();
        G.train(); D.train();
        using (var scope = torch.NewDisposeScope())
        {
            var real = ProcessReals(data.Batch(o.Batch, o.Mirror, _rng).to(Device), s, o.MaxLevel);
            Tensor fake;
            using (torch.no_grad()) fake = G.Forward(torch.randn([o.Batch, o.ZDim], generator: _rng).to(Device), s.Level, s.Alpha);
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
                var fake = G.Forward(torch.randn([o.Batch, o.ZDim], generator: _rng).to(Device), s.Level, s.Alpha);
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
    public override void Restore(TrainingState state)
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
        using var scope = EvalScope.Of(g);
        var device = g.parameters().First().device;
        var z = torch.tensor(SeedLatent.Batch(seeds, zDim), [seeds.Count, zDim], device: device);
        var img = generate(z);
        int factor = size / s.Resolution;
        if (factor > 1) img = nn.functional.interpolate(img, scale_factor: [factor, factor], mode: InterpolationMode.Nearest);
        img = img.clamp(-1, 1).cpu();
        return Enumerable.Range(0, seeds.Count).Select(i => img[i]).ToList();
    }

    protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(StyleGanImageFolder sample)
    {
        var seeds = Enumerable.Range(0, Options.SampleCount).Select(i => (uint)i).ToArray();
        return (Sample(GEma, seeds, Schedule), (int)Math.Ceiling(Math.Sqrt(Options.SampleCount)));
    }

    /// <summary>The run over <paramref name="data"/> into <see cref="RunOptions.Out"/> (each step draws its batch).</summary>
    public TrainingState Train(StyleGanImageFolder data, bool resume, TextWriter? console = null) =>
        Train(data.Steps(Options.Batch), data.Count, resume, console);
}
