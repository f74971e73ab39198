namespace GanService.Training.Losses;

/// <summary>The adversarial objectives a generation run can select (<c>--loss</c>).</summary>
public enum AdversarialLossKind
{
    /// <summary>Goodfellow et al. 2014 as written: D maximises log D(x) + log(1 − D(G(z))), G minimises log(1 − D(G(z))).</summary>
    Minimax,
    /// <summary>Same D; G maximises log D(G(z)) (the "non-saturating" heuristic of the same paper). DCGAN's default.</summary>
    NonSaturating,
    /// <summary>Mao et al. 2017, a = 0, b = c = 1: D: (D(x) − 1)² + D(G(z))²; G: (D(G(z)) − 1)² (means; junyanz scale).</summary>
    Lsgan,
    /// <summary>Arjovsky et al. 2017: critic E D(G(z)) − E D(x), G −E D(G(z)); weight clipping 0.01, RMSprop 5e-5, n_critic 5.</summary>
    Wgan,
    /// <summary>Gulrajani et al. 2017: WGAN losses + λ E(‖∇D(x̂)‖ − 1)², λ 10, n_critic 5, no BatchNorm in the critic.</summary>
    WganGp,
    /// <summary>Lim &amp; Ye 2017 / SAGAN: D E relu(1 − D(x)) + E relu(1 + D(G(z))); G −E D(G(z)).</summary>
    Hinge,
}

/// <summary>
/// Losses on raw discriminator outputs (logits / critic scores), averaged over samples. <c>realTarget</c> &lt; 1 is
/// one-sided label smoothing (BCE and LSGAN only). All functions are the maths only; the trainer picks the phases.
/// (vanilla/LSGAN/WGAN-GP/hinge kept in this one file on purpose: the translation branch has its own copy, to be
/// reconciled at merge.)
/// </summary>
public static class AdversarialLosses
{
    public static AdversarialLossKind Parse(string name) => name.ToLowerInvariant() switch
    {
        "minimax" => AdversarialLossKind.Minimax,
        "ns" or "vanilla" or "bce" or "non-saturating" => AdversarialLossKind.NonSaturating,
        "lsgan" => AdversarialLossKind.Lsgan,
        "wgan" => AdversarialLossKind.Wgan,
        "wgan-gp" or "wgangp" => AdversarialLossKind.WganGp,
        "hinge" => AdversarialLossKind.Hinge,
        _ => throw new ArgumentException($"unknown loss '{name}' (minimax, ns, lsgan, wgan, wgan-gp, hinge)"),
    };

    public static Tensor Discriminator(AdversarialLossKind kind, Tensor real, Tensor fake, double realTarget = 1.0) => kind switch
    {
        AdversarialLossKind.Minimax or AdversarialLossKind.NonSaturating => BceDiscriminator(real, fake, realTarget),
        AdversarialLossKind.Lsgan => LsganDiscriminator(real, fake, realTarget),
        AdversarialLossKind.Wgan or AdversarialLossKind.WganGp => WassersteinCritic(real, fake),
        AdversarialLossKind.Hinge => HingeDiscriminator(real, fake),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static Tensor Generator(AdversarialLossKind kind, Tensor fake) => kind switch
    {
        AdversarialLossKind.Minimax => MinimaxLoss.Generator(fake),
        AdversarialLossKind.NonSaturating => NonSaturatingGenerator(fake),
        AdversarialLossKind.Lsgan => LsganGenerator(fake),
        AdversarialLossKind.Wgan or AdversarialLossKind.WganGp or AdversarialLossKind.Hinge => -fake.mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>−[t log σ(r) + log(1 − σ(f))] averaged: BCE-with-logits against t (real) and 0 (fake).</summary>
    public static Tensor BceDiscriminator(Tensor real, Tensor fake, double realTarget = 1.0) =>
        nn.functional.binary_cross_entropy_with_logits(real, torch.full_like(real, realTarget))
        + nn.functional.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake));

    /// <summary>−log σ(f) = softplus(−f), averaged.</summary>
    public static Tensor NonSaturatingGenerator(Tensor fake) => nn.functional.softplus(-fake).mean();

    public static Tensor LsganDiscriminator(Tensor real, Tensor fake, double realTarget = 1.0) =>
        (real - realTarget).square().mean() + fake.square().mean();

    public static Tensor LsganGenerator(Tensor fake) => (fake - 1).square().mean();

    public static Tensor WassersteinCritic(Tensor real, Tensor fake) => fake.mean() - real.mean();

    public static Tensor HingeDiscriminator(Tensor real, Tensor fake) =>
        nn.functional.relu(1 - real).mean() + nn.functional.relu(1 + fake).mean();

    /// <summary>
    /// WGAN-GP: x̂ = ε x + (1 − ε) x̃, ε ~ U(0, 1) per sample; λ E(‖∇_x̂ D(x̂)‖₂ − 1)². create_graph so the penalty trains D.
    /// <paramref name="epsilon"/> may be given (B,) for tests.
    /// </summary>
    public static Tensor GradientPenalty(Func<Tensor, Tensor> critic, Tensor real, Tensor fake, double lambda = 10, Tensor? epsilon = null)
    {
        var shape = new long[] { real.shape[0] }.Concat(Enumerable.Repeat(1L, (int)real.dim() - 1)).ToArray();
        var eps = (epsilon ?? torch.rand(real.shape[0], dtype: real.dtype)).reshape(shape);
        var x = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(true);
        return Losses.GradientPenalty.Compute(critic, x, lambda); // the one penalty implementation (GanLoss.cs)
    }
}
