using GanService.Training.Data;
using GanService.Training.Layers;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Training.Families.Translation;

/// <summary>CycleGAN options (junyanz train.py --model cycle_gan defaults).</summary>
public sealed record CycleGanOptions : TranslationOptions
{
    public string NetG { get; init; } = "resnet_9blocks"; // resnet_9blocks for 256², resnet_6blocks for 128²
    public string NetD { get; init; } = "basic";
    public int NLayersD { get; init; } = 3;
    public int Ngf { get; init; } = 64;
    public int Ndf { get; init; } = 64;
    public string Norm { get; init; } = "instance";
    public bool NoDropout { get; init; } = true;          // CycleGAN: no dropout in the ResNet blocks
    [OptionAlias("ganMode")] public string Loss { get; init; } = "lsgan"; // a name AdversarialLosses.Parse reads (junyanz gan_mode)
    public double LambdaA { get; init; } = 10;            // cycle A → B → A
    public double LambdaB { get; init; } = 10;            // cycle B → A → B
    public double LambdaIdentity { get; init; } = 0.5;    // identity loss weight, relative to λ_A / λ_B
    public int PoolSize { get; init; } = 50;              // image history pool per D
    public double LambdaGp { get; init; } = 10;           // only with Loss = wgan-gp
}

/// <summary>
/// CycleGAN (junyanz cycle_gan_model.py). G_A: A → B, G_B: B → A, D_A judges B, D_B judges A. As in the reference,
/// each iteration does the G step first (D frozen): GAN(D_A(G_A(A))) + GAN(D_B(G_B(B))) + λ_A‖G_B(G_A(A)) − A‖₁ +
/// λ_B‖G_A(G_B(B)) − B‖₁ + identity 0.5·λ (‖G_A(B) − B‖₁·λ_B + ‖G_B(A) − A‖₁·λ_A); then the D step on detached fakes
/// drawn through the history pools, each D loss × 0.5.
/// </summary>
public sealed class CycleGanTrainer : TranslationTrainer<CycleGanOptions>
{
    public const string Family = "cyclegan";
    private readonly GanLoss _gan;
    private readonly ImageHistoryPool _poolA, _poolB;
    private readonly optim.Optimizer _optG, _optD;

    public Layer GA { get; }
    public Layer GB { get; }
    public Layer DA { get; }
    public Layer DB { get; }

    public CycleGanTrainer(CycleGanOptions o) : base(o, Family)
    {
        if (o.LambdaIdentity > 0 && o.InputChannels != o.OutputChannels)
            throw new ArgumentException("the identity loss needs as many input as output channels (set lambdaIdentity=0)");
        torch.manual_seed(o.Seed);
        GA = Network("G_A", Build(o, o.InputChannels, o.OutputChannels));
        GB = Network("G_B", Build(o, o.OutputChannels, o.InputChannels));
        DA = Network("D_A", Translation.Networks.Discriminator(o.NetD, o.OutputChannels, o.Ndf, o.NLayersD, o.Norm));
        DB = Network("D_B", Translation.Networks.Discriminator(o.NetD, o.InputChannels, o.Ndf, o.NLayersD, o.Norm));
        WeightInit.Apply(DA, o.ParsedInit, o.InitGain);
        WeightInit.Apply(DB, o.ParsedInit, o.InitGain);
        foreach (var m in new[] { GA, GB, DA, DB }) m.to(Device);
        _gan = new GanLoss(AdversarialLosses.Parse(o.Loss));
        _poolA = Owned(new ImageHistoryPool(o.PoolSize, o.Seed));
        _poolB = Owned(new ImageHistoryPool(o.PoolSize, o.Seed + 1));
        _optG = Adam("G", GA.parameters().Concat(GB.parameters()), o.Lr);
        _optD = Adam("D", DA.parameters().Concat(DB.parameters()), o.Lr);
    }

    public static Layer Build(CycleGanOptions o, long inC, long outC) =>
        Translation.Networks.InitializedGenerator(o.NetG, inC, outC, o.Ngf, o.Norm, !o.NoDropout, o.ParsedInit, o.InitGain);

    public override IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var o = Options;
        using var scope = torch.NewDisposeScope();
        foreach (var m in new[] { GA, GB, DA, DB }) m.train();
        Tensor realA = RealA!, realB = RealB!;
        var fakeB = GA.forward(realA);
        var recA = GB.forward(fakeB);
        var fakeA = GB.forward(realB);
        var recB = GA.forward(fakeA);

        // G step (D_A, D_B frozen).
        NetworkParameters.SetRequiresGrad(false, DA, DB);
        _optG.zero_grad();
        Tensor idtA = torch.zeros(1, device: Device), idtB = torch.zeros(1, device: Device);
        if (o.LambdaIdentity > 0)
        {
            idtA = nn.functional.l1_loss(GA.forward(realB), realB) * (o.LambdaB * o.LambdaIdentity);
            idtB = nn.functional.l1_loss(GB.forward(realA), realA) * (o.LambdaA * o.LambdaIdentity);
        }
        var gA = _gan.Generator(DA.forward(fakeB));
        var gB = _gan.Generator(DB.forward(fakeA));
        var cycA = nn.functional.l1_loss(recA, realA) * o.LambdaA;
        var cycB = nn.functional.l1_loss(recB, realB) * o.LambdaB;
        var lossG = gA + gB + cycA + cycB + idtA + idtB;
        lossG.backward();
        _optG.step();

        // D step on pooled, detached fakes.
        NetworkParameters.SetRequiresGrad(true, DA, DB);
        _optD.zero_grad();
        var dA = BasicD(DA, realB, _poolB.Query(fakeB));
        var dB = BasicD(DB, realA, _poolA.Query(fakeA));
        dA.backward();
        dB.backward();
        _optD.step();
        if (_gan.Kind == AdversarialLossKind.Wgan) WeightClipping.Clip(DA.parameters().Concat(DB.parameters()));
        return new Dictionary<string, double>
        {
            ["D_A"] = dA.item<float>(), ["G_A"] = gA.item<float>(), ["cycle_A"] = cycA.item<float>(), ["idt_A"] = idtA.item<float>(),
            ["D_B"] = dB.item<float>(), ["G_B"] = gB.item<float>(), ["cycle_B"] = cycB.item<float>(), ["idt_B"] = idtB.item<float>(),
        };
    }

    private Tensor BasicD(Layer d, Tensor real, Tensor fake)
    {
        var loss = (_gan.Loss(d.forward(real), true) + _gan.Loss(d.forward(fake.detach()), false)) * 0.5;
        if (_gan.Kind == AdversarialLossKind.WganGp) loss = loss + Penalties.GradientPenalty(d.forward, real, fake, Options.LambdaGp);
        return loss;
    }

    /// <summary>Per row: real_A | fake_B | rec_A | real_B | fake_A | rec_B.</summary>
    protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(Batch batch)
    {
        var a = batch.A(Device);
        var b = batch.B(Device);
        var fakeB = GA.forward(a);
        var recA = GB.forward(fakeB);
        var fakeA = GB.forward(b);
        var recB = GA.forward(fakeA);
        var tiles = new List<Tensor>();
        for (int i = 0; i < batch.Count; i++) tiles.AddRange([a[i], fakeB[i], recA[i], b[i], fakeA[i], recB[i]]);
        return (tiles, 6);
    }
}
