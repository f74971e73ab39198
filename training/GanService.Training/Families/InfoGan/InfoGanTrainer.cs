using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Families.Gan;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Training.Families.InfoGan;

/// <summary>
/// InfoGAN's step (Chen et al. 2016) for the <see cref="TrainingLoop"/>. Codes: c ~ Cat(1/K), c₁…cₙ ~ U(−1, 1). The
/// MI lower bound L_I = E[log Q(c | G(z, c))] + H(c) is maximised by both G and Q: −L_I is the cross-entropy of Q's
/// categorical logits against c plus, for the continuous codes, the Gaussian negative log-likelihood with σ 1
/// (½(c − μ)², constants dropped). As in the authors' released code, the MI term is added to the discriminator's loss
/// too, so the shared body and the Q head learn from it on D's step (on fake.detach()) and G learns from it on its own
/// step (with D frozen). The adversarial part is any loss of the one vocabulary.
/// </summary>
public sealed class InfoGanTrainer : GanTrainer<IReadOnlyList<Tensor>, InfoGanOptions>
{
    public const string Family = "infogan";
    /// <summary>The sample grid's columns: the first continuous code swept over −2 … 2.</summary>
    public static readonly float[] SweepValues = [-2f, -1.5f, -1f, -0.5f, 0f, 0.5f, 1f, 1.5f, 2f];

    private readonly LabelledImageSet _data;
    private readonly GanLoss _gan;
    private readonly optim.Optimizer _optG, _optD;
    private torch.Generator _rng;
    private IReadOnlyList<Tensor> _indices = [];

    public InfoGanGenerator G { get; }
    public InfoGanDiscriminator D { get; }
    public InfoGanGenerator? GEma { get; }
    public override IReadOnlyList<EmaPair> Ema => GEma is null ? [] : [new EmaPair("G_ema", "G")];
    public override double EmaBeta => Options.EmaBeta;
    protected override int Epochs => Options.Epochs;

    public InfoGanTrainer(InfoGanOptions o, LabelledImageSet data) : base(o, Family)
    {
        o.RequireCpu(Family);
        if (AdversarialLosses.IsWasserstein(o.LossKind))
            throw new ArgumentException($"--loss {o.Loss}: InfoGAN here runs one D step per G step; a Wasserstein critic needs n_critic and a BatchNorm-free D");
        _data = data;
        (G, D, GEma) = Build(o);
        Network("G", G); Network("D", D);
        if (GEma is not null) Network("G_ema", GEma);
        _gan = new GanLoss(o.LossKind);
        _optG = Optimizer("G", new ScalarSafeAdam(G.parameters(), o.LrG, o.Beta1, o.Beta2));
        _optD = Optimizer("D", new ScalarSafeAdam(D.parameters(), o.LrD, o.Beta1, o.Beta2));
        _rng = new torch.Generator((ulong)o.Seed + 3);
    }

    public static (InfoGanGenerator G, InfoGanDiscriminator D, InfoGanGenerator? GEma) Build(InfoGanOptions o)
    {
        torch.manual_seed(o.Seed);
        var g = new InfoGanGenerator(o);
        var d = new InfoGanDiscriminator(o);
        var ema = o.EmaBeta > 0 ? Tricks.WeightAverage.Shadow(g, new InfoGanGenerator(o)) : null;
        return (g, d, ema);
    }

    /// <summary>z ~ N(0, I), c ~ Cat(1/K), c₁…cₙ ~ U(−1, 1) for a batch of <paramref name="b"/>.</summary>
    public (Tensor Z, Tensor Code, Tensor Continuous) SampleCodes(long b) =>
        (torch.randn([b, Options.ZDim], generator: _rng),
         torch.randint(0, Options.Categories, [b], generator: _rng, dtype: ScalarType.Int64),
         torch.rand([b, Options.Continuous], generator: _rng) * 2 - 1);

    /// <summary>−L_I (without the constant H(c)): weighted cross-entropy + Gaussian NLL; also returns both parts.</summary>
    public static (Tensor Loss, Tensor Categorical, Tensor Continuous) InformationLoss(InfoGanOptions o, Tensor codeLogits, Tensor continuousMean, Tensor code, Tensor continuous)
    {
        var ce = nn.functional.cross_entropy(codeLogits, code);
        var nll = (continuousMean - continuous).square().sum(1).mean() * 0.5;
        return (o.Lambda * ce + o.LambdaContinuous * nll, ce, nll);
    }

    public override void SetInput(IReadOnlyList<Tensor> indices) => _indices = indices;

    /// <summary>A resumed run draws codes from a generator seeded by the step it resumes at (not the run's first draws again).</summary>
    public override void Restore(TrainingState state) => _rng = new torch.Generator((ulong)Options.Seed + 3 + (ulong)state.Step);

    public override IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var o = Options;
        var stats = new Dictionary<string, double>();
        G.train(); D.train();
        using var scope = torch.NewDisposeScope();
        var real = _data.Batch(_indices[0]);
        long b = real.shape[0];

        // D (and Q through the shared body) on real vs fake.detach(), plus the MI term on the same fakes.
        var (z, code, cont) = SampleCodes(b);
        Tensor fake;
        using (torch.no_grad()) fake = G.Generate(z, code, cont);
        var realLogits = D.Run(real).Logits;
        var (fakeLogits, fakeCodeLogits, fakeMean) = D.Run(fake.detach());
        var lossD = _gan.Discriminator(realLogits, fakeLogits);
        var (infoD, _, _) = InformationLoss(o, fakeCodeLogits, fakeMean, code, cont);
        _optD.zero_grad();
        (lossD + infoD).backward();
        _optD.step();
        stats["loss_d"] = lossD.item<float>();
        stats["d_real"] = realLogits.mean().item<float>();
        stats["d_fake"] = fakeLogits.mean().item<float>();

        // G on fresh codes with D and Q frozen: adversarial loss + the MI term.
        (z, code, cont) = SampleCodes(b);
        NetworkParameters.SetRequiresGrad(false, D);
        try
        {
            var (logits, codeLogits, mean) = D.Run(G.Generate(z, code, cont));
            var lossG = _gan.Generator(logits);
            var (info, ce, nll) = InformationLoss(o, codeLogits, mean, code, cont);
            _optG.zero_grad();
            (lossG + info).backward();
            _optG.step();
            stats["loss_g"] = lossG.item<float>();
            stats["mi_categorical"] = ce.item<float>();
            stats["mi_continuous"] = nll.item<float>();
            // How often Q names the categorical code of G's own sample: the MI term working reads as this rising to ~1.
            stats["q_accuracy"] = codeLogits.argmax(1).eq(code).to_type(ScalarType.Float32).mean().item<float>();
        }
        finally { NetworkParameters.SetRequiresGrad(true, D); }
        return stats;
    }

    protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(IReadOnlyList<Tensor> sample) => (CodeSweep(GEma ?? G, Options, 0, 0), SweepValues.Length);

    /// <summary>The InfoGAN figure: row r = categorical code r, column = continuous code <paramref name="sweptCode"/>
    /// at <see cref="SweepValues"/> (the others 0), one fixed z (SeedLatent seed <paramref name="seed"/>) for the whole grid.</summary>
    public static List<Tensor> CodeSweep(InfoGanGenerator g, InfoGanOptions o, int sweptCode, uint seed)
    {
        using var scope = EvalScope.Of(g);
        var (z, code, cont) = SweepInputs(o, sweptCode, seed);
        var images = g.Generate(z, code, cont);
        return Enumerable.Range(0, (int)images.shape[0]).Select(i => images[i]).ToList();
    }

    /// <summary>The inputs of <see cref="CodeSweep"/>: (K·|sweep|, nz), (K·|sweep|,), (K·|sweep|, n), row-major.</summary>
    public static (Tensor Z, Tensor Code, Tensor Continuous) SweepInputs(InfoGanOptions o, int sweptCode, uint seed)
    {
        int cols = SweepValues.Length, n = o.Categories * cols;
        var z = torch.tensor(SeedLatent.Normal(seed, o.ZDim), [1, o.ZDim]).expand(n, -1).contiguous();
        var code = torch.tensor(Enumerable.Range(0, n).Select(i => (long)(i / cols)).ToArray(), ScalarType.Int64);
        var cont = new float[n * o.Continuous];
        for (int i = 0; i < n; i++) cont[i * o.Continuous + sweptCode] = SweepValues[i % cols];
        return (z, code, torch.tensor(cont, [n, o.Continuous]));
    }

    /// <summary>The run over the trainer's own images into <see cref="RunOptions.Out"/>, one image batch per step.</summary>
    public TrainingState Train(bool resume, TextWriter? console = null) =>
        Train(new IndexBatches(_data.Count, Options.Batch, 1, Options.Seed), _data.Count, resume, console);
}
