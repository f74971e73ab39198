using GanService.Training.Data;
using GanService.Training.Layers;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Training.Families.Translation;

/// <summary>pix2pix options (junyanz train.py --model pix2pix defaults).</summary>
public sealed record Pix2PixOptions : TranslationOptions
{
    public string NetG { get; init; } = "unet_256";   // unet_256 for 256² crops, unet_128 for 128², unet_<size> in general
    public string NetD { get; init; } = "basic";      // basic = 70×70 PatchGAN; n_layers; pixel = 1×1 PixelGAN
    public int NLayersD { get; init; } = 3;           // PatchGAN depth when NetD = n_layers
    public int Ngf { get; init; } = 64;
    public int Ndf { get; init; } = 64;
    public string Norm { get; init; } = "batch";      // pix2pix: batch (CycleGAN: instance)
    public bool NoDropout { get; init; }              // pix2pix keeps dropout 0.5 in the U-Net's middle blocks
    // The adversarial loss, a name AdversarialLosses.Parse reads (vanilla = BCE, non-saturating G); junyanz calls it
    // gan_mode, and options files from before read "ganMode".
    [OptionAlias("ganMode")] public string Loss { get; init; } = "vanilla";
    public double LambdaL1 { get; init; } = 100;      // weight of ‖G(A) − B‖₁
    public double LambdaGp { get; init; } = 10;       // only with Loss = wgan-gp
}

/// <summary>
/// pix2pix (junyanz pix2pix_model.py): G(A) → fake_B; D sees A ⊕ B (conditional). D step: 0.5 · [GAN(D(A⊕fake_B.detach()),
/// fake) + GAN(D(A⊕B), real)]; G step with D frozen: GAN(D(A⊕fake_B), real) + λ_L1 · ‖fake_B − B‖₁.
/// </summary>
public sealed class Pix2PixTrainer : TranslationTrainer<Pix2PixOptions>
{
    public const string Family = "pix2pix";
    private readonly GanLoss _gan;
    private readonly optim.Optimizer _optG, _optD;

    public Layer G { get; }
    public Layer D { get; }

    public Pix2PixTrainer(Pix2PixOptions o) : base(o, Family)
    {
        torch.manual_seed(o.Seed);
        G = Network("G", Build(o));
        D = Network("D", Translation.Networks.Discriminator(o.NetD, o.InputChannels + o.OutputChannels, o.Ndf, o.NLayersD, o.Norm));
        WeightInit.Apply(D, o.ParsedInit, o.InitGain);
        G.to(Device); D.to(Device);
        _gan = new GanLoss(AdversarialLosses.Parse(o.Loss));
        _optG = Adam("G", G.parameters(), o.Lr);
        _optD = Adam("D", D.parameters(), o.Lr);
    }

    /// <summary>The generator exactly as trained (export rebuilds it from the checkpoint's options).</summary>
    public static Layer Build(Pix2PixOptions o) =>
        Translation.Networks.InitializedGenerator(o.NetG, o.InputChannels, o.OutputChannels, o.Ngf, o.Norm, !o.NoDropout, o.ParsedInit, o.InitGain);

    public override IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        using var scope = torch.NewDisposeScope();
        G.train(); D.train();
        Tensor realA = RealA!, realB = RealB!;
        var fakeB = G.forward(realA);
        // D step on the detached fake.
        NetworkParameters.SetRequiresGrad(true, D);
        _optD.zero_grad();
        var fakeAB = torch.cat([realA, fakeB], 1);
        var realAB = torch.cat([realA, realB], 1);
        var lossDFake = _gan.Loss(D.forward(fakeAB.detach()), false);
        var lossDReal = _gan.Loss(D.forward(realAB), true);
        var lossD = (lossDFake + lossDReal) * 0.5;
        if (_gan.Kind == AdversarialLossKind.WganGp) lossD = lossD + Penalties.GradientPenalty(D.forward, realAB, fakeAB, Options.LambdaGp);
        lossD.backward();
        _optD.step();
        if (_gan.Kind == AdversarialLossKind.Wgan) WeightClipping.Clip(D.parameters());
        // G step with D frozen.
        NetworkParameters.SetRequiresGrad(false, D);
        _optG.zero_grad();
        var lossGGan = _gan.Generator(D.forward(fakeAB));
        var lossGL1 = nn.functional.l1_loss(fakeB, realB) * Options.LambdaL1;
        var lossG = lossGGan + lossGL1;
        lossG.backward();
        _optG.step();
        NetworkParameters.SetRequiresGrad(true, D);
        return new Dictionary<string, double>
        {
            ["G_GAN"] = lossGGan.item<float>(), ["G_L1"] = lossGL1.item<float>(),
            ["D_real"] = lossDReal.item<float>(), ["D_fake"] = lossDFake.item<float>(),
        };
    }

    /// <summary>Per row: input | output | target. junyanz test.py keeps the model in train mode unless --eval; we sample
    /// in eval mode (dropout off, BN running stats), which is also what the exported ONNX model computes.</summary>
    protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(Batch batch)
    {
        var a = batch.A(Device);
        var b = batch.B(Device);
        var fake = G.forward(a);
        var tiles = new List<Tensor>();
        for (int i = 0; i < batch.Count; i++) tiles.AddRange([a[i], fake[i], b[i]]);
        return (tiles, 3);
    }
}
