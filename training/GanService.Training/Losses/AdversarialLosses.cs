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
/// The formulas live in <see cref="GanLoss"/> (shared with the translation families); this class maps the generation
/// families' loss names onto it and adds the minimax generator loss.
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

    /// <summary>The translation families' loss mode with the same formula (WGAN with clipping shares WGAN-GP's critic loss).</summary>
    public static GanMode Mode(AdversarialLossKind kind) => kind switch
    {
        AdversarialLossKind.Minimax or AdversarialLossKind.NonSaturating => GanMode.Vanilla,
        AdversarialLossKind.Lsgan => GanMode.Lsgan,
        AdversarialLossKind.Wgan or AdversarialLossKind.WganGp => GanMode.Wgangp,
        AdversarialLossKind.Hinge => GanMode.Hinge,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>BCE against t (real) / 0 (fake); LSGAN (r − t)² + f²; Wasserstein E f − E r; hinge — all means, all
    /// computed by <see cref="GanLoss"/>, the one implementation both the translation and the generation families use.</summary>
    public static Tensor Discriminator(AdversarialLossKind kind, Tensor real, Tensor fake, double realTarget = 1.0) =>
        new GanLoss(Mode(kind), realLabel: realTarget).Discriminator(real, fake);

    /// <summary>Minimax: −E softplus(f); non-saturating: E softplus(−f); LSGAN: E (f − 1)²; WGAN / hinge: −E f.</summary>
    public static Tensor Generator(AdversarialLossKind kind, Tensor fake) =>
        kind == AdversarialLossKind.Minimax ? MinimaxLoss.Generator(fake) : new GanLoss(Mode(kind)).Generator(fake);

    /// <summary>−log σ(f) = softplus(−f), averaged (BCE-with-logits against 1).</summary>
    public static Tensor NonSaturatingGenerator(Tensor fake) => Generator(AdversarialLossKind.NonSaturating, fake);

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
