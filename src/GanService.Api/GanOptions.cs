using System.ComponentModel.DataAnnotations;

namespace GanService.Api;

/// <summary>The <c>Gan</c> configuration section. Every limit here is what one replica accepts.</summary>
public sealed class GanOptions
{
    public const string Section = "Gan";

    /// <summary>Model repository. Relative paths resolve against the content root; when that folder does not exist the
    /// service walks up from the content root to a <c>models/</c> folder next to GanService.sln (so <c>dotnet run</c>
    /// from the repository serves the repository's models).</summary>
    [Required] public string ModelsPath { get; set; } = "models";

    /// <summary>auto | cuda | cpu. auto and cuda try the CUDA provider first and fall back to CPU, saying why.</summary>
    [RegularExpression("^(auto|cuda|cpu)$")] public string Device { get; set; } = "auto";

    /// <summary>Largest request body (an uploaded image, an OIP infer request), in bytes.</summary>
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

    /// <summary>Fallback full rescan of the models folder (the FileSystemWatcher can miss events, e.g. on network shares).</summary>
    [Range(1, 86_400)] public int RescanSeconds { get; set; } = 30;

    /// <summary>Quiet period after the last file event before the folder is rescanned (a copy raises many events).</summary>
    [Range(0, 60_000)] public int WatchDebounceMilliseconds { get; set; } = 500;

    /// <summary>Family defaults: a request for the key (e.g. <c>model=stylegan</c>) is served by the named model (or alias).
    /// Without an entry, a key that names a family ("stylegan" → stylegan2) resolves when exactly one such model is loaded.</summary>
    public Dictionary<string, string> Defaults { get; set; } = new(StringComparer.Ordinal);
}
