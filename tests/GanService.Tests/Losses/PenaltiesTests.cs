using GanService.Training.Families.StyleGan2;
using GanService.Training.Losses;

namespace GanService.Tests.Losses;

/// <summary>StyleGAN2's regularisers are the shared ones: the trainer's Dreg phase gives exactly what
/// <see cref="Penalties"/> gives on the same D and batch, and both equal the formula it used to write inline.</summary>
public class PenaltiesTests
{
    private static StyleGan2TrainOptions Tiny(string augment) => new()
    {
        Arch = new StyleGan2Architecture { Resolution = 8, ZDim = 8, WDim = 8, MappingLayers = 2, ChannelBase = 64, ChannelMax = 16 },
        Batch = 4, Augment = augment, R1Gamma = 0.5, R1Interval = 16, Out = Path.GetTempPath(),
    };

    [Fact]
    public void StyleGan2_R1_equals_the_shared_lazy_R1_and_the_inline_formula_it_replaced()
    {
        using var trainer = new StyleGan2Trainer(Tiny(augment: ""));
        torch.manual_seed(3);
        var real = torch.randn(4, 3, 8, 8);
        var (loss, norms) = trainer.R1(real);

        var shared = Penalties.LazyR1(Penalties.R1SquaredGradientNorm(x => trainer.D.forward(x), real), 0.5, 16);
        // The formula StyleGan2Trainer wrote inline before the penalties module (kept here as the reference).
        var x = real.detach().requires_grad_(true);
        var grad = torch.autograd.grad([trainer.D.forward(x).sum()], [x], retain_graph: true, create_graph: true)[0];
        var inlinePenalty = grad.square().sum([1, 2, 3]);
        var inlineLoss = (inlinePenalty * (0.5 / 2)).mean() * 16;

        Assert.True(loss.item<float>() > 0);
        Assert.Equal(inlineLoss.item<float>(), loss.item<float>(), 6);
        Assert.Equal(shared.item<float>(), loss.item<float>(), 6);
        Assert.True(torch.allclose(inlinePenalty, norms, rtol: 1e-6, atol: 0));
        // Lazy R1 with interval 1 is plain R1: (γ/2) E‖∇D‖².
        Assert.Equal(Penalties.R1(xx => trainer.D.forward(xx), real, 0.5).item<float>(), Penalties.LazyR1(norms, 0.5, 1).item<float>(), 5);
    }

    [Fact]
    public void StyleGan2_R1_is_taken_through_the_augmentation_Dmain_uses()
    {
        // With DiffAugment on, the penalty is on D(Aug(x)): same seed → same augmentation → same value; no augmentation → another.
        using var trainer = new StyleGan2Trainer(Tiny(augment: "translation,cutout"));
        torch.manual_seed(3);
        var real = torch.randn(4, 3, 8, 8);
        torch.manual_seed(9);
        float augmented = trainer.R1(real).Loss.item<float>();
        torch.manual_seed(9);
        var expected = Penalties.LazyR1(Penalties.R1SquaredGradientNorm(x => trainer.D.forward(DiffAugment.Apply(x, "translation,cutout")), real), 0.5, 16);
        Assert.Equal(expected.item<float>(), augmented, 6);
        float plain = Penalties.LazyR1(Penalties.R1SquaredGradientNorm(x => trainer.D.forward(x), real), 0.5, 16).item<float>();
        Assert.NotEqual(plain, augmented);
    }

    [Fact]
    public void Path_length_penalty_is_the_jacobian_norm_of_a_linear_synthesis()
    {
        // img_b = (Σ_i ws[b, i]) · A: ∇_{ws[b, i]} Σ img·y = A·y_b for every i, so the length is ‖A·y_b‖ with
        // y ~ N(0, I)/√(H·W) — the same draw PathLength makes when the seed is the same.
        var a = torch.randn(4, 3 * 2 * 2);
        var ws = torch.randn(2, 3, 4).requires_grad_(true);
        Tensor Img() => ws.sum(1).matmul(a).reshape(2, 3, 2, 2);
        torch.manual_seed(5);
        var y = torch.randn(2, 3, 2, 2) / 2;
        var lengths = a.matmul(y.reshape(2, 12, 1)).squeeze(-1).norm(1);

        var target = torch.zeros([]);
        torch.manual_seed(5);
        var kept = Penalties.PathLength(Img(), ws, target, decay: 0);   // decay 0: the target stays 0 → penalty = length²
        Assert.Equal(0, target.item<float>());
        Assert.True(torch.allclose(lengths.square(), kept, rtol: 1e-5, atol: 1e-6));

        torch.manual_seed(5);
        var moved = Penalties.PathLength(Img(), ws, target, decay: 1);  // decay 1: the target jumps to the mean length
        Assert.Equal(lengths.mean().item<float>(), target.item<float>(), 5);
        Assert.True(torch.allclose((lengths - lengths.mean()).square(), moved, rtol: 1e-5, atol: 1e-6));
    }
}
