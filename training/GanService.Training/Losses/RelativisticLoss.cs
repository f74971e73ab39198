namespace GanService.Training.Losses;

/// <summary>
/// The relativistic average GAN loss with BCE (Jolicoeur-Martineau 2018, RaGAN; ESRGAN's adversarial loss, Wang et al.
/// 2018 eq. 1–2, as BasicSR's ESRGANModel computes it): D_Ra(a, b) = σ(C(a) − E C(b)), so D judges whether a real image
/// is more realistic than the fakes on average, and G gets gradients from both the real and the fake terms. Logits are
/// (B, 1) or any shape; means over every element. Each loss is the mean of its two BCE terms (BasicSR's ½ (real + fake)).
/// </summary>
public static class RelativisticLoss
{
    /// <summary>½ [BCE(C(x_r) − E C(x_f), 1) + BCE(C(x_f) − E C(x_r), 0)] and its two terms. Pass D(fake.detach()).</summary>
    public static (Tensor Loss, Tensor Real, Tensor Fake) Discriminator(Tensor real, Tensor fake)
    {
        var lossReal = Bce(real - fake.mean(), 1f);
        var lossFake = Bce(fake - real.mean(), 0f);
        return ((lossReal + lossFake) * 0.5f, lossReal, lossFake);
    }

    /// <summary>½ [BCE(C(x_r) − E C(x_f), 0) + BCE(C(x_f) − E C(x_r), 1)], with D's output on the reals detached (BasicSR:
    /// real_d_pred = net_d(gt).detach()): G's gradient reaches it through its fakes in both terms.</summary>
    public static Tensor Generator(Tensor real, Tensor fake)
    {
        var r = real.detach();
        return (Bce(r - fake.mean(), 0f) + Bce(fake - r.mean(), 1f)) * 0.5f;
    }

    private static Tensor Bce(Tensor logits, float target) =>
        nn.functional.binary_cross_entropy_with_logits(logits, torch.full_like(logits, Layers.Scalars.Of(target)));
}
