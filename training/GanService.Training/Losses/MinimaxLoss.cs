namespace GanService.Training.Losses;

/// <summary>The generator side of the original minimax game: minimise E log(1 − σ(D(G(z)))) = −E softplus(D(G(z))).
/// Saturates when D rejects fakes confidently (its gradient → 0 as σ → 0), which is why NS is the default.</summary>
public static class MinimaxLoss
{
    public static Tensor Generator(Tensor fake) => -nn.functional.softplus(fake).mean();
}
