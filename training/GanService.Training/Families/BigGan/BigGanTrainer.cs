using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Families.Gan;
using GanService.Training.Losses;
using GanService.Training.Training;
using GanService.Training.Tricks;

namespace GanService.Training.Families.BigGan;

/// <summary>
/// BigGAN's step for the <see cref="TrainingLoop"/>: per iteration <see cref="BigGanOptions.DSteps"/> hinge-loss D steps
/// on real (image, label) batches against G(z, y) for random classes, then one G step on −D(G(z, y)) plus the orthogonal
/// regulariser on G's weights (the shared embedding excluded, as BigGAN). G_ema is averaged by the loop and drawn for
/// samples and export. The input is one iteration's index batches (<see cref="IndexBatches"/>).
/// </summary>
public sealed class BigGanTrainer : GanTrainer<IReadOnlyList<Tensor>, BigGanOptions>
{
    public const string Family = "biggan";
    public const int GridColumns = 8;

    private readonly LabelledImageSet _data;
    private readonly ScalarSafeAdam _optG, _optD;
    private IReadOnlyList<Tensor> _indices = [];
    // z and the fake classes come from a private generator: a run is reproducible while other runs draw from the
    // global one on other threads.
    private torch.Generator _rng;

    public BigGanGenerator G { get; }
    public BigGanGenerator GEma { get; }
    public BigGanDiscriminator D { get; }
    public long Step { get; private set; }
    public override IReadOnlyList<EmaPair> Ema => [new EmaPair("G_ema", "G")];
    public override double EmaBeta => Options.EmaBeta;
    protected override int Epochs => Options.Epochs;

    public BigGanTrainer(BigGanOptions o, LabelledImageSet data) : base(o, Family)
    {
        if (data.Labels is null) throw new ArgumentException("BigGAN is class-conditional: the data needs labels (IDX labels file or class sub-folders)");
        if (data.ClassNames.Length != o.NumClasses) throw new ArgumentException($"the options say {o.NumClasses} classes, the data has {data.ClassNames.Length}");
        _data = data;
        (G, D, GEma) = Build(o);
        Network("G", G); Network("G_ema", GEma); Network("D", D);
        G.to(Device); GEma.to(Device); D.to(Device);
        _optG = Optimizer("G", new ScalarSafeAdam(G.parameters(), o.LrG, o.Beta1, o.Beta2, o.AdamEps));
        _optD = Optimizer("D", new ScalarSafeAdam(D.parameters(), o.LrD, o.Beta1, o.Beta2, o.AdamEps));
        _rng = new torch.Generator((ulong)o.Seed + 29);
    }

    private Tensor SampleZ(long n) => torch.randn([n, Options.ZDim], generator: _rng).to(Device);
    private Tensor SampleLabels(long n) => torch.randint(0, Options.NumClasses, [n], generator: _rng, dtype: ScalarType.Int64).to(Device);

    public static (BigGanGenerator G, BigGanDiscriminator D, BigGanGenerator GEma) Build(BigGanOptions o)
    {
        torch.manual_seed(o.Seed);
        var g = new BigGanGenerator(o);
        var d = new BigGanDiscriminator(o);
        return (g, d, WeightAverage.Shadow(g, new BigGanGenerator(o)));
    }

    /// <summary>The weights orthogonal regularisation applies to: every G weight of rank ≥ 2 except the shared embedding
    /// (BigGAN-PyTorch's blacklist); spectrally normalised layers contribute their raw weight.</summary>
    public static IEnumerable<Tensor> OrthogonalWeights(BigGanGenerator g) =>
        g.named_parameters().Where(p => p.parameter.dim() >= 2 && p.name != "shared.weight").Select(p => (Tensor)p.parameter);

    public override void SetInput(IReadOnlyList<Tensor> indices) => _indices = indices;

    public override IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var o = Options;
        G.train(); D.train();
        double dLoss = 0, realScore = 0, fakeScore = 0;
        foreach (var idx in _indices)
        {
            using var scope = torch.NewDisposeScope();
            var real = _data.Batch(idx).to(Device);
            var labels = _data.BatchLabels(idx)!.to(Device);
            long b = real.shape[0];
            var fakeLabels = SampleLabels(b);
            Tensor fake;
            using (torch.no_grad()) fake = G.Generate(SampleZ(b), fakeLabels);
            var realLogits = D.Forward(real, labels);
            var fakeLogits = D.Forward(fake, fakeLabels);
            var lossD = AdversarialLosses.Discriminator(AdversarialLossKind.Hinge, realLogits, fakeLogits);
            _optD.zero_grad();
            lossD.backward();
            _optD.step();
            dLoss += lossD.item<float>();
            realScore += realLogits.mean().item<float>();
            fakeScore += fakeLogits.mean().item<float>();
        }
        int n = Math.Max(1, _indices.Count);
        var losses = new Dictionary<string, double> { ["loss_d"] = dLoss / n, ["d_real"] = realScore / n, ["d_fake"] = fakeScore / n };

        using (var scope = torch.NewDisposeScope())
        {
            long b = _indices.Count > 0 ? _indices[^1].shape[0] : o.Batch;
            var labels = SampleLabels(b);
            NetworkParameters.SetRequiresGrad(false, D);
            try
            {
                var lossG = AdversarialLosses.Generator(AdversarialLossKind.Hinge, D.Forward(G.Generate(SampleZ(b), labels), labels));
                var ortho = o.OrthoBeta > 0 ? Penalties.Orthogonal(OrthogonalWeights(G), o.OrthoBeta) : torch.zeros([], device: Device);
                _optG.zero_grad();
                (lossG + ortho).backward();
                _optG.step();
                losses["loss_g"] = lossG.item<float>();
                losses["ortho"] = ortho.item<float>();
            }
            finally { NetworkParameters.SetRequiresGrad(true, D); }
        }
        Step++;
        return losses;
    }

    /// <summary>Step counter and the random stream a resumed run continues with (RNG state is not checkpointed).</summary>
    public override void Restore(TrainingState state)
    {
        Step = state.Step;
        _rng = new torch.Generator((ulong)(Options.Seed + 29 + Step));
    }

    /// <summary>Seeds 0 … rows·8 − 1 (SeedLatent, truncation optional), row r asking for class r mod K.</summary>
    public static (Tensor Z, Tensor Labels) GridInputs(BigGanOptions o, int rows, float? truncation = null)
    {
        var seeds = Enumerable.Range(0, rows * GridColumns).Select(i => (uint)i).ToArray();
        var z = torch.tensor(SeedLatent.Batch(seeds, o.ZDim, truncation: truncation), [seeds.Length, o.ZDim]);
        var labels = torch.tensor(seeds.Select(s => (long)(s / GridColumns % o.NumClasses)).ToArray(), ScalarType.Int64);
        return (z, labels);
    }

    /// <summary>Eval-mode images of <paramref name="g"/> as (C, H, W) tiles for z and labels.</summary>
    public static List<Tensor> Samples(BigGanGenerator g, Tensor z, Tensor labels)
    {
        using var scope = EvalScope.Of(g);
        var device = g.linear.u.device;
        var images = g.Generate(z.to(device), labels.to(device)).cpu();
        return Enumerable.Range(0, (int)images.shape[0]).Select(i => images[i]).ToList();
    }

    protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(IReadOnlyList<Tensor> sample)
    {
        var (z, labels) = GridInputs(Options, Options.NumClasses);
        return (Samples(GEma, z, labels), GridColumns);
    }

    /// <summary>The run over the trainer's own images into <see cref="RunOptions.Out"/>: each step DSteps index batches,
    /// each image seen once per epoch by D.</summary>
    public TrainingState Train(bool resume, TextWriter? console = null) =>
        Train(new IndexBatches(_data.Count, Options.Batch, Options.DSteps, Options.Seed), _data.Count, resume, console);
}
