namespace GanService.Training.Layers;

public enum NormKind { Batch, Instance, None }

public static class Norms
{
    /// <summary>junyanz get_norm_layer: batch → BatchNorm2d(affine, running stats); instance → InstanceNorm2d(no affine).</summary>
    public static Layer Create(NormKind kind, long channels) => kind switch
    {
        NormKind.Batch => new BatchNorm2d(channels),
        NormKind.Instance => new InstanceNorm2d(channels, affine: false),
        _ => new Identity(),
    };

    /// <summary>junyanz: convolutions carry a bias only when the norm has no affine shift of its own (i.e. not BatchNorm).</summary>
    public static bool ConvBias(NormKind kind) => kind != NormKind.Batch;
}
