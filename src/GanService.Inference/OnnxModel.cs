using System.Security.Cryptography;
using GanService.Contracts;

namespace GanService.Inference;

/// <summary>
/// A model folder opened for inference: its manifest, and one ONNX Runtime session per graph, each built from bytes whose
/// SHA-256 matched the manifest and whose declared inputs/outputs matched it too. What the API serves and what the gan
/// CLI runs is this one type, loaded by <see cref="Load"/>.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    public const string ManifestFile = "model.json";

    private OnnxModel(ModelManifest manifest, IReadOnlyDictionary<string, OnnxGraph> graphs)
    {
        Manifest = manifest;
        Graphs = graphs;
    }

    public string Name => Manifest.Name;
    public ModelManifest Manifest { get; }
    /// <summary>Graphs by role: "model", or "mapping" + "synthesis" (+ "synthesis_noise").</summary>
    public IReadOnlyDictionary<string, OnnxGraph> Graphs { get; }

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
    /// <summary>The graph that takes ψ and labels: mapping for StyleGAN, else the only graph.</summary>
    public OnnxGraph Conditioning => Mapping ?? Main;
    public bool TakesPsi => Conditioning.Input(TensorRoles.Psi) is not null;
    public bool TakesLabel => Conditioning.Input(TensorRoles.Label) is not null;
    /// <summary>Text-to-image models: a tokens input (read with the manifest's vocabulary, <see cref="TextTokenizer"/>).</summary>
    public bool TakesText => Conditioning.Input(TensorRoles.Tokens) is not null;

    /// <summary>
    /// Opens <paramref name="folder"/>/model.json and its graphs. Throws <see cref="ModelLoadException"/> (or
    /// <see cref="ManifestException"/>) naming every problem: a missing file, a hash mismatch, tensors the ONNX file does
    /// not declare as the manifest says, or roles and shapes the pipelines cannot feed.
    /// </summary>
    /// <param name="batching">Dynamic batching of each graph's concurrent runs (the API); null: every run on its own (the CLI).</param>
    public static OnnxModel Load(string folder, SessionFactory sessions, RunObserver? observer = null,
        BatchingSettings? batching = null, BatchObserver? batchObserver = null)
    {
        var manifest = ModelManifest.Load(Path.Combine(folder, ManifestFile));
        var graphs = new Dictionary<string, OnnxGraph>(StringComparer.Ordinal);
        try
        {
            foreach (var spec in manifest.Graphs)
            {
                // spec.File is validated by the manifest as a plain file name (no directories, no leading dot).
                var path = Path.Combine(folder, spec.File);
                if (!File.Exists(path)) throw new ModelLoadException($"graph '{spec.Role}': file '{spec.File}' is missing");
                // Hash the very bytes the session is built from, so the file cannot change in between.
                var bytes = File.ReadAllBytes(path);
                var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
                if (!string.Equals(sha, spec.Sha256, StringComparison.OrdinalIgnoreCase))
                    throw new ModelLoadException($"graph '{spec.Role}': SHA-256 of '{spec.File}' is {sha}, the manifest says {spec.Sha256.ToLowerInvariant()}");
                var (session, options) = sessions.Create(bytes, $"{manifest.Name}/{spec.File}");
                graphs[spec.Role] = new OnnxGraph(manifest.Name, spec, session, options, observer, batching, batchObserver);
            }
            var errors = graphs.Values.SelectMany(g => g.CheckAgainstManifest()).Concat(ModelShapes.Check(manifest, graphs)).ToList();
            if (errors.Count > 0) throw new ModelLoadException(string.Join("; ", errors));
            return new OnnxModel(manifest, graphs);
        }
        catch
        {
            foreach (var g in graphs.Values) g.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var g in Graphs.Values) g.Dispose();
    }
}

/// <summary>A model folder that cannot be run, and why (relative file names only).</summary>
public sealed class ModelLoadException(string message) : Exception(message);
