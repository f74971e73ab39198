namespace GanService.Training.Losses;

/// <summary>The adversarial objectives shared by every family. Names as on the command line (`--set ganMode=lsgan`).</summary>
public enum GanMode
{
    /// <summary>BCE-with-logits against 1 (real) / 0 (fake); G non-saturating (fake → 1). pix2pix, DCGAN.</summary>
    Vanilla,
    /// <summary>MSE of the raw D output against 1 / 0 (Mao et al.). CycleGAN.</summary>
    Lsgan,
    /// <summary>Wasserstein critic: D minimises E[D(fake)] − E[D(real)], G minimises −E[D(fake)]; add <see cref="GradientPenalty"/>.</summary>
    Wgangp,
    /// <summary>D: E[relu(1 − D(real))] + E[relu(1 + D(fake))]; G: −E[D(fake)] (SAGAN/BigGAN).</summary>
    Hinge,
}

/// <summary>
/// An adversarial loss on raw discriminator outputs (logits / critic scores of any shape, e.g. PatchGAN maps), averaged
/// over every element. Usage:
/// <code>
/// var gan = new GanLoss(GanMode.Lsgan);
/// var lossD = gan.Discriminator(D(real), D(fake.detach()));   // real term + fake term (pix2pix/CycleGAN scale it by 0.5)
/// var lossG = gan.Generator(D(fake));
/// var lossD_wgan = gan.Discriminator(...) + GradientPenalty.Compute(D, real, fake.detach());
/// </code>
/// <see cref="Loss"/> is junyanz's GANLoss(prediction, target_is_real) for the asymmetric cases.
/// </summary>
public sealed class GanLoss(GanMode mode, double realLabel = 1.0, double fakeLabel = 0.0)
{
    public GanMode Mode { get; } = mode;
    /// <summary>Target for real samples in vanilla/LSGAN (0.9 = one-sided label smoothing).</summary>
    public double RealLabel { get; } = realLabel;
    public double FakeLabel { get; } = fakeLabel;

    public static GanMode Parse(string name) => name.ToLowerInvariant() switch
    {
        "vanilla" or "bce" => GanMode.Vanilla,
        "lsgan" or "mse" => GanMode.Lsgan,
        "wgangp" or "wgan-gp" or "wgan" => GanMode.Wgangp,
        "hinge" => GanMode.Hinge,
        _ => throw new ArgumentException($"unknown GAN loss '{name}' (vanilla, lsgan, wgangp, hinge)"),
    };

    /// <summary>Loss of one prediction against "real" or "fake" (junyanz GANLoss.__call__). For hinge, this is the
    /// discriminator's form (relu(1 ∓ x)); use <see cref="Generator"/> for the generator's hinge loss.</summary>
    public Tensor Loss(Tensor prediction, bool targetIsReal) => Mode switch
    {
        GanMode.Vanilla => nn.functional.binary_cross_entropy_with_logits(prediction, torch.full_like(prediction, Layers.Scalars.Of(targetIsReal ? RealLabel : FakeLabel))),
        GanMode.Lsgan => nn.functional.mse_loss(prediction, torch.full_like(prediction, Layers.Scalars.Of(targetIsReal ? RealLabel : FakeLabel))),
        GanMode.Wgangp => targetIsReal ? -prediction.mean() : prediction.mean(),
        GanMode.Hinge => targetIsReal ? nn.functional.relu(1.0 - prediction).mean() : nn.functional.relu(1.0 + prediction).mean(),
        _ => throw new InvalidOperationException(Mode.ToString()),
    };

    /// <summary>Discriminator loss = Loss(real, real) + Loss(fake, fake). Pass D(fake.detach()).</summary>
    public Tensor Discriminator(Tensor realPrediction, Tensor fakePrediction) => Loss(realPrediction, true) + Loss(fakePrediction, false);

    /// <summary>Generator loss on D(fake): vanilla/LSGAN target "real"; WGAN and hinge −mean(D(fake)).</summary>
    public Tensor Generator(Tensor fakePrediction) => Mode switch
    {
        GanMode.Wgangp or GanMode.Hinge => -fakePrediction.mean(),
        _ => Loss(fakePrediction, true),
    };
}

/// <summary>
/// WGAN-GP gradient penalty (Gulrajani et al.; junyanz cal_gradient_penalty): x̂ = ε·real + (1−ε)·fake with ε ~ U(0,1)
/// per sample, penalty = λ · E[(‖∇x̂ D(x̂)‖₂ − 1)²]. Built with autograd.grad(create_graph: true) so the penalty itself
/// back-propagates into D's weights.
/// </summary>
public static class GradientPenalty
{
    public static Tensor Compute(Func<Tensor, Tensor> critic, Tensor real, Tensor fake, double lambda = 10.0, Generator? generator = null)
    {
        var eps = torch.rand([real.shape[0], 1, 1, 1], dtype: real.dtype, device: real.device, generator: generator);
        if (real.dim() != 4) eps = eps.view([real.shape[0], .. Enumerable.Repeat(1L, (int)real.dim() - 1)]);
        var interpolated = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(true);
        return Compute(critic, interpolated, lambda);
    }

    /// <summary>Penalty at given points (which must require grad), e.g. real samples only for an R1-style check.</summary>
    public static Tensor Compute(Func<Tensor, Tensor> critic, Tensor points, double lambda)
    {
        var score = critic(points);
        var grads = torch.autograd.grad([score], [points], [torch.ones_like(score)], retain_graph: true, create_graph: true)[0];
        var norm = grads.reshape(grads.shape[0], -1).add(1e-16).norm(1); // +1e-16 as in junyanz (grad of ‖0‖ is finite)
        return (norm - 1).square().mean() * lambda;
    }
}
