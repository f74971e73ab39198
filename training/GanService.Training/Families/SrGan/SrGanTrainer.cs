using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Layers;
using GanService.Training.Losses;
using GanService.Training.Training;
using GanService.Training.Tricks;

namespace GanService.Training.Families.SrGan;

/// <summary>
/// SRGAN / ESRGAN training (BasicSR SRModel, then SRGANModel / ESRGANModel) in one run of the one training loop.
/// Phase 1, the first <see cref="SrGanOptions.PretrainSteps"/> steps: PSNR-oriented, L1(G(LR), HR) only at
/// <see cref="SrGanOptions.LrPretrain"/>, no D (ESRGAN §3.4: the adversarial phase starts from a PSNR-oriented model).
/// Phase 2: G minimises w_pix·L1 + w_percep·L1(F(G(LR)), F(HR)) + w_gan·L_G with D frozen, then D takes a step on
/// G(LR).detach() — BasicSR's order (G before D in each iteration), which this family keeps rather than the
/// D-then-G order of the junyanz families. L_G / L_D: relativistic average (ESRGAN) or standard BCE (SRGAN).
/// Deviations, each for the CPU budget of this project: one run switches phases by step count (BasicSR runs two
/// experiments, the second loading the first's weights, with fresh optimisers; here G's Adam keeps its moments and
/// takes the new learning rate), constant learning rates (BasicSR decays them over 10⁵–10⁶ iterations), and the EMA's β
/// ramps up as min(β, (1 + t) / (10 + t)) (BasicSR's EMA starts from a pre-trained G; a short run from scratch would
/// otherwise keep a share of the random initialisation). F is a feature network trained here, not VGG19
/// (<see cref="PerceptualFeatures"/>). Logged every step, unweighted: phase (1 or 2), l1, percep, g_gan, d_real, d_fake,
/// out_d_real, out_d_fake (NaN for what the phase did not compute).
/// </summary>
public sealed class SrGanTrainer : GanTrainer<SrBatch, SrGanOptions>
{
    public const string Family = "srgan";
    private readonly optim.Optimizer _optG, _optD;
    private readonly GanLoss _standard = new(AdversarialLossKind.NonSaturating);
    private long _step;
    private Tensor? _lr, _hr;

    public Layer G { get; }
    public Layer? GEma { get; }
    public VggStyleDiscriminator D { get; }
    public PerceptualFeatures? F { get; }

    public SrGanTrainer(SrGanOptions o) : base(o, Family)
    {
        torch.manual_seed(o.Seed);
        G = Network("G", Build(o));
        if (o.UsesEma) GEma = Network("G_ema", WeightAverage.Shadow(G, Build(o)));
        D = Network("D", new VggStyleDiscriminator(3, o.HrSize, o.Ndf));
        // F is read from its file at every start, resumes included, and not saved with the checkpoint (it is never
        // trained): so a run may turn the perceptual loss on when it resumes into the adversarial phase.
        if (o.PerceptualWeight > 0 && !string.IsNullOrEmpty(o.FeatureNet)) F = Owned(PerceptualFeatures.Load(o.FeatureNet, 3, o.FeatureWidth));
        foreach (var m in Networks.Values) m.to(Device);
        F?.to(Device);
        _optG = Optimizer("G", new ScalarSafeAdam(G.parameters(), o.LrPretrain, o.Beta1, o.Beta2));
        _optD = Optimizer("D", new ScalarSafeAdam(D.parameters(), o.Lr, o.Beta1, o.Beta2));
    }

    /// <summary>Problems with the options found before any data is read (null = none).</summary>
    public static string? Check(SrGanOptions o)
    {
        if (o.Arch is not ("rrdb" or "srresnet")) return $"arch '{o.Arch}' must be rrdb or srresnet";
        if (o.Arch == "rrdb" && o.Scale is not (1 or 2 or 4)) return $"scale {o.Scale}: rrdb upsamples ×4, or ×2 / ×1 after folding pixels (1, 2 or 4)";
        if (o.Arch == "srresnet" && o.Scale is not (2 or 3 or 4)) return $"scale {o.Scale}: srresnet upsamples ×2, ×3 or ×4";
        if (o.HrSize % o.Scale != 0 || o.HrSize / o.Scale % SizeMultiple(o) != 0) return $"hrSize {o.HrSize} must be a multiple of the scale {o.Scale} (and its LR crop of the size multiple {SizeMultiple(o)})";
        try { VggStyleDiscriminator.Stages(o.HrSize); } catch (ArgumentException e) { return e.Message; }
        if (!o.Relativistic && !o.Loss.Equals("standard", StringComparison.OrdinalIgnoreCase)) return $"loss '{o.Loss}' must be relativistic (ESRGAN) or standard (SRGAN)";
        // A run that ends within the PSNR-oriented phase computes no perceptual loss, so it needs no feature network.
        bool psnrOnly = o.MaxSteps > 0 && o.MaxSteps <= o.PretrainSteps;
        if (o.PerceptualWeight > 0 && string.IsNullOrEmpty(o.FeatureNet) && !psnrOnly)
            return "the adversarial phase's perceptual loss needs --feature-net FILE (a feature network from `gan train-perceptual`); " +
                "or --set perceptualWeight=0, or --max-steps within --pretrain-steps";
        if (o.EmaBeta is < 0 or >= 1) return $"emaBeta {o.EmaBeta} must be in [0, 1)";
        return null;
    }

    /// <summary>The generator the options describe, initialised as BasicSR initialises it (export loads weights over it).</summary>
    public static Layer Build(SrGanOptions o)
    {
        if (o.Arch == "srresnet")
        {
            var s = new SrResNet(3, o.Scale, o.Nf, o.Nb);
            s.InitializeAsBasicSr();
            return s;
        }
        var r = new RrdbNet(3, 3, o.Scale, o.Nf, o.Nb, o.Gc);
        r.InitializeAsBasicSr();
        return r;
    }

    /// <summary>Input heights and widths must be multiples of this (RRDBNet ×2 / ×1 fold 2×2 / 4×4 blocks first).</summary>
    public static int SizeMultiple(SrGanOptions o) => o.Arch == "rrdb" ? 4 / o.Scale : 1;

    /// <summary>How far (in input pixels) an output pixel's value reaches: every 3×3 conv adds one pixel at its own
    /// resolution, the upsampling stages less than one input pixel each. A tile margin this wide makes tiled serving
    /// exact (<c>NativeSize</c>). RRDBNet: conv_first, 15 convs per RRDB, conv_body, then the ×4 head (≤ 2 trunk pixels with
    /// the nearest upsamplings), times the fold; SRResNet: conv_first, 2 per block, upconv1, the rest of the head and the
    /// bilinear base (≤ 2 pixels).</summary>
    public static int ReceptiveRadius(SrGanOptions o) => o.Arch == "rrdb" ? (15 * o.Nb + 4) * (4 / o.Scale) : 2 * o.Nb + 4;

    public override IReadOnlyList<EmaPair> Ema => GEma is null ? [] : [new EmaPair("G_ema", "G")];
    public override double EmaBeta => Math.Min(Options.EmaBeta, (1.0 + _step) / (10.0 + _step));
    protected override int Epochs => Options.Epochs;
    /// <summary>True while the run is in its PSNR-oriented phase (before the step about to be taken).</summary>
    public bool Pretraining => _step < Options.PretrainSteps;

    public override void SetInput(SrBatch batch)
    {
        ReleaseInput();
        (_lr, _hr) = batch.Load(Device);
    }

    protected override void ReleaseInput()
    {
        _lr?.Dispose(); _hr?.Dispose();
        _lr = _hr = null;
    }

    public override void Restore(TrainingState state) => _step = state.Step;

    public override IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var (lr, hr) = (_lr ?? throw new InvalidOperationException("SetInput first"), _hr!);
        using var scope = torch.NewDisposeScope();
        bool pretrain = Pretraining;
        foreach (var group in _optG.ParamGroups) group.LearningRate = pretrain ? Options.LrPretrain : Options.Lr;
        G.train(); D.train();
        var sr = G.forward(lr); // (B, 3, H, W) in [0, 1] by training, not clamped
        var losses = new Dictionary<string, double>
        {
            ["phase"] = pretrain ? 1 : 2, ["l1"] = double.NaN, ["percep"] = double.NaN, ["g_gan"] = double.NaN,
            ["d_real"] = double.NaN, ["d_fake"] = double.NaN, ["out_d_real"] = double.NaN, ["out_d_fake"] = double.NaN,
        };
        _step++;
        var l1 = nn.functional.l1_loss(sr, hr);
        if (pretrain)
        {
            _optG.zero_grad();
            l1.backward();
            _optG.step();
            losses["l1"] = l1.item<float>();
            return losses;
        }

        // G with D frozen: pixel + perceptual + adversarial.
        NetworkParameters.SetRequiresGrad(false, D);
        _optG.zero_grad();
        var total = l1 * Options.PixelWeight;
        if (Options.PerceptualWeight > 0)
        {
            if (F is null) throw new InvalidOperationException("the adversarial phase's perceptual loss needs a feature network (featureNet)");
            var percep = nn.functional.l1_loss(F.forward(sr), F.forward(hr)); // F(hr) has no graph: HR and F's weights need no gradient
            total = total + percep * Options.PerceptualWeight;
            losses["percep"] = percep.item<float>();
        }
        var fakeForG = D.forward(sr);
        var gGan = Options.Relativistic ? RelativisticLoss.Generator(D.forward(hr), fakeForG) : _standard.Generator(fakeForG);
        total = total + gGan * Options.GanWeight;
        total.backward();
        _optG.step();
        NetworkParameters.SetRequiresGrad(true, D);

        // D on the detached output.
        _optD.zero_grad();
        var real = D.forward(hr);
        var fake = D.forward(sr.detach());
        Tensor lossD, dReal, dFake;
        if (Options.Relativistic) (lossD, dReal, dFake) = RelativisticLoss.Discriminator(real, fake);
        else
        {
            (dReal, dFake) = (_standard.Loss(real, true), _standard.Loss(fake, false));
            lossD = dReal + dFake; // BasicSR SRGANModel: the two terms' gradients summed
        }
        lossD.backward();
        _optD.step();
        losses["l1"] = l1.item<float>();
        losses["g_gan"] = gGan.item<float>();
        losses["d_real"] = dReal.item<float>();
        losses["d_fake"] = dFake.item<float>();
        losses["out_d_real"] = real.mean().item<float>();
        losses["out_d_fake"] = fake.mean().item<float>();
        return losses;
    }

    /// <summary>Per row: LR (nearest) | bicubic | G_ema's output (G's without EMA) | HR, on the sample crops.</summary>
    protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(SrBatch sample)
    {
        var (lr, hr) = sample.Load(Device);
        var g = GEma ?? G;
        double s = Options.Scale;
        var sr = g.forward(lr).clamp(0, 1);
        var nearest = nn.functional.interpolate(lr, scale_factor: [s, s], mode: InterpolationMode.Nearest);
        var bicubic = nn.functional.interpolate(lr, scale_factor: [s, s], mode: InterpolationMode.Bicubic, align_corners: false).clamp(0, 1);
        var tiles = new List<Tensor>();
        for (int i = 0; i < sample.Count; i++)
            foreach (var t in new[] { nearest, bicubic, sr, hr }) tiles.Add(t[i] * 2 - 1);
        return (tiles, 4);
    }
}
