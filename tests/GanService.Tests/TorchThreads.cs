namespace GanService.Tests;

/// <summary>libtorch's intra-op thread count is process-global and changes float reduction order, which a GAN
/// training run amplifies: tests that train set it for their duration and put the previous value back.</summary>
public static class TorchThreads
{
    public static IDisposable Use(int threads)
    {
        int previous = torch.get_num_threads();
        torch.set_num_threads(threads);
        return new Restore(previous);
    }

    private sealed class Restore(int previous) : IDisposable
    {
        public void Dispose() => torch.set_num_threads(previous);
    }
}
