using System.Text.Json.Serialization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Losses;
using GanService.Training.Training;
using GanService.Training.Tricks;

namespace GanService.Training.Families.StyleGan2;

/// <summary>Training options (NVlabs StyleGAN2-ADA defaults unless a comment says why not). A run stops after 60 minutes
/// unless --max-minutes says otherwise, and writes to runs/stylegan2 unless --out does.</summary>
public sealed record StyleGan2TrainOptions : RunOptions
{
    public StyleGan2TrainOptions()
    {
        MaxMinutes = 60;
        Out = "runs/stylegan2";
    }

    public StyleGan2Architecture Arch { get; init; } = new();
    // Keys batchSize / out as in every family; options files from before read their former names (batch, output).
    [JsonPropertyName("batchSize"), OptionAlias("batch")] public int Batch { get; init; } = 32;
    public double LearningRateG { get; init; } = 0.0025;   // NVlabs small configs (cifar / paper256 use 2.5e-3 / 2e-3)
    public double LearningRateD { get; init; } = 0.0025;
    public double Beta1 { get; init; } = 0;
    public double Beta2 { get; init; } = 0.99;
    public double R1Gamma { get; init; } = 0.01;           // NVlabs cifar config (32²); 10 is for 1024² FFHQ
    public int R1Interval { get; init; } = 16;             // lazy regularisation
    public double StyleMixingProb { get; init; } = 0.9;
    public double PathLengthWeight { get; init; } = 0;     // optional (NVlabs 2; its cifar config turns it off too)
    public int PathLengthInterval { get; init; } = 4;
    public double PathLengthDecay { get; init; } = 0.01;
    public double EmaKimg { get; init; } = -1;             // −1: NVlabs auto, batch·10/32
    public double EmaRampup { get; init; } = 0.05;
    public string Augment { get; init; } = "color,translation,cutout"; // DiffAugment policy, "" = off
    // StyleGAN2-ADA (keys ada, adaTarget, adaInterval, adaKimg, augmentPipe, augmentP); off by default. It replaces
    // DiffAugment: a run that turns it on sets augment to "".
    public AdaOptions Augmentation { get; init; } = new();
    public bool Mirror { get; init; } = true;
    public int Epochs { get; init; } = 1000;
    public int SampleCount { get; init; } = 32;            // fixed seeds 0 … n−1 in every sample grid
    public int? ImageLimit { get; init; }
}

/// <summary>
/// StyleGAN2's step (NVlabs training_loop + StyleGAN2Loss) for the <see cref="TrainingLoop"/>: per minibatch the phases
/// Gmain, Greg (path length, every 4, optional), Dmain and Dreg (R1, every 16), each its own optimiser step;
/// lazy-regularisation corrections of the Adam hyper-parameters (lr·r, β^r with r = I/(I+1)); non-saturating logistic
/// loss. G_ema (half-life ema_kimg, ramped up over the first images) is averaged by the loop. The input is the image
/// folder itself: Dmain draws its real batch where NVlabs does, after the G phases. Every image D sees goes through the
/// DiffAugment policy or, when <see cref="AdaOptions.Enabled"/>, through <see cref="AdaAugment"/> (whose r_t comes from
/// Dmain's real logits, as NVlabs's Loss/signs/real).
/// </summary>
public sealed class StyleGan2Trainer : GanTrainer<StyleGanImageFolder, StyleGan2TrainOptions>
{
    public const string Family = "stylegan2";

    public StyleGan2Generator G { get; }
    public StyleGan2Generator GEma { get; }
    public StyleGan2Discriminator D { get; }
    private readonly TorchSharp.Modules.Adam _optG, _optD;
    private Random _rng;
    private readonly Tensor _plMean;
    private StyleGanImageFolder? _data;
    private readonly AdaAugment? _ada;

    public long Step { get; private set; }
    public override IReadOnlyList<EmaPair> Ema => [new EmaPair("G_ema", "G")];
    protected override int Epochs => Options.Epochs;

    /// <summary>NVlabs: β = 0.5^(batch / ema_nimg), ema_nimg = ema_kimg·1000 ramped up to nimg·rampup; read after a step.</summary>
    public override double EmaBeta
    {
        get
        {
            var o = Options;
            double emaKimg = o.EmaKimg >= 0 ? o.EmaKimg : o.Batch * 10.0 / 32;
            double nimg = Step * (double)o.Batch;
            double emaNimg = o.EmaRampup > 0 ? Math.Min(emaKimg * 1000, nimg * o.EmaRampup) : emaKimg * 1000;
            return Math.Pow(0.5, o.Batch / Math.Max(emaNimg, 1e-8));
        }
    }

    /// <summary>Every layer here is an equalized-learning-rate one (weights stored at unit scale, 1/√fan-in at run
    /// time; the modulated convolutions' demodulation cancels any scale), so a widened transfer rescales what it copies.</summary>
    public override bool EqualizedLearningRate => true;

    public StyleGan2Trainer(StyleGan2TrainOptions options) : base(options, Family)
    {
        if (MinibatchStddev.BatchProblem(options.Batch, options.Arch.MbstdGroup) is { } problem) throw new ArgumentException(problem);
        torch.manual_seed(options.Seed);
        _rng = new Random(options.Seed);
        G = Network("G", new StyleGan2Generator(options.Arch));
        GEma = Network("G_ema", WeightAverage.Shadow(G, new StyleGan2Generator(options.Arch)));
        D = Network("D", new StyleGan2Discriminator(options.Arch));
        // Parameters move before the optimisers capture them; checkpoints load into them on that device.
        G.to(Device); GEma.to(Device); D.to(Device);
        _plMean = Owned(torch.zeros([], device: Device));
        double rG = options.PathLengthWeight > 0 ? options.PathLengthInterval / (options.PathLengthInterval + 1.0) : 1;
        double rD = options.R1Gamma > 0 ? options.R1Interval / (options.R1Interval + 1.0) : 1;
        _optG = Optimizer("G", new ScalarSafeAdam(G.parameters(), options.LearningRateG * rG, Math.Pow(options.Beta1, rG), Math.Pow(options.Beta2, rG), 1e-8));
        _optD = Optimizer("D", new ScalarSafeAdam(D.parameters(), options.LearningRateD * rD, Math.Pow(options.Beta1, rD), Math.Pow(options.Beta2, rD), 1e-8));
        _ada = UseAugmentation(options.Augmentation);
    }

    /// <summary>Step counter, and the seeds a resumed run continues with (the RNG streams are not checkpointed).</summary>
    public override void Restore(TrainingState state)
    {
        Step = state.Step;
        torch.manual_seed(Options.Seed + Step);
        _rng = new Random(Options.Seed + (int)(Step % int.MaxValue));
    }

    private Tensor Aug(Tensor x) => _ada is not null ? Augment(x) : Options.Augment.Length == 0 ? x : DiffAugment.Apply(x, Options.Augment);

    public override void SetInput(StyleGanImageFolder data) => _data = data;

    /// <summary>One minibatch: all phases. Returns the losses for the log.</summary>
    public override IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var o = Options;
        var data = _data ?? throw new InvalidOperationException("SetInput first");
        var losses = new Dictionary<string, double>();
        G.train(); D.train();
        using (var scope = torch.NewDisposeScope())
        {
            // Gmain: softplus(−D(G(z))).
            NetworkParameters.SetRequiresGrad(false, D);
            _optG.zero_grad();
            var z = torch.randn(o.Batch, o.Arch.ZDim, device: Device);
            var fake = G.synthesis.Forward(G.MixedWs(z, o.StyleMixingProb, _rng, updateWAvg: false), NoiseMode.Random);
            var lossG = nn.functional.softplus(-D.forward(Aug(fake))).mean();
            lossG.backward();
            _optG.step();
            losses["G"] = lossG.item<float>();

            // Greg: path length regularisation (lazy).
            if (o.PathLengthWeight > 0 && Step % o.PathLengthInterval == 0)
            {
                _optG.zero_grad();
                int plBatch = Math.Max(1, o.Batch / 2);
                var ws = G.MixedWs(torch.randn(plBatch, o.Arch.ZDim, device: Device), o.StyleMixingProb, _rng, false);
                var img = G.synthesis.Forward(ws, NoiseMode.Random);
                var penalty = Penalties.PathLength(img, ws, _plMean, o.PathLengthDecay);
                var lossPl = (penalty * o.PathLengthWeight).mean() * o.PathLengthInterval;
                lossPl.backward();
                _optG.step();
                losses["PL"] = penalty.mean().item<float>();
            }
            else if (o.PathLengthWeight > 0) losses["PL"] = double.NaN;
            NetworkParameters.SetRequiresGrad(true, D);

            // Dmain: softplus(D(G(z))) + softplus(−D(x)).
            NetworkParameters.SetRequiresGrad(false, G);
            _optD.zero_grad();
            Tensor fakeD;
            using (torch.no_grad())
                fakeD = G.synthesis.Forward(G.MixedWs(torch.randn(o.Batch, o.Arch.ZDim, device: Device), o.StyleMixingProb, _rng, updateWAvg: true), NoiseMode.Random);
            var real = data.Batch(o.Batch, o.Mirror).to(Device);
            var fakeLogits = D.forward(Aug(fakeD));
            var realLogits = D.forward(Aug(real));
            var lossD = nn.functional.softplus(fakeLogits).mean() + nn.functional.softplus(-realLogits).mean();
            lossD.backward();
            _optD.step();
            _ada?.Observe(realLogits);
            losses["D"] = lossD.item<float>();
            losses["D_real"] = realLogits.mean().item<float>();
            losses["D_fake"] = fakeLogits.mean().item<float>();

            // Dreg: R1 = γ/2 · ‖∇ₓ D(x)‖² on reals (lazy, × interval).
            if (o.R1Gamma > 0 && Step % o.R1Interval == 0)
            {
                _optD.zero_grad();
                var (lossR1, penalty) = R1(real);
                lossR1.backward();
                _optD.step();
                losses["R1"] = penalty.mean().item<float>();
            }
            else losses["R1"] = double.NaN;
            NetworkParameters.SetRequiresGrad(true, G);
        }
        Step++;
        return losses;
    }

    /// <summary>The Dreg phase's loss on a real batch: lazy R1 through the augmenting D (the regulariser sees what Dmain
    /// sees), and the per-sample ‖∇ₓ D(x)‖² it penalises.</summary>
    public (Tensor Loss, Tensor SquaredGradientNorm) R1(Tensor real)
    {
        var penalty = Penalties.R1SquaredGradientNorm(x => D.forward(Aug(x)), real);
        return (Penalties.LazyR1(penalty, Options.R1Gamma, Options.R1Interval), penalty);
    }

    /// <summary>G_ema images for seeds (SeedLatent, const noise, ψ) as (C, H, W) tiles.</summary>
    public static List<Tensor> Sample(StyleGan2Generator g, IReadOnlyList<uint> seeds, double psi = 1)
    {
        using var scope = EvalScope.Of(g);
        var device = g.mapping.w_avg.device;
        var z = torch.tensor(SeedLatent.Batch(seeds, g.Arch.ZDim), [seeds.Count, g.Arch.ZDim], device: device);
        var img = g.Generate(z, psi).clamp(-1, 1).cpu();
        return Enumerable.Range(0, seeds.Count).Select(i => img[i]).ToList();
    }

    protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(StyleGanImageFolder sample)
    {
        var seeds = Enumerable.Range(0, Options.SampleCount).Select(i => (uint)i).ToArray();
        return (Sample(GEma, seeds), (int)Math.Ceiling(Math.Sqrt(Options.SampleCount)));
    }

    /// <summary>The run over <paramref name="data"/> into <see cref="RunOptions.Out"/> (each step draws its batch where
    /// NVlabs does).</summary>
    public TrainingState Train(StyleGanImageFolder data, bool resume, TextWriter? console = null) =>
        Train(data.Steps(Options.Batch), data.Count, resume, console);
}
