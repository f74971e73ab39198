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
    public string GanMode { get; init; } = "vanilla"; // a name AdversarialLosses.Parse reads (vanilla = BCE, non-saturating G)
    public double LambdaL1 { get; init; } = 100;      // weight of ‖G(A) − B‖₁
    public double LambdaGp { get; init; } = 10;       // only with GanMode = wgan-gp
}

/// <summary>
/// pix2pix (junyanz pix2pix_model.py): G(A) → fake_B; D sees A ⊕ B (conditional). D step: 0.5 · [GAN(D(A⊕fake_B.detach()),
/// fake) + GAN(D(A⊕B), real)]; G step with D frozen: GAN(D(A⊕fake_B), real) + λ_L1 · ‖fake_B − B‖₁.
/// </summary>
public sealed class Pix2PixTrainer : ITranslationTrainer
{
    private readonly Pix2PixOptions _o;
    private readonly Device _device;
    private readonly GanLoss _gan;
    private readonly optim.Optimizer _optG, _optD;
    private Tensor? _realA, _realB;

    public Layer G { get; }
    public Layer D { get; }
    public string Family => "pix2pix";
    public TranslationOptions Options => _o;
    public IReadOnlyDictionary<string, nn.Module> Networks => new Dictionary<string, nn.Module> { ["G"] = G, ["D"] = D };
    public IReadOnlyDictionary<string, optim.Optimizer> Optimizers => new Dictionary<string, optim.Optimizer> { ["G"] = _optG, ["D"] = _optD };

    public Pix2PixTrainer(Pix2PixOptions o)
    {
        _o = o;
        _device = Translation.Networks.ParseDevice(o.Device);
        torch.manual_seed(o.Seed);
        G = Build(o);
        D = Translation.Networks.Discriminator(o.NetD, o.InputChannels + o.OutputChannels, o.Ndf, o.NLayersD, o.Norm);
        WeightInit.Apply(D, o.ParsedInit, o.InitGain);
        G.to(_device); D.to(_device);
        _gan = new GanLoss(AdversarialLosses.Parse(o.GanMode));
        _optG = new ScalarSafeAdam(G.parameters(), o.Lr, o.Beta1, o.Beta2);
        _optD = new ScalarSafeAdam(D.parameters(), o.Lr, o.Beta1, o.Beta2);
    }

    /// <summary>The generator exactly as trained (export rebuilds it from the checkpoint's options).</summary>
    public static Layer Build(Pix2PixOptions o)
    {
        return Translation.Networks.InitializedGenerator(o.NetG, o.InputChannels, o.OutputChannels, o.Ngf, o.Norm, !o.NoDropout, o.ParsedInit, o.InitGain);
    }

    public void SetInput(Batch batch)
    {
        _realA?.Dispose(); _realB?.Dispose();
        _realA = batch.A(_device);
        _realB = batch.B(_device);
    }

    public IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        using var scope = torch.NewDisposeScope();
        G.train(); D.train();
        var fakeB = G.forward(_realA!);
        // D step on the detached fake.
        NetworkParameters.SetRequiresGrad(true, D);
        _optD.zero_grad();
        var fakeAB = torch.cat([_realA!, fakeB], 1);
        var realAB = torch.cat([_realA!, _realB!], 1);
        var lossDFake = _gan.Loss(D.forward(fakeAB.detach()), false);
        var lossDReal = _gan.Loss(D.forward(realAB), true);
        var lossD = (lossDFake + lossDReal) * 0.5;
        if (_gan.Kind == AdversarialLossKind.WganGp) lossD = lossD + Penalties.GradientPenalty(D.forward, realAB, fakeAB, _o.LambdaGp);
        lossD.backward();
        _optD.step();
        if (_gan.Kind == AdversarialLossKind.Wgan) WeightClipping.Clip(D.parameters());
        // G step with D frozen.
        NetworkParameters.SetRequiresGrad(false, D);
        _optG.zero_grad();
        var lossGGan = _gan.Generator(D.forward(fakeAB));
        var lossGL1 = nn.functional.l1_loss(fakeB, _realB!) * _o.LambdaL1;
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

    public void UpdateLearningRate(int epoch)
    {
        LinearDecay.Apply(_optG, _o.Lr, epoch, _o.NEpochs, _o.NEpochsDecay);
        LinearDecay.Apply(_optD, _o.Lr, epoch, _o.NEpochs, _o.NEpochsDecay);
    }

    public (IReadOnlyList<Tensor> Tiles, int Columns) SampleTiles(Batch batch)
    {
        // junyanz test.py keeps the model in train mode unless --eval; we sample in eval mode (dropout off, BN running
        // stats), which is also what the exported ONNX model computes.
        G.eval();
        using var _ = torch.no_grad();
        var a = batch.A(_device);
        var b = batch.B(_device);
        var fake = G.forward(a);
        G.train();
        var tiles = new List<Tensor>();
        for (int i = 0; i < batch.Count; i++) tiles.AddRange([a[i], fake[i], b[i]]); // input | output | target
        return (tiles, 3);
    }

    public void Dispose() { _realA?.Dispose(); _realB?.Dispose(); }
}
