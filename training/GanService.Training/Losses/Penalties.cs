namespace GanService.Training.Losses;

/// <summary>
/// The regularisers every family adds to an adversarial loss, each built with autograd.grad(create_graph: true) so the
/// penalty itself back-propagates into the network's weights:
/// WGAN-GP's gradient penalty (Gulrajani et al. 2017), R1 and its lazy form (Mescheder et al. 2018; Karras et al.
/// 2020), and StyleGAN2's path-length regulariser (Karras et al. 2020).
/// </summary>
public static class Penalties
{
    /// <summary>
    /// WGAN-GP (junyanz cal_gradient_penalty): x̂ = ε·real + (1−ε)·fake with ε ~ U(0, 1) per sample (drawn from
    /// <paramref name="generator"/>, or given as <paramref name="epsilon"/> (B,) for tests), then
    /// <see cref="GradientPenaltyAt"/> at x̂.
    /// </summary>
    public static Tensor GradientPenalty(Func<Tensor, Tensor> critic, Tensor real, Tensor fake, double lambda = 10.0,
        Generator? generator = null, Tensor? epsilon = null)
    {
        long[] perSample = [real.shape[0], .. Enumerable.Repeat(1L, (int)real.dim() - 1)];
        // A torch.Generator(seed) is a CPU generator: libtorch refuses it for a CUDA tensor, so ε is drawn where it lives
        // and moved (the same numbers on the CPU; on a GPU, the same ε as on the CPU for the same seed).
        var eps = (epsilon ?? (generator is null
            ? torch.rand(perSample, dtype: real.dtype, device: real.device)
            : torch.rand(perSample, dtype: real.dtype, generator: generator).to(real.device))).reshape(perSample);
        var interpolated = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(true);
        return GradientPenaltyAt(critic, interpolated, lambda);
    }

    /// <summary>λ · E[(‖∇ D(p)‖₂ − 1)²] at given points (which must require grad).</summary>
    public static Tensor GradientPenaltyAt(Func<Tensor, Tensor> critic, Tensor points, double lambda)
    {
        var score = critic(points);
        var grads = torch.autograd.grad([score], [points], [torch.ones_like(score)], retain_graph: true, create_graph: true)[0];
        var norm = grads.reshape(grads.shape[0], -1).add(1e-16).norm(1); // +1e-16 as in junyanz (grad of ‖0‖ is finite)
        return (norm - 1).square().mean() * lambda;
    }

    /// <summary>‖∇ₓ D(x)‖² per real sample, shape (B,): the quantity R1 penalises (and StyleGAN2 logs).</summary>
    public static Tensor R1SquaredGradientNorm(Func<Tensor, Tensor> critic, Tensor real)
    {
        var x = real.detach().requires_grad_(true);
        var score = critic(x);
        var grad = torch.autograd.grad([score.sum()], [x], retain_graph: true, create_graph: true)[0];
        return grad.reshape(grad.shape[0], -1).square().sum(1);
    }

    /// <summary>R1: (γ / 2) E‖∇ₓ D(x)‖² on real samples only; added to D's loss every D step.</summary>
    public static Tensor R1(Func<Tensor, Tensor> critic, Tensor real, double gamma) =>
        0.5 * gamma * R1SquaredGradientNorm(critic, real).mean();

    /// <summary>Lazy R1 (StyleGAN2): applied every <paramref name="interval"/>-th D step, so it is scaled by the interval
    /// to keep the same expected strength: E[(γ / 2)·‖∇ₓ D(x)‖²] · interval. Pass the norms from
    /// <see cref="R1SquaredGradientNorm"/> (the caller usually logs their mean too).</summary>
    public static Tensor LazyR1(Tensor squaredGradientNorm, double gamma, int interval) =>
        (squaredGradientNorm * (gamma / 2)).mean() * interval;

    /// <summary>
    /// Path length (StyleGAN2): J_wᵀ y with y ~ N(0, I) / √(H·W) measured through autograd at <paramref name="ws"/>
    /// (B, num_ws, w_dim) → lengths (B,); the running target <paramref name="mean"/> (a 0-dim buffer) moves towards
    /// their mean by <paramref name="decay"/>; returns the per-sample penalty (length − target)², shape (B,). The caller
    /// weights it (and multiplies by its lazy interval).
    /// </summary>
    public static Tensor PathLength(Tensor images, Tensor ws, Tensor mean, double decay)
    {
        var noise = torch.randn_like(images) / Math.Sqrt(images.shape[2] * images.shape[3]);
        var grads = torch.autograd.grad([(images * noise).sum()], [ws], retain_graph: true, create_graph: true)[0];
        var lengths = grads.square().sum([2]).mean([1]).sqrt();
        using (torch.no_grad()) mean.copy_(mean.lerp(lengths.mean(), decay));
        return (lengths - mean).square();
    }

    /// <summary>
    /// BigGAN's orthogonal regularisation, the off-diagonal form (Brock et al. 2019, §3.1):
    /// R_β(W) = β ‖WᵀW ⊙ (1 − I)‖²_F summed over <paramref name="weights"/>, each viewed as a matrix whose rows are its
    /// filters (out, in·k·k), so the Gram matrix compares filters: it pulls them towards mutual orthogonality without
    /// constraining their norms. (BigGAN-PyTorch adds 2β(WWᵀ ⊙ (1 − I))W straight to the gradient, half of this term's
    /// gradient 4β(WWᵀ ⊙ (1 − I))W; this is the paper's objective, so its β means the paper's β.)
    /// </summary>
    public static Tensor Orthogonal(IEnumerable<Tensor> weights, double beta)
    {
        Tensor? total = null;
        foreach (var w in weights)
        {
            var m = w.reshape(w.shape[0], -1);
            var gram = m.mm(m.t());
            using var offDiagonal = 1 - torch.eye(gram.shape[0], dtype: gram.dtype, device: gram.device);
            var term = (gram * offDiagonal).square().sum();
            total = total is null ? term : total + term;
        }
        return (total ?? torch.zeros([])) * beta;
    }
}
