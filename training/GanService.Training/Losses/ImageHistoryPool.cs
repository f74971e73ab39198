namespace GanService.Training.Losses;

/// <summary>
/// Shrivastava et al. image buffer (junyanz ImagePool): D sees a mix of current and past fakes. Until the pool holds
/// `size` images every fake is stored and returned; afterwards each fake, with probability ½, is swapped with a random
/// stored one (the old one is returned, the new one stored), otherwise returned as is. Size 0 disables the pool.
/// Stored images are detached clones kept outside any dispose scope; the pool owns (and disposes) them.
/// </summary>
public sealed class ImageHistoryPool(int size, int seed = 0) : IDisposable
{
    private readonly List<Tensor> _images = [];
    private readonly Random _rng = new(seed);

    public int Size { get; } = size;
    public int Count => _images.Count;

    /// <summary>(B, C, H, W) fakes → (B, C, H, W) images for the D step (detached).</summary>
    public Tensor Query(Tensor images)
    {
        if (Size == 0) return images.detach();
        var result = new List<Tensor>();
        for (long i = 0; i < images.shape[0]; i++)
        {
            var image = images[i].unsqueeze(0).detach();
            if (_images.Count < Size)
            {
                Store(image);
                result.Add(image);
            }
            else if (_rng.NextDouble() > 0.5)
            {
                int k = _rng.Next(Size);
                var old = _images[k];
                result.Add(old.clone());
                old.Dispose();
                _images[k] = image.clone().DetachFromDisposeScope();
            }
            else result.Add(image);
        }
        return torch.cat(result, 0);
    }

    private void Store(Tensor image) => _images.Add(image.clone().DetachFromDisposeScope());

    public void Dispose()
    {
        foreach (var t in _images) t.Dispose();
        _images.Clear();
    }
}
