using GanService.Training.Losses;

namespace GanService.Tests.Losses;

/// <summary>Every loss against values computed by hand.</summary>
public class GanLossTests
{
    private static Tensor T(params float[] v) => torch.tensor(v);
    private static double V(Tensor t) => t.item<float>();

    [Fact]
    public void Vanilla_is_bce_with_logits()
    {
        var gan = new GanLoss(AdversarialLossKind.NonSaturating);
        // log(1 + e^0) = 0.693147, log(1 + e^-2) = 0.126928, log(1 + e^2) = 2.126928
        Assert.Equal((0.693147 + 0.126928) / 2, V(gan.Loss(T(0, 2), true)), 5);
        Assert.Equal((0.693147 + 2.126928) / 2, V(gan.Loss(T(0, 2), false)), 5);
        Assert.Equal((0.693147 + 0.126928) / 2 + (0.693147 + 2.126928) / 2, V(gan.Discriminator(T(0, 2), T(0, 2))), 5);
        Assert.Equal((0.693147 + 2.126928) / 2, V(gan.Generator(T(0, -2))), 5);
    }

    [Fact]
    public void Lsgan_is_mse_to_one_and_zero()
    {
        var gan = new GanLoss(AdversarialLossKind.Lsgan);
        Assert.Equal((0.25 + 1.0) / 2, V(gan.Loss(T(0.5f, 2), true)), 6);
        Assert.Equal((0.25 + 4.0) / 2, V(gan.Loss(T(0.5f, 2), false)), 6);
        Assert.Equal(0.625 + 2.125, V(gan.Discriminator(T(0.5f, 2), T(0.5f, 2))), 6);
        Assert.Equal(0.625, V(gan.Generator(T(0.5f, 2))), 6);
    }

    [Fact]
    public void Wgan_is_mean_difference()
    {
        var gan = new GanLoss(AdversarialLossKind.WganGp);
        Assert.Equal(-1.25, V(gan.Loss(T(0.5f, 2), true)), 6);
        Assert.Equal(1.25, V(gan.Loss(T(0.5f, 2), false)), 6);
        Assert.Equal(-1.25 + 3.0, V(gan.Discriminator(T(0.5f, 2), T(1, 5))), 6);
        Assert.Equal(-3.0, V(gan.Generator(T(1, 5))), 6);
    }

    [Fact]
    public void Hinge_matches_definition()
    {
        var gan = new GanLoss(AdversarialLossKind.Hinge);
        // real: relu(1-0.5)=0.5, relu(1-2)=0 → 0.25; fake: relu(1+0.5)=1.5, relu(1+2)=3 → 2.25
        Assert.Equal(0.25 + 2.25, V(gan.Discriminator(T(0.5f, 2), T(0.5f, 2))), 6);
        Assert.Equal(-1.25, V(gan.Generator(T(0.5f, 2))), 6);
    }

    [Fact]
    public void Label_smoothing_changes_the_real_target()
    {
        var gan = new GanLoss(AdversarialLossKind.Lsgan, realLabel: 0.9);
        Assert.Equal(0.01, V(gan.Loss(T(1), true)), 6);
    }

    [Fact]
    public void Gradient_penalty_of_a_quadratic_critic_is_hand_computed()
    {
        // D(x) = Σ x², ∇ = 2x. With real = fake the interpolate is x itself: ‖2·(3, 4)‖ = 10 → 10 · (10 − 1)² = 810.
        var x = T(3, 4).view(1, 2);
        var gp = Penalties.GradientPenalty(p => p.square().sum(1), x, x.clone(), lambda: 10);
        Assert.Equal(810.0, V(gp), 2);
        // Two samples: (3,4) → 810; (0, 0.5) → ‖(0,1)‖ = 1 → 0. Mean 405.
        var y = T(3, 4, 0, 0.5f).view(2, 2);
        Assert.Equal(405.0, V(Penalties.GradientPenalty(p => p.square().sum(1), y, y.clone(), 10)), 2);
    }

    [Fact]
    public void Gradient_penalty_backpropagates_into_the_critic_weights()
    {
        // Linear critic D(x) = Σ w·x: ∇x = w, penalty = λ(‖w‖ − 1)², d/dw = 2λ(‖w‖ − 1)·w/‖w‖. With w = (3, 0, 0, 0): 40 · e₀.
        var w = torch.tensor(new float[] { 3, 0, 0, 0 }).view(1, 1, 2, 2).requires_grad_(true);
        torch.manual_seed(0);
        var real = torch.randn(4, 1, 2, 2);
        var fake = torch.randn(4, 1, 2, 2);
        var gp = Penalties.GradientPenalty(p => (p * w).sum([1, 2, 3]), real, fake, lambda: 10);
        Assert.Equal(40.0, V(gp), 3);
        gp.backward();
        var grad = w.grad!.flatten().data<float>().ToArray();
        Assert.Equal(40.0, grad[0], 3);
        Assert.Equal(0.0, grad[1], 4);
    }

    [Fact]
    public void Parse_accepts_the_translation_families_names()
    {
        Assert.Equal(AdversarialLossKind.NonSaturating, AdversarialLosses.Parse("vanilla"));
        Assert.Equal(AdversarialLossKind.Lsgan, AdversarialLosses.Parse("LSGAN"));
        Assert.Equal(AdversarialLossKind.WganGp, AdversarialLosses.Parse("wgan-gp"));
        Assert.Equal(AdversarialLossKind.Hinge, AdversarialLosses.Parse("hinge"));
        Assert.Throws<ArgumentException>(() => AdversarialLosses.Parse("nope"));
    }
}

public class ImageHistoryPoolTests
{
    [Fact]
    public void Pool_fills_then_returns_old_fakes_about_half_the_time()
    {
        using var pool = new ImageHistoryPool(4, seed: 1);
        // Each image is a constant equal to its id, so we can tell which one came back.
        for (int i = 0; i < 4; i++)
            Assert.Equal(i, pool.Query(torch.full(1, 1, 2, 2, (float)i)).mean().item<float>());
        Assert.Equal(4, pool.Count);
        int old = 0, n = 400;
        for (int i = 4; i < 4 + n; i++)
        {
            float got = pool.Query(torch.full(1, 1, 2, 2, (float)i)).mean().item<float>();
            if (got != i) { old++; Assert.True(got < i); }
        }
        Assert.InRange(old, n * 0.4, n * 0.6);
    }

    [Fact]
    public void Pool_of_size_zero_passes_through_detached()
    {
        using var pool = new ImageHistoryPool(0);
        var x = torch.ones(2, 1, 2, 2).requires_grad_(true);
        var y = pool.Query(x);
        Assert.False(y.requires_grad);
        Assert.Equal(2, y.shape[0]);
    }
}
