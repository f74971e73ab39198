namespace GanService.Training.Losses;

/// <summary>R1 (Mescheder et al. 2018): (γ / 2) E‖∇_x D(x)‖² on real samples only; added to D's loss.</summary>
public static class R1Penalty
{
    public static Tensor Compute(Func<Tensor, Tensor> critic, Tensor real, double gamma)
    {
        var x = real.detach().requires_grad_(true);
        var score = critic(x);
        var grad = torch.autograd.grad([score.sum()], [x], retain_graph: true, create_graph: true)[0];
        return 0.5 * gamma * grad.reshape(grad.shape[0], -1).square().sum(1).mean();
    }
}
