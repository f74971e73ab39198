using System.Threading.Channels;
using GanService.Contracts;
using SixLabors.ImageSharp;

namespace GanService.Training.Data;

/// <summary>A batch of decoded samples (host memory); <see cref="A"/>/<see cref="B"/>/<see cref="Labels"/> build tensors.</summary>
public sealed class Batch(IReadOnlyList<DataSample> samples, ImageSpec spec)
{
    public IReadOnlyList<DataSample> Samples { get; } = samples;
    public int Count => Samples.Count;

    /// <summary>(B, C, H, W) in [-1, 1].</summary>
    public Tensor A(Device? device = null) => Stack(Samples.Select(s => s.A), spec, device);
    public Tensor B(Device? device = null) => Stack(Samples.Select(s => s.B ?? throw new InvalidOperationException("this dataset has no B images")), spec, device);
    /// <summary>(B, K) floats 0/1.</summary>
    public Tensor Labels(Device? device = null)
    {
        var rows = Samples.Select(s => s.Label ?? throw new InvalidOperationException("this dataset has no labels")).ToArray();
        var flat = rows.SelectMany(r => r).ToArray();
        return torch.tensor(flat, [rows.Length, rows[0].Length], device: device);
    }

    private static Tensor Stack(IEnumerable<float[]> images, ImageSpec spec, Device? device)
    {
        var list = images.ToArray();
        var flat = new float[list.Length * list[0].Length];
        for (int i = 0; i < list.Length; i++) list[i].CopyTo(flat, i * list[0].Length);
        return torch.tensor(flat, [list.Length, spec.Channels, spec.Height, spec.Width], device: device);
    }
}

/// <summary>
/// Seeded, reproducible mini-batches decoded in parallel ahead of the training step: a producer decodes each batch's
/// samples with Parallel.For (<c>workers</c> threads) and writes it into a bounded Channel (<c>prefetch</c> batches),
/// while the trainer consumes. The shuffle is a function of (seed, epoch) and each sample's crop/flip of (seed, epoch,
/// index), so thread scheduling never changes what is produced. An unreadable or corrupt image is skipped (the batch
/// is one smaller), logged once and counted in <see cref="Skipped"/>; it never stops training.
/// </summary>
public sealed class DataLoader(IImageDataset dataset, int batchSize, int seed = 0, bool shuffle = true, int workers = 0,
    int prefetch = 4, TextWriter? log = null)
{
    private readonly HashSet<string> _reported = [];
    private int _skipped;

    public IImageDataset Dataset { get; } = dataset;
    public int BatchSize { get; } = Math.Max(1, batchSize);
    public int BatchesPerEpoch => (Dataset.Count + BatchSize - 1) / BatchSize;
    /// <summary>Total samples skipped so far because they could not be read or decoded.</summary>
    public int Skipped => Volatile.Read(ref _skipped);

    /// <summary>Epoch order: a Fisher–Yates permutation seeded by (seed, epoch), or 0…n−1.</summary>
    public int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, Dataset.Count).ToArray();
        if (shuffle) ImageFolders.SampleRandom(seed, epoch, -1).Shuffle(order);
        return order;
    }

    /// <summary>The epoch's batches. <c>workers</c> ≤ 0 decodes inline on the caller's thread (no producer thread).</summary>
    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancel = default) =>
        workers <= 0 ? EpochInline(epoch, cancel) : EpochPrefetched(epoch, cancel);

    // Inline mode exists because TorchSharp 0.107 frees the temporary Scalars it makes from doubles (e.g. inside Adam's
    // addcmul_) in their finalizers, and a GC triggered by another thread's allocations while such a native call runs
    // can free the Scalar under it ("Expected false to be true … toFloat"). Decoding on the training thread keeps other
    // threads from allocating during steps; it is the default (TranslationOptions.Workers 0).
    private IEnumerable<Batch> EpochInline(int epoch, CancellationToken cancel)
    {
        var order = Order(epoch);
        for (int start = 0; start < order.Length; start += BatchSize)
        {
            cancel.ThrowIfCancellationRequested();
            int n = Math.Min(BatchSize, order.Length - start);
            var samples = Enumerable.Range(0, n).Select(i => TryLoad(order[start + i], epoch)).Where(x => x is not null).Select(x => x!).ToArray();
            if (samples.Length > 0) yield return new Batch(samples, Dataset.Transform.Spec);
        }
    }

    private IEnumerable<Batch> EpochPrefetched(int epoch, CancellationToken cancel)
    {
        var channel = Channel.CreateBounded<Batch>(new BoundedChannelOptions(Math.Max(1, prefetch)) { SingleReader = true, SingleWriter = true });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var order = Order(epoch);
        var producer = Task.Run(async () =>
        {
            try
            {
                for (int start = 0; start < order.Length; start += BatchSize)
                {
                    cts.Token.ThrowIfCancellationRequested();
                    int n = Math.Min(BatchSize, order.Length - start);
                    var slots = new DataSample?[n];
                    Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers), CancellationToken = cts.Token },
                        i => slots[i] = TryLoad(order[start + i], epoch));
                    var samples = slots.Where(s => s is not null).Select(s => s!).ToArray();
                    if (samples.Length > 0) await channel.Writer.WriteAsync(new Batch(samples, Dataset.Transform.Spec), cts.Token);
                }
                channel.Writer.TryComplete();
            }
            catch (Exception e) { channel.Writer.TryComplete(e is OperationCanceledException ? null : e); }
        });
        try
        {
            while (channel.Reader.WaitToReadAsync(cts.Token).AsTask().GetAwaiter().GetResult())
                while (channel.Reader.TryRead(out var batch)) yield return batch;
        }
        finally
        {
            cts.Cancel();
            try { producer.Wait(); } catch (AggregateException) { }
        }
    }

    private DataSample? TryLoad(int index, int epoch)
    {
        try { return Dataset.Load(index, epoch); }
        catch (Exception e) when (e is ImageRejectedException or IOException or InvalidDataException or UnauthorizedAccessException
                                      or UnknownImageFormatException or InvalidImageContentException)
        {
            Interlocked.Increment(ref _skipped);
            string key = e.Message;
            lock (_reported)
                if (_reported.Add(key)) log?.WriteLine($"skipped an unreadable image (sample {index}): {e.Message}");
            return null;
        }
    }
}
