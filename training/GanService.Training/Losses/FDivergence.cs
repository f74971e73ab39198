namespace GanService.Training.Losses;

/// <summary>
/// The variational divergence objectives of f-GAN (Nowozin, Cseke &amp; Tomioka 2016, Table 2): the critic's raw output
/// v goes through the divergence's output activation T = g_f(v) (which keeps T inside the domain of the conjugate f*),
/// and the bound F = E_P[T(x)] − E_Q[f*(T(x̃))] is maximised by D and lowered by G. f*(g_f(v)) is written in closed
/// form per divergence so no intermediate leaves the conjugate's domain (e.g. GAN: f*(log σ(v)) = softplus(v)).
/// <list type="table">
/// <item>KL: g_f(v) = v, f*(t) = exp(t − 1)</item>
/// <item>reverse KL: g_f(v) = −exp(−v), f*(t) = −1 − log(−t)</item>
/// <item>Pearson χ²: g_f(v) = v, f*(t) = t²/4 + t</item>
/// <item>squared Hellinger: g_f(v) = 1 − exp(−v), f*(t) = t / (1 − t)</item>
/// <item>Jensen–Shannon: g_f(v) = log 2 − log(1 + exp(−v)), f*(t) = −log(2 − exp(t))</item>
/// <item>GAN: g_f(v) = −log(1 + exp(−v)), f*(t) = −log(1 − exp(t))</item>
/// </list>
/// </summary>
public static class FDivergence
{
    /// <summary>True for the f-GAN kinds.</summary>
    public static bool Is(AdversarialLossKind kind) => kind is AdversarialLossKind.FKl or AdversarialLossKind.FReverseKl
        or AdversarialLossKind.FPearson or AdversarialLossKind.FHellinger or AdversarialLossKind.FJensenShannon or AdversarialLossKind.FGan;

    // Cached Scalars (Layers.Scalars): a temporary one made from a double can be finalized during the native call.
    private static Scalar One => Layers.Scalars.Of(1);
    private static Scalar Quarter => Layers.Scalars.Of(0.25);
    private static Scalar Log2 => Layers.Scalars.Of(Math.Log(2));

    /// <summary>T = g_f(v), elementwise.</summary>
    public static Tensor Activation(AdversarialLossKind kind, Tensor v) => kind switch
    {
        AdversarialLossKind.FKl or AdversarialLossKind.FPearson => v.alias(),
        AdversarialLossKind.FReverseKl => -torch.exp(-v),
        AdversarialLossKind.FHellinger => torch.exp(-v).neg().add(One),
        AdversarialLossKind.FJensenShannon => nn.functional.softplus(-v).neg().add(Log2),
        AdversarialLossKind.FGan => -nn.functional.softplus(-v),
        _ => throw new ArgumentException($"{kind} is not an f-divergence"),
    };

    /// <summary>f*(g_f(v)), elementwise, simplified per divergence.</summary>
    public static Tensor ConjugateOfActivation(AdversarialLossKind kind, Tensor v) => kind switch
    {
        AdversarialLossKind.FKl => torch.exp(v.sub(One)),
        AdversarialLossKind.FReverseKl => v.sub(One),                                  // −1 − log(exp(−v))
        AdversarialLossKind.FPearson => v.square().mul(Quarter) + v,
        AdversarialLossKind.FHellinger => torch.exp(v).sub(One),                       // (1 − e^−v) / e^−v
        AdversarialLossKind.FJensenShannon => nn.functional.softplus(v).sub(Log2),     // −log(2 − 2σ(v)) = −log(2σ(−v))
        AdversarialLossKind.FGan => nn.functional.softplus(v),                         // −log(1 − σ(v))
        _ => throw new ArgumentException($"{kind} is not an f-divergence"),
    };

    /// <summary>The conjugate f*(t) itself (for tests and for reading the table): defined on g_f's range.</summary>
    public static double Conjugate(AdversarialLossKind kind, double t) => kind switch
    {
        AdversarialLossKind.FKl => Math.Exp(t - 1),
        AdversarialLossKind.FReverseKl => -1 - Math.Log(-t),
        AdversarialLossKind.FPearson => t * t / 4 + t,
        AdversarialLossKind.FHellinger => t / (1 - t),
        AdversarialLossKind.FJensenShannon => -Math.Log(2 - Math.Exp(t)),
        AdversarialLossKind.FGan => -Math.Log(1 - Math.Exp(t)),
        _ => throw new ArgumentException($"{kind} is not an f-divergence"),
    };

    /// <summary>D's loss = −F = −E_P[g_f(v_real)] + E_Q[f*(g_f(v_fake))] (means over every element).</summary>
    public static Tensor Discriminator(AdversarialLossKind kind, Tensor real, Tensor fake) => RealTerm(kind, real) + FakeTerm(kind, fake);

    public static Tensor RealTerm(AdversarialLossKind kind, Tensor real) => -Activation(kind, real).mean();
    public static Tensor FakeTerm(AdversarialLossKind kind, Tensor fake) => ConjugateOfActivation(kind, fake).mean();

    /// <summary>G's loss: −E_Q[g_f(v_fake)], the paper's alternative to minimising −E_Q[f*(g_f(v))] (§3.2: the same
    /// fixed point, stronger gradients early on, as the non-saturating GAN loss is to the minimax one).</summary>
    public static Tensor Generator(AdversarialLossKind kind, Tensor fake) => -Activation(kind, fake).mean();
}
