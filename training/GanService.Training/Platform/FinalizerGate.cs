using System.Runtime.CompilerServices;

namespace GanService.Training.Platform;

/// <summary>
/// Holds .NET's finalizer thread while a training step runs, so that TorchSharp's temporary <see cref="Scalar"/>s (and
/// tensors outside a dispose scope) are freed between steps, never under a native call of the step. TorchSharp 0.107
/// makes a temporary Scalar for every double argument and for the implicit <c>alpha</c> of every addition, and frees
/// it only in its finalizer; a collection started by another thread while a step sits in libtorch can finalize one that
/// the native call is still reading (the GC stress mode found "Unknown scalar type" in StyleGAN2's <c>pow</c>). No
/// finalizer runs while the gate is closed: a collection in that time only queues them, and they run when it opens.
/// Closing costs one gen-0 collection (the blocker must be found unreachable) — under a millisecond on a small heap.
/// </summary>
public sealed class FinalizerGate : IDisposable
{
    private readonly ManualResetEventSlim _open = new(false);
    private readonly bool _held, _nested;
    [ThreadStatic] private static int _depth; // a gate closed inside a closed gate (on the same thread) is a no-op

    /// <summary>How long <see cref="Close"/> waits for the finalizer thread to reach the blocker before it lets the step
    /// run unguarded (the finalizer thread busy with a long finalizer of someone else's).</summary>
    public static readonly TimeSpan EnterTimeout = TimeSpan.FromSeconds(2);

    private FinalizerGate(bool held, bool nested = false) => (_held, _nested) = (held, nested);

    /// <summary>Parks the finalizer thread until the returned gate is disposed.</summary>
    public static FinalizerGate Close()
    {
        if (_depth > 0 || Disabled) return new FinalizerGate(held: _depth > 0, nested: true);
        _depth++;
        using var entered = new ManualResetEventSlim(false);
        var gate = new FinalizerGate(held: true);
        Plant(gate._open, entered);
        var deadline = DateTime.UtcNow + EnterTimeout;
        while (!entered.IsSet && DateTime.UtcNow < deadline)
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            entered.Wait(TimeSpan.FromMilliseconds(5));
        }
        if (entered.IsSet) return gate;
        gate._open.Set(); // the blocker, when it runs, passes straight through
        return new FinalizerGate(held: false);
    }

    /// <summary><c>GAN_FINALIZER_GATE=0</c> turns the gate off (to measure what it costs; not for training).</summary>
    public static readonly bool Disabled = Environment.GetEnvironmentVariable("GAN_FINALIZER_GATE") == "0";

    /// <summary>Whether the finalizer thread is parked (false: the step runs unguarded, see <see cref="EnterTimeout"/>).</summary>
    public bool Held => _held;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Plant(ManualResetEventSlim open, ManualResetEventSlim entered) => _ = new Blocker(open, entered);

    private sealed class Blocker(ManualResetEventSlim open, ManualResetEventSlim entered)
    {
        ~Blocker()
        {
            try { entered.Set(); } catch (ObjectDisposedException) { }
            open.Wait();
            open.Dispose();
        }
    }

    /// <summary>Lets the finalizer thread go (a blocker that arrives late passes straight through; it disposes the event).</summary>
    public void Dispose()
    {
        if (_nested) return;
        _depth--;
        _open.Set();
    }
}
