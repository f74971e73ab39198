namespace GanService.Training.Tricks;

/// <summary>
/// Minibatch standard deviation (Karras et al. 2018, ProGAN §3; NVlabs MinibatchStdLayer with num_channels 1): the
/// standard deviation of each feature over groups of samples, averaged to one number per group and appended as a
/// channel, so D can see a batch's lack of variety. Used by the ProGAN, StyleGAN and StyleGAN2 discriminators.
/// </summary>
public static class MinibatchStddev
{
    public static Tensor Apply(Tensor x, int groupSize)
    {
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        long g = Math.Min(groupSize, n);
        if (n % g != 0) throw new ArgumentException($"batch {n} must be divisible by the minibatch-std group {g}");
        var y = x.reshape(g, -1, 1, c, h, w);
        y = y - y.mean([0]);
        y = (y.square().mean([0]) + 1e-8).sqrt();      // (N/G, 1, C, H, W)
        y = y.mean([2, 3, 4]);                          // (N/G, 1)
        y = y.reshape(-1, 1, 1, 1).repeat(g, 1, h, w);  // (N, 1, H, W)
        return torch.cat([x, y], 1);
    }

    /// <summary>Why a training batch cannot be split into groups (null when it can): the batch must be a multiple of
    /// the group, or smaller than it (then the whole batch is one group).</summary>
    public static string? BatchProblem(int batch, int groupSize) =>
        batch % groupSize != 0 && batch > groupSize ? $"--batch-size {batch} must be a multiple of the minibatch-stddev group {groupSize}" : null;
}
