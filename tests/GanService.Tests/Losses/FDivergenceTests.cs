using GanService.Training.Losses;

namespace GanService.Tests.Losses;

/// <summary>The f-GAN objectives against values computed by hand from Nowozin et al.'s Table 2 (g_f and f*).</summary>
public class FDivergenceTests
{
    private static readonly Tensor Real = torch.tensor(new float[] { 2f, -1f });
    private static readonly Tensor Fake = torch.tensor(new float[] { 0f, 1f });
    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));
    private static double V(Tensor t) => t.item<float>();
    private static readonly double Ln2 = Math.Log(2);

    [Theory]
    // D: −mean g_f(2, −1) + mean f*(g_f(0, 1)); G: −mean g_f(0, 1)
    [InlineData("fgan-kl", -(2 - 1) / 2.0 + (0.36787944117 + 1) / 2, -0.5)]                       // g = v, f*(t) = e^(t−1)
    [InlineData("fgan-rkl", (0.13533528324 + 2.71828182846) / 2 + (-1 + 0) / 2.0, (1 + 0.36787944117) / 2)] // g = −e^−v, f*(t) = −1 − log(−t) = v − 1
    [InlineData("fgan-pearson", -(2 - 1) / 2.0 + (0 + 1.25) / 2, -0.5)]                           // f*(t) = t²/4 + t
    [InlineData("fgan-hellinger", -((1 - 0.13533528324) + (1 - 2.71828182846)) / 2 + (0 + 1.71828182846) / 2, -(0 + 1 - 0.36787944117) / 2)] // g = 1 − e^−v, f*(g) = e^v − 1
    public void Discriminator_and_generator_losses_match_the_table(string name, double d, double g)
    {
        var kind = AdversarialLosses.Parse(name);
        Assert.Equal(d, V(AdversarialLosses.Discriminator(kind, Real, Fake)), 5);
        Assert.Equal(g, V(AdversarialLosses.Generator(kind, Fake)), 5);
    }

    [Fact]
    public void Gan_divergence_is_bce_and_js_is_gan_shifted_by_log_2_per_term()
    {
        // GAN: g = −softplus(−v), f*(g) = softplus(v): D = BCE(real → 1, fake → 0)
        double gan = (Softplus(-2) + Softplus(1)) / 2 + (Softplus(0) + Softplus(1)) / 2;
        Assert.Equal(gan, V(AdversarialLosses.Discriminator(AdversarialLossKind.FGan, Real, Fake)), 5);
        Assert.Equal(V(AdversarialLosses.Discriminator(AdversarialLossKind.NonSaturating, Real, Fake)), V(AdversarialLosses.Discriminator(AdversarialLossKind.FGan, Real, Fake)), 5);
        // JS: g = log 2 − softplus(−v), f*(g) = softplus(v) − log 2
        Assert.Equal(gan - 2 * Ln2, V(AdversarialLosses.Discriminator(AdversarialLossKind.FJensenShannon, Real, Fake)), 5);
        Assert.Equal((Softplus(0) + Softplus(-1)) / 2 - Ln2, V(AdversarialLosses.Generator(AdversarialLossKind.FJensenShannon, Fake)), 5);
        Assert.Equal((Softplus(0) + Softplus(-1)) / 2, V(AdversarialLosses.Generator(AdversarialLossKind.FGan, Fake)), 5);
    }

    [Theory]
    [InlineData(AdversarialLossKind.FKl)]
    [InlineData(AdversarialLossKind.FReverseKl)]
    [InlineData(AdversarialLossKind.FPearson)]
    [InlineData(AdversarialLossKind.FHellinger)]
    [InlineData(AdversarialLossKind.FJensenShannon)]
    [InlineData(AdversarialLossKind.FGan)]
    public void Closed_form_of_the_conjugate_at_the_activation_equals_the_conjugate_applied_to_the_activation(AdversarialLossKind kind)
    {
        var v = torch.tensor(new float[] { -3f, -0.5f, 0f, 0.7f, 2.5f });
        var t = FDivergence.Activation(kind, v).data<float>().ToArray();
        var closed = FDivergence.ConjugateOfActivation(kind, v).data<float>().ToArray();
        for (int i = 0; i < t.Length; i++) Assert.Equal(FDivergence.Conjugate(kind, t[i]), closed[i], 3);
    }

    [Fact]
    public void At_the_optimal_critic_the_bound_equals_the_divergence()
    {
        // P = (0.5, 0.5), Q = (0.25, 0.75) on two points. KL's optimal T(x) = f'(p/q) = 1 + log(p/q), with g_f(v) = v
        // so v = T; the bound E_P T − E_Q f*(T) is then KL(P‖Q) = 0.5 log 2 + 0.5 log(2/3).
        double[] p = [0.5, 0.5], q = [0.25, 0.75];
        var v = torch.tensor(p.Zip(q, (a, b) => (float)(1 + Math.Log(a / b))).ToArray());
        double bound = p.Select((pi, i) => pi * FDivergence.Activation(AdversarialLossKind.FKl, v)[i].item<float>()).Sum()
                     - q.Select((qi, i) => qi * FDivergence.ConjugateOfActivation(AdversarialLossKind.FKl, v)[i].item<float>()).Sum();
        Assert.Equal(0.5 * Ln2 + 0.5 * Math.Log(2.0 / 3), bound, 5);
    }

    [Theory]
    [InlineData("fgan-kl", AdversarialLossKind.FKl)]
    [InlineData("kl", AdversarialLossKind.FKl)]
    [InlineData("fgan-rkl", AdversarialLossKind.FReverseKl)]
    [InlineData("reverse-kl", AdversarialLossKind.FReverseKl)]
    [InlineData("fgan-pearson", AdversarialLossKind.FPearson)]
    [InlineData("pearson", AdversarialLossKind.FPearson)]
    [InlineData("fgan-hellinger", AdversarialLossKind.FHellinger)]
    [InlineData("hellinger", AdversarialLossKind.FHellinger)]
    [InlineData("fgan-js", AdversarialLossKind.FJensenShannon)]
    [InlineData("js", AdversarialLossKind.FJensenShannon)]
    [InlineData("fgan-gan", AdversarialLossKind.FGan)]
    public void Parse_reads_every_f_gan_name_and_help_lists_it(string name, AdversarialLossKind kind)
    {
        Assert.Equal(kind, AdversarialLosses.Parse(name));
        Assert.Contains(name, AdversarialLosses.Help);
        Assert.Equal(kind, new GanService.Training.Families.Gan.GenerationOptions { Loss = name }.LossKind);
    }
}
