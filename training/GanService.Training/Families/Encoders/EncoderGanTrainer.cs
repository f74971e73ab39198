using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Families.Gan;
using GanService.Training.Layers;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Training.Families.Encoders;

/// <summary>
/// The step of the two encoder families for the <see cref="TrainingLoop"/>; networks "E", "G", "D", optimisers "G" (E and
/// G together: they play one side) and "D".
/// <para><b>AAE</b> (Makhzani et al. 2016): D learns to tell prior samples z ~ p(z) from codes E(x); then E and G step
/// on the reconstruction error w·‖G(E(x)) − x‖² (mean) plus E's adversarial loss on D(E(x)) (its codes should pass for
/// prior samples) — the paper's reconstruction and regularisation phases, taken in one E/G update.</para>
/// <para><b>ALI / BiGAN</b> (Dumoulin et al. 2017; Donahue et al. 2017): D(x, z) learns to tell (x, E(x)) (label real)
/// from (G(z), z) (label fake); then E and G step with the labels swapped, so E inverts G at the game's optimum.</para>
/// </summary>
public sealed class EncoderGanTrainer : GanTrainer<IReadOnlyList<Tensor>, EncoderGanOptions>
{
    public const int GridColumns = 8;

    private readonly LabelledImageSet _data;
    private readonly GanLoss _gan;
    private readonly optim.Optimizer _optG, _optD;
    private torch.Generator _rng;
    private IReadOnlyList<Tensor> _indices = [];

    public Seq E { get; }
    public LatentGenerator G { get; }
    /// <summary>AAE: <see cref="Seq"/> on z; ALI: <see cref="JointDiscriminator"/>.</summary>
    public nn.Module D { get; }
    protected override int Epochs => Options.Epochs;

    public EncoderGanTrainer(EncoderGanOptions o, LabelledImageSet data) : base(o, o.Family)
    {
        if (o.Family is not ("aae" or "ali")) throw new ArgumentException($"unknown encoder family '{o.Family}' (aae | ali)");
        if (o.Prior is not ("gaussian" or "mixture10")) throw new ArgumentException($"prior '{o.Prior}' must be gaussian or mixture10");
        if (o.IsAli && o.Prior != "gaussian") throw new ArgumentException("ALI samples z from N(0, I); --set prior applies to aae");
        o.RequireCpu(o.Family);
        if (AdversarialLosses.IsWasserstein(o.LossKind)) throw new ArgumentException($"--loss {o.Loss}: this step runs one D update per E/G update; Wasserstein critics need n_critic");
        _data = data;
        (E, G, D) = Build(o);
        Network("E", E); Network("G", G); Network("D", D);
        _gan = new GanLoss(o.LossKind);
        _optG = Optimizer("G", new ScalarSafeAdam(E.parameters().Concat(G.parameters()), o.Lr, o.Beta1, o.Beta2));
        _optD = Optimizer("D", new ScalarSafeAdam(D.parameters(), o.Lr, o.Beta1, o.Beta2));
        _rng = new torch.Generator((ulong)o.Seed + 5);
    }

    public static (Seq E, LatentGenerator G, nn.Module D) Build(EncoderGanOptions o)
    {
        torch.manual_seed(o.Seed);
        var g = EncoderGanNetworks.Decoder(o);
        var e = EncoderGanNetworks.Encoder(o);
        nn.Module d = o.IsAli ? new JointDiscriminator(o) : EncoderGanNetworks.LatentDiscriminator(o);
        return (e, g, d);
    }

    /// <summary>z ~ the prior: N(0, I), or the 10-Gaussian mixture of <see cref="EncoderGanOptions.Prior"/>.</summary>
    public static Tensor SamplePrior(EncoderGanOptions o, long n, torch.Generator? rng)
    {
        var z = torch.randn([n, o.ZDim], generator: rng);
        if (o.Prior != "mixture10") return z;
        var k = torch.randint(0, 10, [n], generator: rng, dtype: ScalarType.Int64).to_type(ScalarType.Float32) * (2 * Math.PI / 10);
        var head = torch.stack([torch.cos(k), torch.sin(k)], 1) * 4 + z.narrow(1, 0, 2) * 0.5;
        return o.ZDim > 2 ? torch.cat([head, z.narrow(1, 2, o.ZDim - 2)], 1) : head;
    }

    private Tensor DScore(Tensor x, Tensor z) => D is JointDiscriminator joint ? joint.Forward(x, z) : ((Seq)D).forward(z).squeeze(1);

    public override void SetInput(IReadOnlyList<Tensor> indices) => _indices = indices;

    public override void Restore(TrainingState state) => _rng = new torch.Generator((ulong)Options.Seed + 5 + (ulong)state.Step);

    public override IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var o = Options;
        var stats = new Dictionary<string, double>();
        E.train(); G.train(); D.train();
        using var scope = torch.NewDisposeScope();
        var x = _data.Batch(_indices[0]);
        long b = x.shape[0];
        var prior = SamplePrior(o, b, _rng);

        // D: AAE prior samples (real) vs E(x) (fake); ALI (x, E(x)) (real) vs (G(z), z) (fake).
        Tensor code, generated;
        using (torch.no_grad()) { code = E.forward(x); generated = o.IsAli ? G.Generate(prior) : code; }
        var (realScore, fakeScore) = o.IsAli ? (DScore(x, code), DScore(generated, prior)) : (DScore(x, prior), DScore(x, code));
        var lossD = _gan.Discriminator(realScore, fakeScore);
        _optD.zero_grad();
        lossD.backward();
        _optD.step();
        stats["loss_d"] = lossD.item<float>();
        stats["d_real"] = realScore.mean().item<float>();
        stats["d_fake"] = fakeScore.mean().item<float>();

        // E and G with D frozen.
        NetworkParameters.SetRequiresGrad(false, D);
        try
        {
            code = E.forward(x);
            Tensor adversarial, total;
            if (o.IsAli)
            {
                var z = SamplePrior(o, b, _rng);
                // Swapped labels: E's pairs should look generated, G's pairs real.
                adversarial = _gan.Loss(DScore(x, code), targetIsReal: false) + _gan.Generator(DScore(G.Generate(z), z));
                total = adversarial;
            }
            else
            {
                var reconstruction = (G.Generate(code) - x).square().mean();
                adversarial = _gan.Generator(DScore(x, code));
                total = o.ReconstructionWeight * reconstruction + adversarial;
                stats["reconstruction"] = reconstruction.item<float>();
            }
            _optG.zero_grad();
            total.backward();
            _optG.step();
            stats["loss_g"] = adversarial.item<float>();
            if (o.IsAli)
                using (torch.no_grad()) stats["reconstruction"] = (G.Generate(E.forward(x)) - x).square().mean().item<float>();
            stats["code_std"] = code.std().item<float>();
        }
        finally { NetworkParameters.SetRequiresGrad(true, D); }
        return stats;
    }

    /// <summary>Rows: 8 fixed training images, their reconstructions G(E(x)), then 16 samples G(z) for seeds 0…15.</summary>
    protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(IReadOnlyList<Tensor> sample)
    {
        var x = _data.Batch(torch.arange(GridColumns, dtype: ScalarType.Int64));
        var recon = G.Generate(E.forward(x));
        var seeds = Enumerable.Range(0, 2 * GridColumns).Select(i => (uint)i).ToArray();
        var generated = G.Generate(torch.tensor(SeedLatent.Batch(seeds, Options.ZDim), [seeds.Length, Options.ZDim]));
        var all = torch.cat([x, recon, generated], 0);
        return (Enumerable.Range(0, (int)all.shape[0]).Select(i => all[i]).ToList(), GridColumns);
    }

    /// <summary>The run over the trainer's own images into <see cref="RunOptions.Out"/>, one image batch per step.</summary>
    public TrainingState Train(bool resume, TextWriter? console = null) =>
        Train(new IndexBatches(_data.Count, Options.Batch, 1, Options.Seed), _data.Count, resume, console);
}
