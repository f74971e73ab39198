namespace GanService.Training.Layers;

/// <summary>
/// The normalisation a family places after its convolutions. Batch and Instance are junyanz's `--norm batch|instance`;
/// InstanceAffine and BatchNoAffine exist for imported checkpoints whose norms were built with the other affine setting.
/// </summary>
public enum NormKind { Batch, Instance, None, InstanceAffine, BatchNoAffine }

public static class Norms
{
    /// <summary>junyanz get_norm_layer: batch → BatchNorm2d(affine, running stats); instance → InstanceNorm2d(no affine).</summary>
    public static Layer Create(NormKind kind, long channels) => kind switch
    {
        NormKind.Batch => new BatchNorm2d(channels),
        NormKind.BatchNoAffine => new BatchNorm2d(channels, affine: false),
        NormKind.Instance => new InstanceNorm2d(channels, affine: false),
        NormKind.InstanceAffine => new InstanceNorm2d(channels, affine: true),
        _ => new Identity(),
    };

    /// <summary>junyanz: convolutions carry a bias only when the norm has no affine shift of its own (i.e. not BatchNorm).</summary>
    public static bool ConvBias(NormKind kind) => kind is not (NormKind.Batch or NormKind.BatchNoAffine);
}
