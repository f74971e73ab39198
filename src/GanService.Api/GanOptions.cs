using System.ComponentModel.DataAnnotations;
using GanService.Inference;

namespace GanService.Api;

/// <summary>The <c>Gan</c> configuration section. Every limit here is what one replica accepts.</summary>
public sealed class GanOptions
{
    public const string Section = "Gan";

    /// <summary>Room for multipart boundaries and part headers on top of <see cref="MaxRequestBytes"/>.</summary>
    public const int MultipartFramingBytes = 64 * 1024;

    /// <summary>Form fields a multipart upload may have (it needs one: 'image').</summary>
    public const int MaxFormFields = 16;

    /// <summary>Model repository. Relative paths resolve against the content root; when that folder does not exist the
    /// service walks up from the content root to a <c>models/</c> folder next to GanService.sln (so <c>dotnet run</c>
    /// from the repository serves the repository's models).</summary>
    [Required] public string ModelsPath { get; set; } = "models";

    /// <summary>auto | cuda | cpu. auto and cuda try the CUDA provider first and fall back to CPU, saying why.</summary>
    [RegularExpression("^(auto|cuda|cpu)$")] public string Device { get; set; } = "auto";

    /// <summary>Largest uploaded image and largest OIP infer request, in bytes. A multipart upload may exceed it by
    /// <see cref="MultipartFramingBytes"/> of framing: the limit is on the image, sent raw or as multipart alike.</summary>
    [Range(1024, 1L << 31)] public long MaxRequestBytes { get; set; } = 10 * 1024 * 1024;

    [Range(1, 3600)] public int RequestTimeoutSeconds { get; set; } = 30;

    /// <summary>Requests decoding or running a model at once; default: one per core (ORT already uses all cores per run).</summary>
    [Range(1, 1024)] public int MaxConcurrentInferences { get; set; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Requests allowed to wait for a slot; one more gets 429 + Retry-After.</summary>
    [Range(0, 100_000)] public int QueueLimit { get; set; } = 64;

    [Range(1, 3600)] public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Pixel cap checked from the image header before any decoding (16 MP).</summary>
    [Range(1, long.MaxValue)] public long MaxImagePixels { get; set; } = 16_000_000;

    [Range(16, 1 << 16)] public int ImageAllocationLimitMegabytes { get; set; } = 512;

    /// <summary>Largest output (width × height; an upscaler's is its input times the scale²) a model that takes any size
    /// makes whole at the image's own size; above it, tile by tile where the model declares a tile margin, else scaled
    /// down to fit and back. Bounds the memory of one native-size run (a ResNet CycleGAN at 1 MP holds about 1 GB of
    /// activations; a ×4 upscaler runs windows of 256² input pixels).</summary>
    [Range(4096, 64L << 20)] public long MaxNativePixels { get; set; } = 1024 * 1024;

    /// <summary>Largest output one image may make at its own size (an upscaler's: its input times the scale²); a larger one
    /// is refused with 413 before any work. Tiling bounds a run's working memory, not its result: the 8-bit output image
    /// (3 bytes a pixel), its encoding and the time grow with it. 8192² by default (a 2048² upload to a ×4 model).</summary>
    [Range(4096, 1L << 30)] public long MaxOutputPixels { get; set; } = InferenceLimits.Default.MaxOutputPixels;

    /// <summary>The inference limits this service runs with: the library's, with the native-size limit and output cap set
    /// here.</summary>
    public InferenceLimits Limits() => InferenceLimits.Default with { MaxNativePixels = MaxNativePixels, MaxOutputPixels = MaxOutputPixels };

    /// <summary>Hard deadline for decoding one image's pixels. A decode that overruns is abandoned: the request gets 422
    /// and its inference slot back at once, while the decode finishes (or not) on its own thread.</summary>
    [Range(10, 600_000)] public int DecodeTimeoutMilliseconds { get; set; } = 5_000;

    /// <summary>Abandoned decodes allowed to still be running. At this many, new images get 503 and /readyz reports
    /// not ready, so an orchestrator replaces the process before stuck decoders eat every core.</summary>
    [Range(1, 1024)] public int MaxAbandonedDecodes { get; set; } = 3;

    /// <summary>OIP infer: largest batch (first dimension of a tensor whose graph dimension is free); more is 413.</summary>
    [Range(1, 1 << 20)] public int MaxInferBatch { get; set; } = 64;

    /// <summary>OIP infer: most tensor elements in a request's inputs, and separately in its response's outputs (a JSON
    /// FP32 takes ~10 bytes, so the default bounds a response to ~40 MB); more is 413 before anything runs.</summary>
    [Range(1, 1 << 30)] public long MaxInferElements { get; set; } = 1 << 22;

    /// <summary>Fallback full rescan of the models folder (the FileSystemWatcher can miss events, e.g. on network shares).</summary>
    [Range(1, 86_400)] public int RescanSeconds { get; set; } = 30;

    /// <summary>Quiet period after the last file event before the folder is rescanned (a copy raises many events).</summary>
    [Range(0, 60_000)] public int WatchDebounceMilliseconds { get; set; } = 500;

    /// <summary>zlib level (0…9) of the PNGs the service sends. The default is the inference library's, which `gan`
    /// uses too, so the CLI and the API write the same bytes; another level changes the bytes (and the ETags), never the
    /// pixels.</summary>
    [Range(0, 9)] public int PngCompressionLevel { get; set; } = GanService.Inference.ImageGrid.DefaultPngCompressionLevel;

    /// <summary>Largest batch each generator graph is warmed with before the model is served (every size 1…this; translation
    /// graphs run batch 1 only); 0 turns warm-up off. Unset: <see cref="GanService.Inference.InferenceLimits.MaxCount"/>
    /// when the sessions run on CUDA (each new shape pays cuDNN's algorithm search), 1 on CPU (ORT's first run of a new
    /// batch size costs little there: bench/warmup.md).</summary>
    [Range(0, 1024)] public int? WarmupMaxBatch { get; set; }

    /// <summary>API keys with per-key model allow-lists and quotas (<see cref="Auth.AuthOptions"/>); none by default.</summary>
    public Auth.AuthOptions Auth { get; set; } = new();

    /// <summary>CUDA provider settings (ignored on CPU).</summary>
    public CudaOptions Cuda { get; set; } = new();

    /// <summary>Dynamic batching: concurrent runs of one model's graph joined into one ONNX Runtime call.</summary>
    public BatchingOptions Batching { get; set; } = new();

    /// <summary>Family defaults: a request for the key (e.g. <c>model=stylegan</c>) is served by the named model (or alias).
    /// Without an entry, a key that names a family resolves when exactly one such model is loaded: models of exactly that
    /// family first ("stylegan" → a StyleGAN (2018) model), else of the family with version digits ("stylegan" → stylegan2).</summary>
    public Dictionary<string, string> Defaults { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The <c>Gan:Cuda</c> section: ONNX Runtime CUDA provider options, see <see cref="GanService.Inference.CudaSettings"/>
/// for what each does and why these defaults.</summary>
public sealed class CudaOptions
{
    /// <summary>exhaustive | heuristic | default → cudnn_conv_algo_search (checked at start by AddGanInference: data
    /// annotations do not reach nested sections).</summary>
    public string ConvAlgoSearch { get; set; } = new GanService.Inference.CudaSettings().ConvAlgoSearch;

    /// <summary>TF32 tensor cores for FP32 convolutions and GEMMs → use_tf32.</summary>
    public bool UseTf32 { get; set; } = new GanService.Inference.CudaSettings().UseTf32;

    public GanService.Inference.CudaSettings Settings => new(ConvAlgoSearch, UseTf32);
}

/// <summary>The <c>Gan:Batching</c> section (checked at start by AddGanInference: data annotations do not reach nested
/// sections). Runs of the same graph that arrive within <see cref="MaxDelayMilliseconds"/> of the first waiting one are
/// joined along the batch dimension, up to <see cref="MaxBatch"/> rows, as Triton's dynamic batcher does; each request
/// gets exactly the bytes an unbatched run gives it.</summary>
public sealed class BatchingOptions
{
    /// <summary>Most rows in one joined run; 1 turns batching off. Unset: <see cref="CudaDefaultMaxBatch"/> when the
    /// sessions run on CUDA (unmeasured there), 1 on CPU (measured no faster there: bench/batching.md).</summary>
    public int? MaxBatch { get; set; }

    /// <summary>How long the first run of a batch waits for companions, in milliseconds.</summary>
    public int MaxDelayMilliseconds { get; set; } = 2;

    public const int CudaDefaultMaxBatch = 16;

    /// <summary>Why the section cannot be used (null if it can).</summary>
    public string? Problem() =>
        MaxBatch is < 1 or > 1024 ? $"Gan:Batching:MaxBatch must be 1…1024, got {MaxBatch}"
        : MaxDelayMilliseconds is < 0 or > 1000 ? $"Gan:Batching:MaxDelayMilliseconds must be 0…1000, got {MaxDelayMilliseconds}"
        : null;

    /// <summary>What the model loader uses on <paramref name="activeProvider"/> ("cuda" or "cpu").</summary>
    public GanService.Inference.BatchingSettings Settings(string activeProvider) =>
        new(MaxBatch ?? (activeProvider == "cuda" ? CudaDefaultMaxBatch : 1), TimeSpan.FromMilliseconds(MaxDelayMilliseconds));
}
