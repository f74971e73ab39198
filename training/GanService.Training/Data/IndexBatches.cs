namespace GanService.Training.Data;

/// <summary>
/// The index batches of an in-memory image set (<see cref="LabelledImageSet"/>): one permutation per epoch from a
/// generator seeded once per run, cut into steps of <c>perStep</c> batches (n_critic D batches for gan/dcgan/cgan, D
/// steps for BigGAN, one for InfoGAN/AAE/ALI); images left over at an epoch's end wait for the next permutation. Each
/// image is seen once per epoch by D.
/// </summary>
public sealed class IndexBatches(long count, int batch, int perStep, int seed) : Training.ITrainingData<IReadOnlyList<Tensor>>
{
    private readonly torch.Generator _rng = new((ulong)seed + 1);

    /// <summary>Whole steps in one pass over <paramref name="count"/> images (at least one, or an error).</summary>
    public static long StepsIn(long count, int batch, int perStep)
    {
        long perIteration = (long)batch * perStep;
        long steps = count / perIteration;
        if (steps < 1) throw new ArgumentException($"{count} images are fewer than one iteration ({perIteration})");
        return steps;
    }

    public long StepsPerEpoch { get; } = StepsIn(count, batch, perStep);
    public IReadOnlyList<Tensor> SampleInput => [];

    public IEnumerable<IReadOnlyList<Tensor>> Epoch(int epoch)
    {
        // Made inside the first step's dispose scope, but it serves the whole epoch.
        var perm = torch.randperm(count, generator: _rng).DetachFromDisposeScope();
        try
        {
            for (long it = 0; it < StepsPerEpoch; it++)
                yield return Enumerable.Range(0, perStep).Select(k => perm.narrow(0, (it * perStep + k) * batch, batch)).ToList();
        }
        finally { perm.Dispose(); }
    }
}
