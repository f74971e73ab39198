namespace GanService.Training.Losses;

/// <summary>
/// An adversarial loss on raw discriminator outputs (logits / critic scores of any shape, e.g. PatchGAN maps), averaged
/// over every element. Usage:
/// <code>
/// var gan = new GanLoss(AdversarialLosses.Parse("lsgan"));
/// var lossD = gan.Discriminator(D(real), D(fake.detach()));   // real term + fake term (pix2pix/CycleGAN scale it by 0.5)
/// var lossG = gan.Generator(D(fake));
/// var lossD_wgan = gan.Discriminator(...) + Penalties.GradientPenalty(D, real, fake.detach());
/// </code>
/// <see cref="Loss"/> is junyanz's GANLoss(prediction, target_is_real) for the asymmetric cases.
/// </summary>
public sealed class GanLoss(AdversarialLossKind kind, double realLabel = 1.0, double fakeLabel = 0.0)
{
    public AdversarialLossKind Kind { get; } = kind;
    /// <summary>Target for real samples in BCE/LSGAN (0.9 = one-sided label smoothing).</summary>
    public double RealLabel { get; } = realLabel;
    public double FakeLabel { get; } = fakeLabel;

    /// <summary>Loss of one prediction against "real" or "fake" (junyanz GANLoss.__call__). For hinge, this is the
    /// discriminator's form (relu(1 ∓ x)); use <see cref="Generator"/> for the generator's hinge loss.</summary>
    public Tensor Loss(Tensor prediction, bool targetIsReal) => Kind switch
    {
        AdversarialLossKind.Minimax or AdversarialLossKind.NonSaturating => nn.functional.binary_cross_entropy_with_logits(prediction, torch.full_like(prediction, Layers.Scalars.Of(targetIsReal ? RealLabel : FakeLabel))),
        AdversarialLossKind.Lsgan => nn.functional.mse_loss(prediction, torch.full_like(prediction, Layers.Scalars.Of(targetIsReal ? RealLabel : FakeLabel))),
        AdversarialLossKind.Wgan or AdversarialLossKind.WganGp => targetIsReal ? -prediction.mean() : prediction.mean(),
        AdversarialLossKind.Hinge => targetIsReal ? nn.functional.relu(1.0 - prediction).mean() : nn.functional.relu(1.0 + prediction).mean(),
        // f-GAN: labels do not apply (no smoothing); the real term is −E g_f, the fake term E f*(g_f).
        _ when FDivergence.Is(Kind) => targetIsReal ? FDivergence.RealTerm(Kind, prediction) : FDivergence.FakeTerm(Kind, prediction),
        _ => throw new InvalidOperationException(Kind.ToString()),
    };

    /// <summary>Discriminator loss = Loss(real, real) + Loss(fake, fake). Pass D(fake.detach()).</summary>
    public Tensor Discriminator(Tensor realPrediction, Tensor fakePrediction) => Loss(realPrediction, true) + Loss(fakePrediction, false);

    /// <summary>Generator loss on D(fake): minimax −E softplus(f); BCE/LSGAN target "real"; WGAN and hinge −mean(D(fake)).</summary>
    public Tensor Generator(Tensor fakePrediction) => Kind switch
    {
        AdversarialLossKind.Minimax => MinimaxLoss.Generator(fakePrediction),
        AdversarialLossKind.Wgan or AdversarialLossKind.WganGp or AdversarialLossKind.Hinge => -fakePrediction.mean(),
        _ when FDivergence.Is(Kind) => FDivergence.Generator(Kind, fakePrediction),
        _ => Loss(fakePrediction, true),
    };
}
