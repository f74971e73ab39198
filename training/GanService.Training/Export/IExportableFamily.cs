using GanService.Contracts;

namespace GanService.Training.Export;

/// <summary>
/// What `gan export` needs from a family: rebuild the generator(s) from a checkpoint (or randomly initialised from
/// options), and produce the ONNX graphs + manifest draft. Registered with its family in <see cref="Families.GanFamilies"/>.
/// </summary>
public interface IExportableFamily
{
    string Name { get; }
    string Description { get; }

    /// <summary>Builds the graphs to package. <paramref name="checkpoint"/> null = random init with default options
    /// (optionally overridden by <paramref name="overrides"/>, e.g. "size=64").</summary>
    (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint,
        IReadOnlyDictionary<string, string> overrides);
}

/// <summary>The options an export builds its generator from.</summary>
public static class ExportOptions
{
    /// <summary>A checkpoint's options (it decides the architecture, so <c>--set</c> is refused, and it must be
    /// <paramref name="family"/>'s), or <paramref name="defaults"/> with the <c>--set</c> overrides applied for a random
    /// initialisation.</summary>
    public static T Resolve<T>(string? checkpoint, IReadOnlyDictionary<string, string> overrides, T defaults, string family) where T : class
    {
        if (checkpoint is null) return Training.OptionsBinder.Apply(defaults, overrides);
        if (overrides.Count > 0) throw new ArgumentException($"--set {string.Join(", ", overrides.Keys)}: the options come from the checkpoint");
        return Checkpoints.Checkpoint.ReadOptions<T>(checkpoint, family);
    }

    /// <summary>
    /// <c>--set weights=G_ema|G</c> of the families that keep an EMA generator (default G_ema): which saved generator to
    /// export. A short run's EMA (β 0.999 ≈ the last 1,000 steps) still holds much of the initialisation — and in a
    /// growing ProGAN, the initialisation of the newest blocks — so the live G can be the better export early on.
    /// Returns the choice and the remaining overrides.
    /// </summary>
    public static (string Weights, IReadOnlyDictionary<string, string> Others) GeneratorWeights(IReadOnlyDictionary<string, string> overrides)
    {
        var (w, rest) = Take(overrides, "weights");
        string weights = w ?? "G_ema";
        if (weights is not ("G_ema" or "G")) throw new ArgumentException($"--set weights must be G_ema or G, got '{weights}'");
        return (weights, rest);
    }

    /// <summary>An export-only <c>--set</c> key (not a field of the family's options): its value (null when absent; the
    /// key matches ignoring case) and the other overrides, which go on to <see cref="Resolve{T}"/>.</summary>
    public static (string? Value, IReadOnlyDictionary<string, string> Others) Take(IReadOnlyDictionary<string, string> overrides, string key)
    {
        string? value = null;
        var rest = new Dictionary<string, string>();
        foreach (var (k, v) in overrides)
            if (k.Equals(key, StringComparison.OrdinalIgnoreCase)) value = v;
            else rest[k] = v;
        return (value, rest);
    }

    /// <summary>Class names for a run that gave none: "0" … "n−1", the class indices.</summary>
    public static string[] IndexNames(int count) =>
        Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The manifest's words for <see cref="GeneratorWeights"/>' choice.</summary>
    public static string DescribeWeights(string weights, double emaBeta) =>
        weights == "G" ? "live generator (not the EMA)" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"EMA generator β {emaBeta}");
}

/// <summary>The families `gan export` knows: the exports of the one registry, <see cref="Families.GanFamilies"/>.</summary>
public static class FamilyRegistry
{
    public static IEnumerable<IExportableFamily> All => Families.GanFamilies.All.Select(f => f.Export).OfType<IExportableFamily>();

    public static IExportableFamily Get(string name) =>
        All.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown family '{name}'; known: {string.Join(", ", All.Select(f => f.Name).Order())}");
}
