namespace GanService.Training.Losses;

/// <summary>The adversarial objectives every family can select (<c>--loss</c> for generation, <c>--gan-mode</c> for
/// translation); <see cref="AdversarialLosses.Parse"/> is the one place their names are read.</summary>
public enum AdversarialLossKind
{
    /// <summary>Goodfellow et al. 2014 as written: D maximises log D(x) + log(1 − D(G(z))), G minimises log(1 − D(G(z))).</summary>
    Minimax,
    /// <summary>Same D (BCE with logits); G maximises log D(G(z)) (the "non-saturating" heuristic of the same paper).
    /// junyanz calls it "vanilla"; DCGAN's and pix2pix's default.</summary>
    NonSaturating,
    /// <summary>Mao et al. 2017, a = 0, b = c = 1: D: (D(x) − 1)² + D(G(z))²; G: (D(G(z)) − 1)² (means; junyanz scale).</summary>
    Lsgan,
    /// <summary>Arjovsky et al. 2017: critic E D(G(z)) − E D(x), G −E D(G(z)), and weight clipping (c 0.01) after every
    /// critic step; the generation families also switch to RMSprop 5e-5 and n_critic 5.</summary>
    Wgan,
    /// <summary>Gulrajani et al. 2017: WGAN losses + λ E(‖∇D(x̂)‖ − 1)² (<see cref="Penalties.GradientPenalty"/>), no clipping.</summary>
    WganGp,
    /// <summary>Lim &amp; Ye 2017 / SAGAN: D E relu(1 − D(x)) + E relu(1 + D(G(z))); G −E D(G(z)).</summary>
    Hinge,
    /// <summary>f-GAN (Nowozin et al. 2016) with the Kullback–Leibler divergence KL(P‖Q); see <see cref="FDivergence"/>.</summary>
    FKl,
    /// <summary>f-GAN, reverse KL: KL(Q‖P).</summary>
    FReverseKl,
    /// <summary>f-GAN, Pearson χ².</summary>
    FPearson,
    /// <summary>f-GAN, squared Hellinger distance.</summary>
    FHellinger,
    /// <summary>f-GAN, Jensen–Shannon divergence.</summary>
    FJensenShannon,
    /// <summary>f-GAN's "GAN" divergence (2·JS − log 4): the original GAN objective in f-GAN form.</summary>
    FGan,
}

/// <summary>
/// The loss vocabulary: names → <see cref="AdversarialLossKind"/> (one parser for the CLI, options and checkpoints) and
/// the losses on raw discriminator outputs, averaged over samples. <c>realTarget</c> &lt; 1 is one-sided label
/// smoothing (BCE and LSGAN only). The formulas live in <see cref="GanLoss"/>; the penalties in <see cref="Penalties"/>.
/// </summary>
public static class AdversarialLosses
{
    /// <summary>Every accepted name. "wgan" is always weight-clipping WGAN: the gradient-penalty variant is only ever
    /// "wgan-gp" / "wgangp", so no spelling means one thing in one family and another elsewhere.</summary>
    public static readonly IReadOnlyDictionary<string, AdversarialLossKind> Names =
        new Dictionary<string, AdversarialLossKind>(StringComparer.OrdinalIgnoreCase)
        {
            ["minimax"] = AdversarialLossKind.Minimax,
            ["ns"] = AdversarialLossKind.NonSaturating,
            ["non-saturating"] = AdversarialLossKind.NonSaturating,
            ["vanilla"] = AdversarialLossKind.NonSaturating,
            ["bce"] = AdversarialLossKind.NonSaturating,
            ["lsgan"] = AdversarialLossKind.Lsgan,
            ["mse"] = AdversarialLossKind.Lsgan,
            ["wgan"] = AdversarialLossKind.Wgan,
            ["wgan-gp"] = AdversarialLossKind.WganGp,
            ["wgangp"] = AdversarialLossKind.WganGp,
            ["hinge"] = AdversarialLossKind.Hinge,
            ["fgan-kl"] = AdversarialLossKind.FKl,
            ["kl"] = AdversarialLossKind.FKl,
            ["fgan-rkl"] = AdversarialLossKind.FReverseKl,
            ["reverse-kl"] = AdversarialLossKind.FReverseKl,
            ["fgan-pearson"] = AdversarialLossKind.FPearson,
            ["pearson"] = AdversarialLossKind.FPearson,
            ["fgan-hellinger"] = AdversarialLossKind.FHellinger,
            ["hellinger"] = AdversarialLossKind.FHellinger,
            ["fgan-js"] = AdversarialLossKind.FJensenShannon,
            ["js"] = AdversarialLossKind.FJensenShannon,
            ["fgan-gan"] = AdversarialLossKind.FGan,
        };

    /// <summary>The names for help texts and error messages, grouped by kind with the other spellings in brackets.</summary>
    public static string Help { get; } = string.Join(" | ", Names.GroupBy(n => n.Value).Select(g =>
        (g.Count() > 1 ? $"{g.First().Key} ({string.Join(", ", g.Skip(1).Select(n => n.Key))})" : g.First().Key)
        + g.Key switch { AdversarialLossKind.Wgan => " = weight clipping", AdversarialLossKind.WganGp => " = gradient penalty", var k when FDivergence.Is(k) => " = f-GAN", _ => "" }));

    public static AdversarialLossKind Parse(string name) =>
        Names.TryGetValue(name.Trim(), out var kind) ? kind : throw new ArgumentException($"unknown adversarial loss '{name}'; known: {Help}");

    /// <summary>The name <see cref="Parse"/> reads back (the first spelling of the kind).</summary>
    public static string Name(AdversarialLossKind kind) => Names.First(n => n.Value == kind).Key;

    public static bool IsWasserstein(AdversarialLossKind kind) => kind is AdversarialLossKind.Wgan or AdversarialLossKind.WganGp;

    /// <summary>BCE against t (real) / 0 (fake); LSGAN (r − t)² + f²; Wasserstein E f − E r; hinge; f-GAN
    /// −E g_f(r) + E f*(g_f(f)) — all means.</summary>
    public static Tensor Discriminator(AdversarialLossKind kind, Tensor real, Tensor fake, double realTarget = 1.0) =>
        new GanLoss(kind, realLabel: realTarget).Discriminator(real, fake);

    /// <summary>Minimax: −E softplus(f); non-saturating: E softplus(−f); LSGAN: E (f − 1)²; WGAN / hinge: −E f;
    /// f-GAN: −E g_f(f).</summary>
    public static Tensor Generator(AdversarialLossKind kind, Tensor fake) => new GanLoss(kind).Generator(fake);

    /// <summary>−log σ(f) = softplus(−f), averaged (BCE-with-logits against 1).</summary>
    public static Tensor NonSaturatingGenerator(Tensor fake) => Generator(AdversarialLossKind.NonSaturating, fake);
}
