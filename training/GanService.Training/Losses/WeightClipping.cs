namespace GanService.Training.Losses;

/// <summary>WGAN's Lipschitz constraint (Arjovsky et al. 2017): after every critic step clamp each weight to [−c, c], c 0.01.</summary>
public static class WeightClipping
{
    public const double DefaultClip = 0.01;

    public static void Clip(IEnumerable<Parameter> parameters, double c = DefaultClip)
    {
        using var _ = torch.no_grad();
        foreach (var p in parameters) p.clamp_(-c, c);
    }
}
