using GanService.Training.Data;
using GanService.Training.Families.StarGan;
using GanService.Training.Layers;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Training.Families.Translation;

/// <summary>StarGAN options (yunjey/stargan main.py defaults, CelebA 128²).</summary>
public sealed record StarGanOptions : TranslationOptions
{
    public StarGanOptions()
    {
        // StarGAN: 178 centre crop resized to 128 (we resize to LoadSize = CropSize, no random crop), batch 16,
        // Adam 1e-4 β (0.5, 0.999). The reference counts iterations (200k, decay over the last 100k); we count epochs.
        LoadSize = 128; CropSize = 128; BatchSize = 16; Lr = 1e-4; NEpochs = 10; NEpochsDecay = 10;
        Init = "default"; // StarGAN keeps PyTorch's default init
    }

    public double LrD { get; init; } = 1e-4;          // d_lr (Lr is g_lr)
    public int GConvDim { get; init; } = 64;
    public int DConvDim { get; init; } = 64;
    public int GRepeat { get; init; } = 6;            // residual blocks in G
    public int DRepeat { get; init; } = 6;            // stride-2 convs in D (image size must be a multiple of 2^DRepeat)
    public double LambdaCls { get; init; } = 1;
    public double LambdaRec { get; init; } = 10;
    public double LambdaGp { get; init; } = 10;
    public int NCritic { get; init; } = 5;            // D steps per G step
    public string? AttrFile { get; init; }            // CelebA list_attr file; null = one sub-folder per domain
    public string[] SelectedAttrs { get; init; } = []; // attributes to use from AttrFile (empty = all)
    public string[] Labels { get; init; } = [];       // resolved domain / attribute names (filled from the data)
    public bool MultiLabel { get; init; }             // BCE multi-label (attribute file) vs CE single-label (folders)
}

/// <summary>
/// StarGAN (solver.py train): target labels = the batch's labels in a random permutation. D step every iteration:
/// −E[D_src(x)] + E[D_src(G(x, c_trg))] + λ_cls·cls(D_cls(x), c_org) + λ_gp·GP; G step every n_critic iterations with
/// D frozen: −E[D_src(G(x, c_trg))] + λ_cls·cls(D_cls(G(x, c_trg)), c_trg) + λ_rec·‖x − G(G(x, c_trg), c_org)‖₁.
/// cls = BCE-with-logits summed over labels / batch (multi-label) or cross-entropy (single label).
/// </summary>
public sealed class StarGanTrainer : TranslationTrainer<StarGanOptions>
{
    public const string Family = "stargan";
    private readonly GanLoss _gan = new(AdversarialLossKind.WganGp);
    private readonly optim.Optimizer _optG, _optD;
    private readonly Generator _rng;
    private long _iteration;
    private readonly Dictionary<string, double> _lastG = new() { ["G_fake"] = double.NaN, ["G_cls"] = double.NaN, ["G_rec"] = double.NaN };

    public StarGanGenerator G { get; }
    public StarGanDiscriminator D { get; }

    public StarGanTrainer(StarGanOptions o) : base(o, Family)
    {
        if (o.Labels.Length < 2) throw new ArgumentException("StarGAN needs at least two domain labels");
        torch.manual_seed(o.Seed);
        _rng = new Generator((ulong)o.Seed + 17);
        G = Network("G", Build(o));
        D = Network("D", new StarGanDiscriminator(o.CropSize, o.Labels.Length, o.DConvDim, o.DRepeat, o.InputChannels));
        WeightInit.Apply(D, o.ParsedInit, o.InitGain);
        G.to(Device); D.to(Device);
        _optG = Adam("G", G.parameters(), o.Lr);
        _optD = Adam("D", D.parameters(), o.LrD);
    }

    public static StarGanGenerator Build(StarGanOptions o)
    {
        var g = new StarGanGenerator(o.Labels.Length, o.GConvDim, o.GRepeat, o.InputChannels);
        WeightInit.Apply(g, o.ParsedInit, o.InitGain);
        return g;
    }

    /// <summary>StarGAN's second input is the batch's labels (the original domains).</summary>
    protected override Tensor TakeSecond(Batch batch) => batch.Labels(Device);

    private Tensor Classification(Tensor logits, Tensor target) => Options.MultiLabel
        ? nn.functional.binary_cross_entropy_with_logits(logits, target, reduction: nn.Reduction.Sum) / logits.shape[0]
        : nn.functional.cross_entropy(logits, target.argmax(1));

    public override IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var o = Options;
        using var scope = torch.NewDisposeScope();
        G.train(); D.train();
        Tensor x = RealA!, cOrg = RealB!;
        var perm = torch.randperm(x.shape[0], generator: _rng).to(Device);
        var cTrg = cOrg.index_select(0, perm);

        // D step.
        NetworkParameters.SetRequiresGrad(true, D);
        _optD.zero_grad();
        var (srcReal, clsReal) = D.forward(x);
        var dCls = Classification(clsReal, cOrg);
        var fake = G.forward(x, cTrg).detach();
        var (srcFake, _) = D.forward(fake);
        var dAdv = _gan.Discriminator(srcReal, srcFake);
        var dGp = Penalties.GradientPenalty(t => D.forward(t).Source, x, fake, o.LambdaGp);
        var lossD = dAdv + dCls * o.LambdaCls + dGp;
        lossD.backward();
        _optD.step();
        var losses = new Dictionary<string, double>
        {
            ["D_real"] = -srcReal.mean().item<float>(), ["D_fake"] = srcFake.mean().item<float>(),
            ["D_cls"] = dCls.item<float>(), ["D_gp"] = dGp.item<float>(),
        };

        // G step every n_critic iterations, D frozen.
        if (++_iteration % Math.Max(1, o.NCritic) == 0)
        {
            NetworkParameters.SetRequiresGrad(false, D);
            _optG.zero_grad();
            var xFake = G.forward(x, cTrg);
            var (src, cls) = D.forward(xFake);
            var gFake = _gan.Generator(src);
            var gCls = Classification(cls, cTrg);
            var gRec = (x - G.forward(xFake, cOrg)).abs().mean();
            var lossG = gFake + gCls * o.LambdaCls + gRec * o.LambdaRec;
            lossG.backward();
            _optG.step();
            NetworkParameters.SetRequiresGrad(true, D);
            _lastG["G_fake"] = gFake.item<float>(); _lastG["G_cls"] = gCls.item<float>(); _lastG["G_rec"] = gRec.item<float>();
        }
        foreach (var (k, v) in _lastG) losses[k] = v;
        return losses;
    }

    /// <summary>A resumed run keeps the n_critic phase: G steps on the same iterations as an uninterrupted one.</summary>
    public override void Restore(Checkpoints.TrainingState state) => _iteration = state.Step;

    /// <summary>Per row: the input, then its translation to every domain (one-hot targets).</summary>
    protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(Batch batch)
    {
        var x = batch.A(Device);
        int k = Options.Labels.Length;
        var outs = Enumerable.Range(0, k).Select(d => G.forward(x, OneHot(x.shape[0], k, d, Device))).ToArray();
        var tiles = new List<Tensor>();
        for (int i = 0; i < batch.Count; i++)
        {
            tiles.Add(x[i]);
            foreach (var o in outs) tiles.Add(o[i]);
        }
        return (tiles, k + 1);
    }

    public static Tensor OneHot(long batch, int k, int index, Device? device = null)
    {
        var c = torch.zeros(batch, k, device: device);
        c[TensorIndex.Colon, index] = 1;
        return c;
    }
}
