using System.Text.Json;
using System.Text.Json.Nodes;
using GanService.Training.Training;

namespace GanService.Training.Checkpoints;

/// <summary>Where a run stands: enough to resume exactly (with the optimiser state files beside it).</summary>
public sealed record TrainingState(int Epoch, long Step, double ElapsedSeconds, int Seed = 0);

/// <summary>
/// A checkpoint folder: options.json (family + resolved options, so export rebuilds exactly what was trained),
/// state.json, &lt;module&gt;.weights (TorchSharp module.save) and &lt;optimizer&gt;.optim (every optimiser, or the save
/// fails). Written to a temporary folder and swapped in, so an interrupted or failed save never leaves a half checkpoint.
/// </summary>
public static class Checkpoint
{
    public const string OptionsFile = "options.json";
    public const string StateFile = "state.json";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void Save(string directory, string family, object options, TrainingState state,
        IReadOnlyDictionary<string, nn.Module> modules, IReadOnlyDictionary<string, optim.Optimizer>? optimizers = null)
    {
        FiniteGuard.RequireFinite(modules, $"checkpoint {directory}");
        string full = Path.GetFullPath(directory);
        string tmp = full + ".saving";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        var optionsNode = JsonSerializer.SerializeToNode(options, options.GetType(), Json)!.AsObject();
        var doc = new JsonObject { ["family"] = family, ["options"] = optionsNode };
        File.WriteAllText(Path.Combine(tmp, OptionsFile), doc.ToJsonString(Json));
        File.WriteAllText(Path.Combine(tmp, StateFile), JsonSerializer.Serialize(state, Json));
        foreach (var (name, m) in modules) m.save(Path.Combine(tmp, name + ".weights"));
        try
        {
            if (optimizers is not null)
                foreach (var (name, o) in optimizers) OptimizerStateFile(o, name).Save(Path.Combine(tmp, name + OptimizerExtension));
        }
        catch
        {
            Directory.Delete(tmp, true); // the previous checkpoint stays as it was
            throw;
        }
        string old = full + ".old";
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(full)) Directory.Move(full, old);
        Directory.Move(tmp, full);
        if (Directory.Exists(old)) Directory.Delete(old, true);
    }

    public static (string Family, T Options) ReadOptions<T>(string directory)
    {
        var path = Path.Combine(directory, OptionsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{directory} is not a checkpoint (no {OptionsFile})", path);
        var doc = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var family = doc["family"]?.GetValue<string>() ?? throw new InvalidDataException($"{path}: no family");
        // Options files from before a key was renamed (e.g. StyleGAN2's batch → batchSize) read as the current names.
        if (doc["options"] is JsonObject saved && typeof(T) != typeof(JsonObject)) Training.OptionsBinder.UpgradeFormerNames(saved, typeof(T));
        var options = doc["options"].Deserialize<T>(Json) ?? throw new InvalidDataException($"{path}: no options");
        return (family, options);
    }

    /// <summary>A checkpoint's options, refusing another family's checkpoint.</summary>
    public static T ReadOptions<T>(string directory, string family)
    {
        var (saved, options) = ReadOptions<T>(directory);
        if (!saved.Equals(family, StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"{directory} is a {saved} checkpoint, not {family}");
        return options;
    }

    public static string ReadFamily(string directory) => ReadOptions<JsonObject>(directory).Family;

    public static TrainingState ReadState(string directory) =>
        JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(Path.Combine(directory, StateFile)), Json)
        ?? throw new InvalidDataException($"{directory}: unreadable {StateFile}");

    public static void LoadModule(string directory, string name, nn.Module module) =>
        module.load(Path.Combine(directory, name + ".weights"));

    public const string OptimizerExtension = ".optim";

    /// <summary>Optimiser file names of older layouts of this project, by today's name: gan/dcgan/cgan runs saved
    /// "opt_G"/"opt_D" where every other family saved "G"/"D". Read as they are; the next save writes today's names.</summary>
    public static readonly IReadOnlyDictionary<string, string> LegacyOptimizerNames = new Dictionary<string, string> { ["G"] = "opt_G", ["D"] = "opt_D" };

    // A resumed run must continue with the optimiser state it stopped with (Adam's moments, step counts): an
    // optimiser type this cannot save is an error, never a checkpoint that silently resumes with fresh moments.
    private static (Action<string> Save, Action<string> Load) OptimizerStateFile(optim.Optimizer optimizer, string name) => optimizer switch
    {
        Training.ScalarSafeAdam sa => (sa.SaveAsAdam, sa.LoadAdam),
        TorchSharp.Modules.Adam a => (p => a.save_state_dict(p), p => a.load_state_dict(p)),
        TorchSharp.Modules.RMSProp r => (p => r.save_state_dict(p), p => r.load_state_dict(p)),
        TorchSharp.Modules.SGD sgd => (p => sgd.save_state_dict(p), p => sgd.load_state_dict(p)),
        _ => throw new NotSupportedException($"optimizer '{name}' is a {optimizer.GetType().Name}, which Checkpoint cannot save or load " +
            "(supported: ScalarSafeAdam, Adam, RMSProp, SGD); add it to Checkpoint.OptimizerStateFile"),
    };

    /// <summary>Loads &lt;name&gt;.optim (or its legacy name, see <see cref="LegacyOptimizerNames"/>) into the optimiser;
    /// a checkpoint without it cannot be resumed exactly, so that is an error naming both files.</summary>
    public static void LoadOptimizer(string directory, string name, optim.Optimizer optimizer)
    {
        var path = Path.Combine(directory, name + OptimizerExtension);
        if (!File.Exists(path) && LegacyOptimizerNames.TryGetValue(name, out var legacy) && File.Exists(Path.Combine(directory, legacy + OptimizerExtension)))
            path = Path.Combine(directory, legacy + OptimizerExtension);
        if (!File.Exists(path))
            throw new InvalidDataException($"{directory} has no optimizer state '{name}{OptimizerExtension}'" +
                (LegacyOptimizerNames.TryGetValue(name, out var l) ? $" (nor the older '{l}{OptimizerExtension}')" : "") +
                "; it cannot be resumed exactly (its weights can still be exported with gan export).");
        OptimizerStateFile(optimizer, name).Load(path);
    }
}
