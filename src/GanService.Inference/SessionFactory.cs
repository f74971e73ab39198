using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace GanService.Inference;

/// <summary>Which execution provider sessions run on, and why (shown in /readyz and /models).</summary>
public sealed record ProviderStatus(string Requested, string Active, string? FallbackReason);

/// <summary>
/// CUDA provider settings. They only matter when a session runs on CUDA, and their effect can only be measured on a GPU
/// (scripts/gpu-check.sh). <paramref name="ConvAlgoSearch"/>: how cuDNN picks each convolution's algorithm the first
/// time a shape runs — exhaustive (ORT's own default: benchmarks every algorithm; the H200 run of issue 16 paid
/// 0.25–0.9 s per new batch shape for it), heuristic (cuDNN's ranking, no benchmarking: the default here, because the
/// service warms every batch size it serves before it is ready and exhaustive search would multiply that start-up time),
/// or default (one fixed algorithm, least memory). <paramref name="UseTf32"/>: TF32 tensor cores for FP32 convolutions
/// and GEMMs (ORT's default, on; the H200 run matched the CPU provider within one grey level with it).
/// </summary>
public sealed record CudaSettings(string ConvAlgoSearch = "heuristic", bool UseTf32 = true)
{
    public static readonly string[] ConvAlgoSearches = ["exhaustive", "heuristic", "default"];

    /// <summary>The CUDA provider options ORT reads (names and values as onnxruntime's CUDA provider spells them).</summary>
    public Dictionary<string, string> ProviderOptions(int deviceId = 0) => new(StringComparer.Ordinal)
    {
        ["device_id"] = deviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["cudnn_conv_algo_search"] = ConvAlgoSearches.Contains(ConvAlgoSearch) ? ConvAlgoSearch.ToUpperInvariant()
            : throw new ArgumentException($"ConvAlgoSearch must be one of {string.Join(", ", ConvAlgoSearches)}, got '{ConvAlgoSearch}'"),
        ["use_tf32"] = UseTf32 ? "1" : "0",
    };
}

/// <summary>
/// Creates ORT sessions on the requested device (auto | cuda | cpu). ORT's C# API throws instead of falling back when
/// CUDA or cuDNN cannot load, so that is caught here, reported once through <paramref name="onFallback"/>, and every
/// later session goes straight to CPU.
/// </summary>
public sealed class SessionFactory(string device = "cpu", Action<string>? onFallback = null, CudaSettings? cuda = null)
{
    public static readonly string[] Devices = ["auto", "cuda", "cpu"];
    private const string CudaProvider = "CUDAExecutionProvider";
    private readonly string _requested = Devices.Contains(device) ? device
        : throw new ArgumentException($"device must be one of {string.Join(", ", Devices)}, got '{device}'", nameof(device));
    private readonly Dictionary<string, string> _cudaOptions = (cuda ?? new CudaSettings()).ProviderOptions();
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
            using (var cudaOptions = new OrtCUDAProviderOptions())
            {
                cudaOptions.UpdateOptions(_cudaOptions);
                options.AppendExecutionProvider_CUDA(cudaOptions);
            }
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
