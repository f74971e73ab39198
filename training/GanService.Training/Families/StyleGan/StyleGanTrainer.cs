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
public sealed class StyleGanTrainer : ITrainer<StyleGanImageFolder>
{
    public const string Family = "stylegan";

    private readonly ScalarSafeAdam _optG, _optD;
    private readonly Device _device;
    private readonly AdversarialLossKind _loss;
    private StyleGanImageFolder? _data;
    private torch.Generator _rng;
    private Random _mix;

    public StyleGanOptions Options { get; }
    public StyleGanGenerator G { get; }
    public StyleGanGenerator GEma { get; }
    public ProGanDiscriminator D { get; }
    public long Step { get; private set; }
    /// <summary>Where the step about to run is in the growing schedule.</summary>
    public ProGanSchedule Schedule => ProGanSchedule.At(Step * Options.Batch, Options.PhaseImages, Options.MaxLevel);

    string ITrainer<StyleGanImageFolder>.Family => Family;
    public IReadOnlyDictionary<string, nn.Module> Networks => new Dictionary<string, nn.Module> { ["G"] = G, ["G_ema"] = GEma, ["D"] = D };
    public IReadOnlyDictionary<string, optim.Optimizer> Optimizers => new Dictionary<string, optim.Optimizer> { ["G"] = _optG, ["D"] = _optD };
    public IReadOnlyList<EmaPair> Ema => [new EmaPair("G_ema", "G")];
    public double EmaBeta => Options.EmaBeta;

    public StyleGanTrainer(StyleGanOptions o)
    {
        if (Check(o) is { } problem) throw new ArgumentException(problem);
        Options = o;
        _loss = ParseLoss(o.Loss);
        (G, D, GEma) = Build(o);
        _device = Translation.Networks.ParseDevice(o.Device);
        G.to(_device); GEma.to(_device); D.to(_device);
        _optG = new ScalarSafeAdam(G.parameters(), o.LrG, o.Beta1, o.Beta2, o.AdamEps);
        _optD = new ScalarSafeAdam(D.parameters(), o.LrD, o.Beta1, o.Beta2, o.AdamEps);
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
    public static string? Check(object options)
    {
        if (options is not StyleGanOptions o) return null;
        if (o.Batch % o.MbstdGroup != 0 && o.Batch > o.MbstdGroup)
            return $"--batch-size must be a multiple of the minibatch-stddev group {o.MbstdGroup}";
        if (o.StyleMixingProb is < 0 or > 1) return $"styleMixingProb must be in [0, 1], got {o.StyleMixingProb}";
        _ = o.MaxLevel; // throws for a size that is not a power of two ≥ 8
        ParseLoss(o.Loss);
        return null;
    }

    public void SetInput(StyleGanImageFolder data) => _data = data;

    /// <summary>Generator output for a batch of fresh latents at schedule point <paramref name="s"/>, styles mixed.</summary>
    private Tensor Fake(ProGanSchedule s, bool updateWAvg)
    {
        var o = Options;
        var z = torch.randn([o.Batch, o.ZDim], generator: _rng).to(_device);
        var ws = G.MixedWs(z, 2 * (s.Level + 1), o.StyleMixingProb, _mix, _rng, updateWAvg);
        return G.synthesis.Forward(ws, s.Level, s.Alpha, NoiseMode.Random, generator: _rng);
    }

    public IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var o = Options;
        var data = _data ?? throw new InvalidOperationException("SetInput first");
        var s = Schedule;
        var losses = new Dictionary<string, double>();
        Tensor Critic(Tensor x) => D.Forward(x, s.Level, s.Alpha);
        G.train(); D.train();
        using (var scope = torch.NewDisposeScope())
        {
            var real = ProGanTrainer.ProcessReals(data.Batch(o.Batch, o.Mirror, _rng).to(_device), s, o.MaxLevel);
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
    public void Restore(TrainingState state)
    {
        Step = state.Step;
        (_rng, _mix) = Streams(Options.Seed, Step);
    }

    /// <summary>Images for seeds (SeedLatent; ψ 1, const noise) at a schedule point, nearest-upsampled to the final size.</summary>
    public static List<Tensor> Sample(StyleGanGenerator g, IReadOnlyList<uint> seeds, ProGanSchedule s) =>
        ProGanTrainer.Sample(g, g.Options.ZDim, g.Options.Size, seeds, s, z => g.synthesis.Forward(g.mapping.MapWs(z), s.Level, s.Alpha));

    public (IReadOnlyList<Tensor> Tiles, int Columns) SampleTiles(StyleGanImageFolder sample)
    {
        var seeds = Enumerable.Range(0, Options.SampleCount).Select(i => (uint)i).ToArray();
        return (Sample(GEma, seeds, Schedule), (int)Math.Ceiling(Math.Sqrt(Options.SampleCount)));
    }

    /// <summary>Trains through the <see cref="TrainingLoop"/> into <see cref="Training.RunOptions.Out"/>.</summary>
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

    // ---- `gan train stylegan`: what the CLI's registry entry is made of (the entry itself lives in the CLI project) ----

    public const string Description = "train a StyleGAN (2018: mapping network, AdaIN styles, per-layer noise, style mixing; " +
        "progressive growing, D and schedule as ProGAN; logistic loss + R1, EMA). --data: a folder of images (any size; centre-cropped and resized)";

    /// <summary>The family's own flags: (flag, option keys, help).</summary>
    public static readonly (string Flag, string[] Keys, string Help)[] Flags =
    [
        ("--epochs", ["epochs"], "epochs over the data"),
        ("--size", ["size"], "final resolution (power of two ≥ 8)"),
        ("--channels", ["channels"], "1 (grey) or 3 (RGB)"),
        ("--z-dim", ["zDim"], "latent size"),
        ("--w-dim", ["wDim"], "intermediate latent (W) size"),
        ("--phase-images", ["phaseImages"], "images per fade-in phase and per stabilisation phase"),
        ("--fmap-max", ["fmapMax"], "most channels at any resolution"),
        ("--loss", ["loss"], "ns (logistic + R1) | wgan-gp (+ drift)"),
        ("--r1-gamma", ["r1Gamma"], "R1 weight γ (loss ns)"),
        ("--mixing", ["styleMixingProb"], "style-mixing probability"),
        ("--lr", ["lrG", "lrD"], "Adam lr for G and D"),
        ("--limit", ["imageLimit"], "use only the first N images"),
    ];

    /// <summary>Loads the folder and trains; the CLI's exit code.</summary>
    public static int RunCommand(object options, bool resume, TextWriter log)
    {
        var o = (StyleGanOptions)options;
        using var dataset = StyleGanImageFolder.Load(o.Data, o.Size, o.Channels, o.ImageLimit);
        using var trainer = new StyleGanTrainer(o);
        log.WriteLine($"{dataset.Count} images; G {NetworkParameters.Count(trainer.G):N0} params, D {NetworkParameters.Count(trainer.D):N0} params; " +
            $"grows 4² → {o.Size}² in phases of {o.PhaseImages} images; loss {o.Loss}");
        trainer.Run(dataset, resume, log);
        return 0;
    }
}
