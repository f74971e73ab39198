using System.Collections.Concurrent;

namespace GanService.Training.Layers;

/// <summary>
/// Long-lived TorchSharp <see cref="Scalar"/>s for constants used on every forward pass. TorchSharp 0.107 turns a double
/// argument (e.g. <c>nn.functional.leaky_relu(x, 0.2)</c>) into a temporary Scalar that only its finalizer frees, and
/// that object can become unreachable as soon as its native handle is taken: a GC started by another thread during the
/// native call then frees the value under it ("Expected false to be true … Scalar::toFloat", seen in leaky_relu).
/// Scalars handed out here stay referenced for the life of the process, so they are never finalized.
/// </summary>
public static class Scalars
{
    private static readonly ConcurrentDictionary<double, Scalar> Cache = new();

    public static Scalar Of(double value) => Cache.GetOrAdd(value, v => v.ToScalar());
}
