using GanService.Training.Losses;
using GanService.Training.Training;
using GanService.Training.Tricks;

namespace GanService.Training.Families.Gan;

/// <summary>
/// One training iteration of a generation GAN, whatever the data (images or 2-D points): n_critic discriminator
/// steps on <c>fake.detach()</c>, then one generator step. Applies the selected loss and every enabled trick in the
/// order the papers use them: instance noise and PacGAN packing on D's inputs, one-sided smoothing of the real
/// target, gradient penalty / R1 / weight clipping for D, feature matching and historical averaging for the players,
/// then the EMA update of G.
/// </summary>
public sealed class GanStepper : IDisposable
{
    public GenerationOptions Options { get; }
    public LatentGenerator G { get; }
    public Discriminator D { get; }
    public LatentGenerator? GEma { get; }
    public optim.Optimizer OptG { get; }
    public optim.Optimizer OptD { get; }
    public AdversarialLossKind Loss { get; }
    public long Step { get; set; }
    public long TotalSteps { get; set; } = 1;

    private readonly HistoricalAveraging? _haG, _haD;
    private readonly Tensor? _vbnReferenceZ, _vbnReferenceLabels;

    /// <summary>Where G's parameters are (the networks are moved before the stepper is made): noise, labels and the
    /// penalties' tensors go there.</summary>
    public Device Device { get; }

    public GanStepper(GenerationOptions o, LatentGenerator g, Discriminator d, LatentGenerator? gEma = null)
    {
        (Options, G, D, GEma) = (o, g, d, gEma);
        Device = g.parameters().First().device;
        Loss = o.LossKind;
        if (Loss == AdversarialLossKind.Wgan && (o.Lr is null && o.Beta1 is null))
        {
            // Arjovsky et al.: RMSprop, lr 5e-5 (momentum-based optimisers made WGAN unstable).
            OptG = optim.RMSProp(g.parameters(), o.ResolvedLr);
            OptD = optim.RMSProp(d.parameters(), o.ResolvedLr);
        }
        else
        {
            OptG = new ScalarSafeAdam(g.parameters(), o.ResolvedLr, o.ResolvedBeta1, o.ResolvedBeta2);
            OptD = new ScalarSafeAdam(d.parameters(), o.ResolvedLr, o.ResolvedBeta1, o.ResolvedBeta2);
        }
        if (o.HistoricalAveraging > 0)
        {
            _haG = new HistoricalAveraging(g.parameters());
            _haD = new HistoricalAveraging(d.parameters());
        }
        if (o.VirtualBatchNorm)
        {
            // A fixed reference batch (Salimans et al. §3.4), captured through G before each G forward.
            var gen = new torch.Generator((ulong)(o.Seed + 7919));
            _vbnReferenceZ = torch.randn([Math.Max(o.Batch, 16), o.ZDim], generator: gen).to(Device);
            if (o.Conditional) _vbnReferenceLabels = torch.randint(0, o.NumClasses, [_vbnReferenceZ.shape[0]], generator: gen, dtype: ScalarType.Int64).to(Device);
        }
    }

    /// <summary>The generator for z, labels and the WGAN-GP interpolation weights; null = torch's global one. A private
    /// generator makes a run reproducible while other runs draw from the global one on other threads.</summary>
    public torch.Generator? Rng { get; init; }

    // Drawn where the generator is (a torch.Generator(seed) is a CPU one), then moved: the same draws on every device.
    public Tensor SampleZ(long n) => torch.randn([n, Options.ZDim], generator: Rng).to(Device);
    public Tensor? SampleLabels(long n) => Options.Conditional ? torch.randint(0, Options.NumClasses, [n], generator: Rng, dtype: ScalarType.Int64).to(Device) : null;

    /// <summary>Captures the VBN reference statistics (no-op without VBN).</summary>
    public void CaptureReference(LatentGenerator g)
    {
        if (_vbnReferenceZ is null) return;
        var vbns = g.modules().OfType<VirtualBatchNorm>().ToList();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        foreach (var v in vbns) v.Capturing = true;
        try { g.Generate(_vbnReferenceZ, _vbnReferenceLabels); }
        finally { foreach (var v in vbns) v.Capturing = false; }
    }

    private Tensor DInput(Tensor x, double sigma) => PacGan.Pack(InstanceNoise.Apply(x, sigma), Options.Pack);

    /// <summary>One iteration: a D step per real batch given (n_critic of them), then a G step. Returns scalar losses.</summary>
    public Dictionary<string, double> Iterate(IReadOnlyList<(Tensor X, Tensor? Y)> realBatches)
    {
        var o = Options;
        double sigma = InstanceNoise.Sigma(o.InstanceNoise, Step, TotalSteps);
        var stats = new Dictionary<string, double>();
        G.train(); D.train();
        Tensor? lastReal = null; Tensor? lastRealLabels = null;
        double dSum = 0, penaltySum = 0, realScore = 0, fakeScore = 0;
        foreach (var (xReal, yReal) in realBatches)
        {
            using var scope = torch.NewDisposeScope();
            long b = xReal.shape[0];
            var yFake = SampleLabels(b);
            Tensor fake;
            using (torch.no_grad())
            {
                CaptureReference(G);
                fake = G.Generate(SampleZ(b), yFake);
            }
            var realIn = DInput(xReal, sigma);
            var fakeIn = DInput(fake.detach(), sigma);
            var realLogits = D.Forward(realIn, yReal);
            var fakeLogits = D.Forward(fakeIn, yFake);
            var lossD = AdversarialLosses.Discriminator(Loss, realLogits, fakeLogits, o.RealLabel);
            Tensor penalty = torch.zeros(1, device: Device);
            if (Loss == AdversarialLossKind.WganGp)
                penalty = Penalties.GradientPenalty(x => D.Forward(x, yReal), realIn, fakeIn, o.GpLambda, generator: Rng);
            // Lazy R1 (Karras et al. 2020): every R1Every-th D step, with γ scaled by the interval.
            if (o.R1Gamma > 0 && (o.R1Every <= 1 || Step % o.R1Every == 0))
                penalty = penalty + Penalties.R1(x => D.Forward(x, yReal), realIn, o.R1Gamma * Math.Max(1, o.R1Every));
            if (_haD is not null) penalty = penalty + o.HistoricalAveraging * _haD.Penalty();
            var total = lossD + penalty.sum();
            OptD.zero_grad();
            total.backward();
            OptD.step();
            if (Loss == AdversarialLossKind.Wgan) WeightClipping.Clip(D.parameters(), o.ClipValue);
            _haD?.Update();
            dSum += lossD.item<float>();
            penaltySum += penalty.sum().item<float>();
            realScore += realLogits.mean().item<float>();
            fakeScore += fakeLogits.mean().item<float>();
            lastReal = xReal; lastRealLabels = yReal;
        }
        int n = realBatches.Count;
        stats["loss_d"] = dSum / n;
        stats["penalty_d"] = penaltySum / n;
        stats["d_real"] = realScore / n;
        stats["d_fake"] = fakeScore / n;

        using (var scope = torch.NewDisposeScope())
        {
            long b = lastReal!.shape[0];
            CaptureReference(G);
            var y = SampleLabels(b);
            var fake = G.Generate(SampleZ(b), y);
            // G's step needs gradients through D's activations only: D's weight gradients would be discarded (D's next
            // step zeroes them), so they are not computed.
            NetworkParameters.SetRequiresGrad(false, D);
            Tensor lossG;
            try
            {
                var (logits, features) = D.Run(DInput(fake, sigma), y);
                // Top-k (Sinha et al. 2020): k shrinks from B to ν·B over the first half of the run.
                lossG = AdversarialLosses.Generator(Loss, o.TopK > 0 ? TopK.Select(logits, TopK.Fraction(o.TopK, Step, TotalSteps / 2)) : logits);
                var total = lossG;
                if (o.FeatureMatching > 0)
                {
                    Tensor realFeatures;
                    using (torch.no_grad()) realFeatures = D.Run(DInput(lastReal, sigma), lastRealLabels).Features;
                    var fm = FeatureMatching.Loss(realFeatures, features);
                    stats["feature_matching"] = fm.item<float>();
                    total = total + o.FeatureMatching * fm;
                }
                if (_haG is not null) total = total + o.HistoricalAveraging * _haG.Penalty();
                OptG.zero_grad();
                total.backward();
            }
            finally
            {
                NetworkParameters.SetRequiresGrad(true, D);
            }
            OptG.step();
            _haG?.Update();
            stats["loss_g"] = lossG.item<float>();
        }
        if (GEma is not null) WeightAverage.Update(GEma, G, o.EmaBeta);
        Step++;
        return stats;
    }

    public void Dispose()
    {
        _haG?.Dispose();
        _haD?.Dispose();
        _vbnReferenceZ?.Dispose();
        _vbnReferenceLabels?.Dispose();
    }
}
