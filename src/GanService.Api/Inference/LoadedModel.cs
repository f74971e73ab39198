using GanService.Contracts;
using GanService.Inference;

namespace GanService.Api.Inference;

/// <summary>
/// A served model: the inference library's <see cref="OnnxModel"/> plus what the repository knows of its folder (files'
/// fingerprint, card, sample image). Reference counted: a replaced or removed model is disposed only after the last
/// request using it has finished.
/// </summary>
public sealed class LoadedModel
{
    private int _references = 1; // the repository's own reference
    private int _retired;

    public LoadedModel(OnnxModel model, string fingerprint, string? card, byte[]? sample, IReadOnlyList<ModelExample>? examples = null)
    {
        Model = model;
        Fingerprint = fingerprint;
        Card = card;
        Sample = sample;
        Examples = examples ?? [];
    }

    /// <summary>The sessions and manifest the pipelines run.</summary>
    public OnnxModel Model { get; }
    public string Name => Model.Name;
    public ModelManifest Manifest => Model.Manifest;
    public string Fingerprint { get; }
    public string? Card { get; }
    public byte[]? Sample { get; }
    /// <summary>The folder's examples/*.png: held-out inputs a person can try (the web page runs the first on opening).</summary>
    public IReadOnlyList<ModelExample> Examples { get; }
    public DateTimeOffset LoadedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The warm-up runs made before the model was served (null if it was served without one).</summary>
    public WarmupReport? Warmup { get; init; }

    /// <summary>SHA-256 over the manifest and every graph's SHA-256: what a deterministic response depends on besides the
    /// query, so cache validators (ETags) can be computed without running the model.</summary>
    public string ContentHash => _contentHash ??= Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(string.Join('\n', Manifest.Graphs.Select(g => $"{g.Role}:{g.Sha256}").Prepend(Manifest.ToJson())))));
    private string? _contentHash;

    internal bool TryAddReference()
    {
        while (true)
        {
            int current = Volatile.Read(ref _references);
            if (current == 0) return false;
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current) return true;
        }
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0) Model.Dispose();
    }

    /// <summary>Drops the repository's reference; sessions close when in-flight requests finish.</summary>
    internal void Retire()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 0) Release();
    }
}

/// <summary>A request's hold on a model; dispose when the response no longer needs its sessions.</summary>
public readonly struct ModelLease(LoadedModel model) : IDisposable
{
    public LoadedModel Model { get; } = model;
    public void Dispose() => Model.Release();
}

/// <summary>One of a model folder's example inputs (examples/NAME.png), read when the model is loaded.</summary>
public sealed record ModelExample(string Name, byte[] Png);

/// <summary>A folder that has a model.json but could not be served, and why.</summary>
public sealed record ModelFailure(string Name, string Reason, string Fingerprint, DateTimeOffset At);
