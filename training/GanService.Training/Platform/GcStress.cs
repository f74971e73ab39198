namespace GanService.Training.Platform;

/// <summary>
/// The stress mode of docs/platform.md: a background thread that forces garbage collections (gen 0, and a full one every
/// 16th) as fast as it can, and waits for the finalizers after every eighth, while training runs. TorchSharp 0.107 frees its temporary Scalars (and any
/// tensor left outside a dispose scope) in finalizers; a collection that lands while a step is inside a native call
/// frees them under it — a crash, or silently other numbers. A run that gives the same losses bit for bit with and
/// without this thread has no such hole on the paths it took. <c>GAN_GC_STRESS=1</c> turns it on for every training run
/// of the process (<see cref="TrainingLoop"/>); tests start it with <see cref="Start"/>.
/// </summary>
public sealed class GcStress : IDisposable
{
    public const string SettingVariable = "GAN_GC_STRESS";
    private readonly Thread _thread;
    private volatile bool _stop;

    /// <summary>Collections forced so far.</summary>
    public long Collections => Interlocked.Read(ref _collections);
    private long _collections;

    private GcStress()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "gc-stress" };
        _thread.Start();
    }

    public static GcStress Start() => new();

    /// <summary>A stressor when <see cref="SettingVariable"/> is 1 or true, else null.</summary>
    public static GcStress? FromEnvironment() =>
        Environment.GetEnvironmentVariable(SettingVariable) is "1" or "true" ? Start() : null;

    private void Loop()
    {
        for (long i = 0; !_stop; i++)
        {
            // Young collections find the temporaries (they die young) and are cheap on a large heap; a full one every 16th.
            GC.Collect(i % 16 == 15 ? GC.MaxGeneration : 0, GCCollectionMode.Forced, blocking: true);
            // Waiting for the finalizers returns only between steps (FinalizerGate), so most collections are not followed
            // by a wait: they land inside steps, where a freed temporary would hurt.
            if (i % 8 == 7) GC.WaitForPendingFinalizers();
            Interlocked.Increment(ref _collections);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
