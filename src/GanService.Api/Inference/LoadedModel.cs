using GanService.Contracts;

namespace GanService.Api.Inference;

/// <summary>
/// A model whose files matched their hashes and whose sessions are open. Reference counted: a replaced or removed model
/// is disposed only after the last request using it has finished.
/// </summary>
public sealed class LoadedModel
{
    private int _references = 1; // the repository's own reference
    private int _retired;

    public LoadedModel(ModelManifest manifest, IReadOnlyDictionary<string, OnnxGraph> graphs, string fingerprint, string? card, byte[]? sample)
    {
        Manifest = manifest;
        Graphs = graphs;
        Fingerprint = fingerprint;
        Card = card;
        Sample = sample;
    }

    public string Name => Manifest.Name;
    public ModelManifest Manifest { get; }
    /// <summary>Graphs by role: "model", or "mapping" + "synthesis".</summary>
    public IReadOnlyDictionary<string, OnnxGraph> Graphs { get; }
    public string Fingerprint { get; }
    public string? Card { get; }
    public byte[]? Sample { get; }
    public DateTimeOffset LoadedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>SHA-256 over the manifest and every graph's SHA-256: what a deterministic response depends on besides the
    /// query, so cache validators (ETags) can be computed without running the model.</summary>
    public string ContentHash => _contentHash ??= Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(string.Join('\n', Manifest.Graphs.Select(g => $"{g.Role}:{g.Sha256}").Prepend(Manifest.ToJson())))));
    private string? _contentHash;

    /// <summary>The graph OIP and single-graph pipelines run: synthesis for StyleGAN, else the only graph.</summary>
    public OnnxGraph Main => Graphs[Manifest.MainGraph.Role];
    public OnnxGraph? Mapping => Graphs.GetValueOrDefault("mapping");
    public bool IsStyleBased => Manifest.Style is not null && Mapping is not null;
    /// <summary>StyleGAN2 exports a second synthesis graph that takes the noise maps as inputs (role "synthesis_noise");
    /// the main synthesis graph has the const noise baked in.</summary>
    public OnnxGraph? NoiseSynthesis => Graphs.GetValueOrDefault("synthesis_noise");
    /// <summary>The graph that takes noise maps as inputs, if any: the dedicated one, or the main graph when its noise
    /// inputs are overridable initializers.</summary>
    public OnnxGraph? NoiseInputGraph => NoiseSynthesis ?? (Main.Inputs(TensorRoles.Noise).Any() ? Main : null);
    public bool SupportsNoiseModes => IsStyleBased && NoiseInputGraph is not null;

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
        if (Interlocked.Decrement(ref _references) == 0)
            foreach (var g in Graphs.Values) g.Dispose();
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

/// <summary>A folder that has a model.json but could not be served, and why.</summary>
public sealed record ModelFailure(string Name, string Reason, string Fingerprint, DateTimeOffset At);
