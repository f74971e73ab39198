using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Families.ProGan;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Losses;
using GanService.Training.Training;
using GanService.Training.Tricks;

namespace GanService.Training.Families.StyleGan;

/// <summary>
/// StyleGAN's (2018) step for the <see cref="TrainingLoop"/>, after NVlabs/stylegan's training_loop with the FFHQ
/// config: progressive growing exactly as ProGAN (the level and α come from <see cref="ProGanSchedule"/> at step ×
/// batch, reals are pooled and faded by <see cref="ProGanTrainer.ProcessReals"/>, D is <see cref="ProGanDiscriminator"/>
/// with minibatch stddev); per step one D update — non-saturating logistic loss plus R1 (γ/2)·E‖∇D(x)‖² on reals every
/// step (not lazy: that is StyleGAN2), or WGAN-GP + drift with <c>--set loss=wgan-gp</c> — then one G update; every
/// generator pass mixes styles (p 0.9) among the layers in use and draws random noise; w_avg follows the D phase's
/// batches (β 0.995). G_ema is averaged by the loop. The input is the image folder (each step draws its batch).
/// </summary>
public sealed class StyleGanTrainer : GanTrainer<StyleGanImageFolder, StyleGanOptions>
{
    public const string Family = "stylegan";

    private readonly ScalarSafeAdam _optG, _optD;
    private readonly AdversarialLossKind _loss;
    private StyleGanImageFolder? _data;
    private torch.Generator _rng;
    private Random _mix;

    public StyleGanGenerator G { get; }
    public StyleGanGenerator GEma { get; }
    public ProGanDiscriminator D { get; }
    public long Step { get; private set; }
    /// <summary>Where the step about to run is in the growing schedule.</summary>
    public ProGanSchedule Schedule => ProGanSchedule.At(Step * Options.Batch, Options.PhaseImages, Options.MaxLevel);
    public override IReadOnlyList<EmaPair> Ema => [new EmaPair("G_ema", "G")];
    public override double EmaBeta => Options.EmaBeta;
    protected override int Epochs => Options.Epochs;

    /// <summary>StyleGAN's layers are equalized throughout, so a widened transfer rescales what it copies.</summary>
    public override bool EqualizedLearningRate => true;

    public StyleGanTrainer(StyleGanOptions o) : base(o, Family)
    {
        if (Check(o) is { } problem) throw new ArgumentException(problem);
        _loss = ParseLoss(o.Loss);
        (G, D, GEma) = Build(o);
        Network("G", G); Network("G_ema", GEma); Network("D", D);
        G.to(Device); GEma.to(Device); D.to(Device);
        _optG = Optimizer("G", new ScalarSafeAdam(G.parameters(), o.LrG, o.Beta1, o.Beta2, o.AdamEps));
        _optD = Optimizer("D", new ScalarSafeAdam(D.parameters(), o.LrD, o.Beta1, o.Beta2, o.AdamEps));
        (_rng, _mix) = Streams(o.Seed, 0);
    }

    /// <summary>G, D and the G_ema shadow, initialised from the run's seed.</summary>
    public static (StyleGanGenerator G, ProGanDiscriminator D, StyleGanGenerator GEma) Build(StyleGanOptions o)
    {
        torch.manual_seed(o.Seed);
        var g = new StyleGanGenerator(o);
        var d = new ProGanDiscriminator(o.Growth);
        return (g, d, WeightAverage.Shadow(g, new StyleGanGenerator(o)));
    }

    /// <summary>The random streams a run continues with after <paramref name="step"/> steps (they are not checkpointed).</summary>
    private static (torch.Generator, Random) Streams(int seed, long step) =>
        (new torch.Generator((ulong)(seed + 29 + step)), new Random(unchecked(seed * 31 + (int)step)));

    private static AdversarialLossKind ParseLoss(string name) => AdversarialLosses.Parse(name) switch
    {
        AdversarialLossKind.NonSaturating => AdversarialLossKind.NonSaturating,
        AdversarialLossKind.WganGp => AdversarialLossKind.WganGp,
        _ => throw new ArgumentException($"stylegan trains with loss ns (logistic + R1) or wgan-gp (+ drift), got '{name}'"),
    };

    /// <summary>A problem with the options that would only show once training starts, or null.</summary>
    public static string? Check(StyleGanOptions o)
    {
        if (MinibatchStddev.BatchProblem(o.Batch, o.MbstdGroup) is { } batch) return batch;
        if (o.StyleMixingProb is < 0 or > 1) return $"styleMixingProb must be in [0, 1], got {o.StyleMixingProb}";
        _ = o.MaxLevel; // throws for a size that is not a power of two ≥ 8
        ParseLoss(o.Loss);
        return null;
    }

    public override void SetInput(StyleGanImageFolder data) => _data = data;

    /// <summary>Generator output for a batch of fresh latents at schedule point <paramref name="s"/>, styles mixed.</summary>
    private Tensor Fake(ProGanSchedule s, bool updateWAvg)
    {
        var o = Options;
        var z = torch.randn([o.Batch, o.ZDim], generator: _rng).to(Device);
        var ws = G.MixedWs(z, 2 * (s.Level + 1), o.StyleMixingProb, _mix, _rng, updateWAvg);
        return G.synthesis.Forward(ws, s.Level, s.Alpha, NoiseMode.Random, generator: _rng);
    }

    public override IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var o = Options;
        var data = _data ?? throw new InvalidOperationException("SetInput first");
        var s = Schedule;
        var losses = new Dictionary<string, double>();
        Tensor Critic(Tensor x) => D.Forward(x, s.Level, s.Alpha);
        G.train(); D.train();
        using (var scope = torch.NewDisposeScope())
        {
            var real = ProGanTrainer.ProcessReals(data.Batch(o.Batch, o.Mirror, _rng).to(Device), s, o.MaxLevel);
            Tensor fake;
            using (torch.no_grad()) fake = Fake(s, updateWAvg: true);
            var realScores = Critic(real);
            var fakeScores = Critic(fake);
            var lossD = AdversarialLosses.Discriminator(_loss, realScores, fakeScores);
            Tensor total;
            if (_loss == AdversarialLossKind.WganGp)
            {
                var gp = Penalties.GradientPenalty(Critic, real, fake, o.GpLambda, generator: _rng);
                var drift = realScores.square().mean() * o.DriftEpsilon;
                total = lossD + gp + drift;
                losses["gp"] = gp.item<float>();
                losses["drift"] = drift.item<float>();
            }
            else
            {
                var r1 = Penalties.R1(Critic, real, o.R1Gamma);
                total = lossD + r1;
                losses["r1"] = r1.item<float>();
            }
            _optD.zero_grad();
            total.backward();
            _optD.step();
            losses["loss_d"] = lossD.item<float>();
            losses["d_real"] = realScores.mean().item<float>();
            losses["d_fake"] = fakeScores.mean().item<float>();
        }
        using (var scope = torch.NewDisposeScope())
        {
            NetworkParameters.SetRequiresGrad(false, D);
            try
            {
                var lossG = AdversarialLosses.Generator(_loss, Critic(Fake(s, updateWAvg: false)));
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

    /// <summary>Step counter (so the schedule) and the random streams a resumed run continues with.</summary>
    public override void Restore(TrainingState state)
    {
        Step = state.Step;
        (_rng, _mix) = Streams(Options.Seed, Step);
    }

    /// <summary>Images for seeds (SeedLatent; ψ 1, const noise) at a schedule point, nearest-upsampled to the final size.</summary>
    public static List<Tensor> Sample(StyleGanGenerator g, IReadOnlyList<uint> seeds, ProGanSchedule s) =>
        ProGanTrainer.Sample(g, g.Options.ZDim, g.Options.Size, seeds, s, z => g.synthesis.Forward(g.mapping.MapWs(z), s.Level, s.Alpha));

    protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(StyleGanImageFolder sample)
    {
        var seeds = Enumerable.Range(0, Options.SampleCount).Select(i => (uint)i).ToArray();
        return (Sample(GEma, seeds, Schedule), (int)Math.Ceiling(Math.Sqrt(Options.SampleCount)));
    }

    /// <summary>The run over <paramref name="data"/> into <see cref="RunOptions.Out"/> (each step draws its batch).</summary>
    public TrainingState Train(StyleGanImageFolder data, bool resume, TextWriter? console = null) =>
        Train(data.Steps(Options.Batch), data.Count, resume, console);
}
