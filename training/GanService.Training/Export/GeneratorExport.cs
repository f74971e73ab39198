using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Training;

namespace GanService.Training.Export;

/// <summary>What one export was asked for.</summary>
/// <param name="Checkpoint">The checkpoint folder; null = a random initialisation.</param>
/// <param name="Weights">The saved generator to export (G_ema or G; <see cref="ExportOptions.GeneratorWeights"/>).</param>
/// <param name="Settings">The export-only <c>--set</c> keys a family reads (psi, cutoff, direction, …), by key.</param>
public sealed record ExportRequest(string? Checkpoint, string Weights = "G_ema", IReadOnlyDictionary<string, string>? Settings = null)
{
    /// <summary>An export-only setting's value, null when not given.</summary>
    public string? Setting(string key) => Settings is not null && Settings.TryGetValue(key, out var v) ? v : null;
}

/// <summary>
/// The export skeleton of a family trained here (`gan export NAME`): pick the weights (<c>--set weights</c> where the
/// run keeps an EMA generator) → the options (a checkpoint's, exactly as trained; or <see cref="Defaults"/> with
/// <c>--set</c> for a random init) → the generator with the checkpoint's weights loaded → its graphs (signature →
/// ONNX) → the manifest draft (<see cref="ManifestDraft.Trained"/>); `gan export` then writes the folder atomically
/// (<see cref="ModelPackage.Write"/>). A family writes only what is its own: how its generator is built and loaded,
/// its graphs, how its steps read, and what it adds to the manifest (labels, style, text).
/// </summary>
public abstract class GeneratorExport<TOptions, TGenerator> : IExportableFamily where TOptions : RunOptions
{
    public abstract string Name { get; }
    public abstract string Description { get; }

    /// <summary>True where the run keeps an EMA generator: <c>--set weights=G_ema|G</c> picks the one exported.</summary>
    protected virtual bool ChoosesWeights => false;
    /// <summary>The family's export-only <c>--set</c> keys (not fields of its options) for an export from
    /// <paramref name="checkpoint"/> (null: a random init), read into <see cref="ExportRequest.Settings"/>.</summary>
    protected virtual IReadOnlyList<string> SettingKeys(string? checkpoint) => [];

    /// <summary>The options a random initialisation starts from, before <c>--set</c>.</summary>
    protected abstract TOptions Defaults();
    /// <summary>"ProGAN generator": what a random initialisation's description calls the model.</summary>
    protected abstract string What(TOptions o, ExportRequest request);
    /// <summary>The generator the options describe, with the checkpoint's weights loaded (as initialised without one);
    /// returns it and the manifest's words for which weights those are (null where the family has no choice).</summary>
    protected abstract (TGenerator Generator, string? Weights) Load(TOptions o, ExportRequest request);
    /// <summary>The generator's graphs (exported in eval mode), with their tensor roles.</summary>
    protected abstract IReadOnlyList<PackagedGraph> Graphs(TGenerator g, TOptions o, ExportRequest request);
    /// <summary>The checkpoint's training steps in the family's words (<paramref name="weights"/>: <see cref="Load"/>'s).</summary>
    protected abstract string Steps(TOptions o, TrainingState state, string? weights);

    /// <summary>A checkpoint of this family's options, or the defaults with <c>--set</c> (<see cref="ExportOptions.Resolve{T}"/>).</summary>
    protected virtual TOptions Options(string? checkpoint, IReadOnlyDictionary<string, string> overrides) =>
        ExportOptions.Resolve(checkpoint, overrides, Defaults(), Name);
    /// <summary>The manifest's family (a family registered under several names records the run's).</summary>
    protected virtual string Family(TOptions o) => Name;
    /// <summary>The description of a trained model (a random initialisation's is <see cref="ManifestDraft.RandomInit"/>).</summary>
    protected virtual string? TrainedDescription(TOptions o, ExportRequest request) => null;
    /// <summary>What only this family puts in the manifest (labels, style, text, a latent distribution).</summary>
    protected virtual ModelManifest Complete(ModelManifest draft, TGenerator g, TOptions o, ExportRequest request) => draft;
    /// <summary>For graphs exported with free height and width: the size trained at and the sizes taken (null: fixed).</summary>
    protected virtual FreeSize? FreeSize(TOptions o) => null;

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint,
        IReadOnlyDictionary<string, string> overrides)
    {
        var (weights, rest) = ChoosesWeights ? ExportOptions.GeneratorWeights(overrides) : ("G_ema", overrides);
        var settings = new Dictionary<string, string>();
        foreach (var key in SettingKeys(checkpoint))
        {
            (var value, rest) = ExportOptions.Take(rest, key);
            if (value is not null) settings[key] = value;
        }
        var request = new ExportRequest(checkpoint, weights, settings);
        var o = Options(checkpoint, rest);
        var (g, words) = Load(o, request);
        return Export(g, o, modelName, request, words);
    }

    /// <summary>The graphs and manifest draft of a generator already built (and loaded): the second half of
    /// <see cref="BuildExport"/>, for callers that hold a generator.</summary>
    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) Export(TGenerator g, TOptions o, string modelName,
        ExportRequest request, string? weights = null)
    {
        var graphs = Graphs(g, o, request);
        var draft = ManifestDraft.Trained(modelName, Family(o), graphs, o, request.Checkpoint, What(o, request),
            state => Steps(o, state, weights), TrainedDescription(o, request), FreeSize(o));
        return (Complete(draft, g, o, request), graphs);
    }
}
