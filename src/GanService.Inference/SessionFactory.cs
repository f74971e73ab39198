using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace GanService.Inference;

/// <summary>Which execution provider sessions run on, and why (shown in /readyz and /models).</summary>
public sealed record ProviderStatus(string Requested, string Active, string? FallbackReason);

/// <summary>
/// Creates ORT sessions on the requested device (auto | cuda | cpu). ORT's C# API throws instead of falling back when
/// CUDA or cuDNN cannot load, so that is caught here, reported once through <paramref name="onFallback"/>, and every
/// later session goes straight to CPU.
/// </summary>
public sealed class SessionFactory(string device = "cpu", Action<string>? onFallback = null)
{
    public static readonly string[] Devices = ["auto", "cuda", "cpu"];
    private const string CudaProvider = "CUDAExecutionProvider";
    private readonly string _requested = Devices.Contains(device) ? device
        : throw new ArgumentException($"device must be one of {string.Join(", ", Devices)}, got '{device}'", nameof(device));
    private readonly Lock _gate = new();
    private string? _cudaFailure;
    private bool _cudaWorked;

    public ProviderStatus Status
    {
        get
        {
            lock (_gate)
            {
                if (_requested == "cpu") return new("cpu", "cpu", null);
                if (_cudaWorked && _cudaFailure is null) return new(_requested, "cuda", null);
                return new(_requested, "cpu", _cudaFailure ?? ProbeCuda());
            }
        }
    }

    /// <summary>A session for one ONNX graph; the options stay alive with it.</summary>
    public (InferenceSession Session, SessionOptions Options) Create(byte[] model, string what)
    {
        if (_requested != "cpu" && TryCuda(model, what) is { } cuda) return cuda;
        var cpu = CpuOptions();
        try { return (new InferenceSession(model, cpu), cpu); }
        catch { cpu.Dispose(); throw; }
    }

    private (InferenceSession, SessionOptions)? TryCuda(byte[] model, string what)
    {
        lock (_gate)
        {
            if (_cudaFailure is not null) return null;
            if (ProbeCuda() is { } missing) { Fail(missing); return null; }
        }
        var options = CpuOptions();
        try
        {
            options.AppendExecutionProvider_CUDA(0);
            var session = new InferenceSession(model, options);
            lock (_gate) _cudaWorked = true;
            return (session, options);
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            options.Dispose();
            lock (_gate) Fail($"CUDA could not be used for {what}: {e.Message}");
            return null;
        }
    }

    private static string? ProbeCuda()
    {
        try
        {
            return OrtEnv.Instance().GetAvailableProviders().Contains(CudaProvider)
                ? null
                : "this build has no CUDA execution provider (CPU ONNX Runtime package; publish with -p:GanUseGpu=true)";
        }
        catch (Exception e) { return $"could not list execution providers: {e.Message}"; }
    }

    private void Fail(string reason)
    {
        _cudaFailure = reason;
        onFallback?.Invoke(reason);
    }

    private static SessionOptions CpuOptions() => new()
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        IntraOpNumThreads = Environment.ProcessorCount,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        // ORT writes its own log to stderr, outside the host's logging; keep it to errors (e.g. not the warning every const-noise
        // input triggers: an initializer listed as a graph input is exactly how callers may override it).
        LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
    };
}
