using GanService.Training.Losses;

namespace GanService.Tests.Losses;

/// <summary>Every loss against values computed by hand from its formula.</summary>
public class AdversarialLossTests
{
    private static readonly Tensor Real = torch.tensor(new float[] { 2f, -1f });
    private static readonly Tensor Fake = torch.tensor(new float[] { 0f, 1f });
    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));
    private static double V(Tensor t) => t.item<float>();

    [Fact]
    public void Bce_discriminator_with_and_without_smoothing()
    {
        // −log σ(r) = softplus(−r); −log(1 − σ(f)) = softplus(f)
        double expected = (Softplus(-2) + Softplus(1)) / 2 + (Softplus(0) + Softplus(1)) / 2;
        Assert.Equal(expected, V(AdversarialLosses.Discriminator(AdversarialLossKind.NonSaturating, Real, Fake)), 5);
        // target 0.9: −[0.9 log σ(r) + 0.1 log(1 − σ(r))] = 0.9 softplus(−r) + 0.1 softplus(r)
        double smoothed = (0.9 * Softplus(-2) + 0.1 * Softplus(2) + 0.9 * Softplus(1) + 0.1 * Softplus(-1)) / 2 + (Softplus(0) + Softplus(1)) / 2;
        Assert.Equal(smoothed, V(AdversarialLosses.Discriminator(AdversarialLossKind.Minimax, Real, Fake, 0.9)), 5);
    }

    [Fact]
    public void Generator_losses_minimax_vs_non_saturating()
    {
        Assert.Equal((Softplus(0) + Softplus(-1)) / 2, V(AdversarialLosses.Generator(AdversarialLossKind.NonSaturating, Fake)), 5);
        Assert.Equal(-(Softplus(0) + Softplus(1)) / 2, V(AdversarialLosses.Generator(AdversarialLossKind.Minimax, Fake)), 5);
        // minimax saturates: at f = −10 its gradient is ~σ(−10) while NS's is ~1
        var f = torch.tensor(new float[] { -10f }).requires_grad_(true);
        var gMinimax = torch.autograd.grad([MinimaxLoss.Generator(f)], [f])[0].item<float>();
        var gNs = torch.autograd.grad([AdversarialLosses.NonSaturatingGenerator(f)], [f])[0].item<float>();
        Assert.True(Math.Abs(gMinimax) < 1e-4 && Math.Abs(gNs) > 0.99);
    }

    [Fact]
    public void Lsgan_wgan_hinge()
    {
        Assert.Equal(((2 - 1) * (2 - 1) + 4) / 2.0 + (0 + 1) / 2.0, V(AdversarialLosses.Discriminator(AdversarialLossKind.Lsgan, Real, Fake)), 5);
        Assert.Equal((1 + 0) / 2.0, V(AdversarialLosses.Generator(AdversarialLossKind.Lsgan, Fake)), 5);
        Assert.Equal(0.5 - 0.5, V(AdversarialLosses.Discriminator(AdversarialLossKind.Wgan, Real, Fake)), 5);
        Assert.Equal(-0.5, V(AdversarialLosses.Generator(AdversarialLossKind.WganGp, Fake)), 5);
        // hinge: relu(1 − r) = (0, 2) → 1; relu(1 + f) = (1, 2) → 1.5
        Assert.Equal(2.5, V(AdversarialLosses.Discriminator(AdversarialLossKind.Hinge, Real, Fake)), 5);
        Assert.Equal(-0.5, V(AdversarialLosses.Generator(AdversarialLossKind.Hinge, Fake)), 5);
    }

    [Fact]
    public void Gradient_penalty_of_a_linear_critic()
    {
        // D(x) = w·x, ∇ = w everywhere, ‖w‖ = 5 → λ (5 − 1)² = 160
        var w = torch.tensor(new float[] { 3f, 4f });
        var real = torch.randn(4, 2);
        var fake = torch.randn(4, 2);
        var gp = Penalties.GradientPenalty(x => x.matmul(w), real, fake, 10);
        Assert.Equal(160, V(gp), 3);
        // quadratic critic D(x) = ½‖x‖²: ∇ = x̂; with ε = 1 the points are the reals: ‖(3, 4)‖ = 5 and ‖(0, 1)‖ = 1 → mean (16, 0) · λ
        var r = torch.tensor(new float[] { 3, 4, 0, 1 }, [2, 2]);
        var gp2 = Penalties.GradientPenalty(x => 0.5 * x.square().sum(1), r, torch.zeros(2, 2), 10, epsilon: torch.ones(2));
        Assert.Equal(80, V(gp2), 3);
    }

    [Fact]
    public void R1_penalty_and_weight_clipping()
    {
        // D(x) = ½‖x‖² → ∇ = x; γ/2 · mean ‖x‖² = 5 · (25 + 1)/2 = 65
        var r = torch.tensor(new float[] { 3, 4, 0, 1 }, [2, 2]);
        Assert.Equal(65, V(Penalties.R1(x => 0.5 * x.square().sum(1), r, 10)), 3);
        var p = new TorchSharp.Modules.Parameter(torch.tensor(new float[] { -0.5f, 0.005f, 0.3f }));
        WeightClipping.Clip([p], 0.01);
        Assert.Equal(new float[] { -0.01f, 0.005f, 0.01f }, p.data<float>().ToArray());
    }

    [Fact]
    public void Parse_names_every_loss()
    {
        Assert.Equal(AdversarialLossKind.WganGp, AdversarialLosses.Parse("wgan-gp"));
        Assert.Equal(AdversarialLossKind.Minimax, AdversarialLosses.Parse("minimax"));
        Assert.Throws<ArgumentException>(() => AdversarialLosses.Parse("nope"));
    }

    [Theory]
    [InlineData("minimax", AdversarialLossKind.Minimax)]
    [InlineData("ns", AdversarialLossKind.NonSaturating)]
    [InlineData("non-saturating", AdversarialLossKind.NonSaturating)]
    [InlineData("vanilla", AdversarialLossKind.NonSaturating)]
    [InlineData("BCE", AdversarialLossKind.NonSaturating)]
    [InlineData("lsgan", AdversarialLossKind.Lsgan)]
    [InlineData("mse", AdversarialLossKind.Lsgan)]
    [InlineData("wgan", AdversarialLossKind.Wgan)]
    [InlineData("WGAN-GP", AdversarialLossKind.WganGp)]
    [InlineData("wgangp", AdversarialLossKind.WganGp)]
    [InlineData("hinge", AdversarialLossKind.Hinge)]
    public void Parse_maps_every_documented_name_to_one_kind(string name, AdversarialLossKind kind)
    {
        Assert.Equal(kind, AdversarialLosses.Parse(name));
        Assert.Contains(name.ToLowerInvariant(), AdversarialLosses.Help);   // the CLI help lists it
    }

    [Fact]
    public void Wgan_means_weight_clipping_everywhere_and_only_wgan_gp_spellings_mean_the_penalty()
    {
        Assert.Equal(AdversarialLossKind.Wgan, AdversarialLosses.Parse("wgan"));
        Assert.Equal(["wgan"], AdversarialLosses.Names.Where(n => n.Value == AdversarialLossKind.Wgan).Select(n => n.Key));
        Assert.Contains("wgan = weight clipping", AdversarialLosses.Help);
        Assert.Contains("wgan-gp (wgangp) = gradient penalty", AdversarialLosses.Help);
        foreach (var kind in Enum.GetValues<AdversarialLossKind>())
            Assert.Equal(kind, AdversarialLosses.Parse(AdversarialLosses.Name(kind)));
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("wgan_gp")]
    [InlineData("")]
    public void Parse_rejects_an_unknown_name_with_the_list_of_known_names(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => AdversarialLosses.Parse(name));
        Assert.Contains($"'{name}'", e.Message);
        foreach (var known in AdversarialLosses.Names.Keys) Assert.Contains(known, e.Message);
    }

    [Fact]
    public void Translation_and_generation_options_read_the_loss_with_the_same_parser()
    {
        // The translation trainers and GenerationOptions both call AdversarialLosses.Parse: a name one accepts and the
        // other rejects (or reads differently) would make "--loss wgan" and "--gan-mode wgan" disagree again.
        Assert.Equal(AdversarialLossKind.WganGp, new GanService.Training.Families.Gan.GenerationOptions { Loss = "wgangp" }.LossKind);
        Assert.Equal(1e-4, new GanService.Training.Families.Gan.GenerationOptions { Loss = "wgangp" }.ResolvedLr);   // WGAN-GP's Adam lr
        Assert.Equal(5e-5, new GanService.Training.Families.Gan.GenerationOptions { Loss = "wgan" }.ResolvedLr);     // WGAN's RMSprop lr
        var o = new GanService.Training.Families.Translation.Pix2PixOptions { Loss = "wgan", NetG = "unet_32", CropSize = 32, LoadSize = 32, Ngf = 4, Ndf = 4 };
        using var t = new GanService.Training.Families.Translation.Pix2PixTrainer(o);
        var e = Assert.Throws<ArgumentException>(() => new GanService.Training.Families.Translation.Pix2PixTrainer(o with { Loss = "wgan_gp" }));
        Assert.Contains("wgan-gp", e.Message);
    }
}
