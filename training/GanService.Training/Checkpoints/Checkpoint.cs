using System.Text.Json;
using System.Text.Json.Nodes;

namespace GanService.Training.Checkpoints;

/// <summary>Where a run stands: enough to resume exactly (with the optimiser state files beside it).</summary>
public sealed record TrainingState(int Epoch, long Step, double ElapsedSeconds, int Seed = 0);

/// <summary>
/// A checkpoint folder: options.json (family + resolved options, so export rebuilds exactly what was trained),
/// state.json, &lt;module&gt;.weights (TorchSharp module.save) and &lt;optimizer&gt;.optim (optimizer.save_state_dict).
/// Written to a temporary folder and swapped in, so an interrupted save never leaves a half checkpoint.
/// </summary>
public static class Checkpoint
{
    public const string OptionsFile = "options.json";
    public const string StateFile = "state.json";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void Save(string directory, string family, object options, TrainingState state,
        IReadOnlyDictionary<string, nn.Module> modules, IReadOnlyDictionary<string, optim.Optimizer>? optimizers = null)
    {
        string full = Path.GetFullPath(directory);
        string tmp = full + ".saving";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        var optionsNode = JsonSerializer.SerializeToNode(options, options.GetType(), Json)!.AsObject();
        var doc = new JsonObject { ["family"] = family, ["options"] = optionsNode };
        File.WriteAllText(Path.Combine(tmp, OptionsFile), doc.ToJsonString(Json));
        File.WriteAllText(Path.Combine(tmp, StateFile), JsonSerializer.Serialize(state, Json));
        foreach (var (name, m) in modules) m.save(Path.Combine(tmp, name + ".weights"));
        if (optimizers is not null)
            foreach (var (name, o) in optimizers)
                switch (o)
                {
                    case Training.ScalarSafeAdam sa: sa.SaveAsAdam(Path.Combine(tmp, name + ".optim")); break;
                    case TorchSharp.Modules.Adam a: a.save_state_dict(Path.Combine(tmp, name + ".optim")); break;
                    case TorchSharp.Modules.RMSProp r: r.save_state_dict(Path.Combine(tmp, name + ".optim")); break;
                    case TorchSharp.Modules.SGD s: s.save_state_dict(Path.Combine(tmp, name + ".optim")); break;
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

    public static string ReadFamily(string directory) => ReadOptions<JsonObject>(directory).Family;

    public static TrainingState ReadState(string directory) =>
        JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(Path.Combine(directory, StateFile)), Json)
        ?? throw new InvalidDataException($"{directory}: unreadable {StateFile}");

    public static void LoadModule(string directory, string name, nn.Module module) =>
        module.load(Path.Combine(directory, name + ".weights"));

    public static void LoadOptimizer(string directory, string name, optim.Optimizer optimizer)
    {
        var path = Path.Combine(directory, name + ".optim");
        if (!File.Exists(path)) return;
        switch (optimizer)
        {
            case Training.ScalarSafeAdam sa: sa.LoadAdam(path); break;
            case TorchSharp.Modules.Adam a: a.load_state_dict(path); break;
            case TorchSharp.Modules.RMSProp r: r.load_state_dict(path); break;
            case TorchSharp.Modules.SGD s: s.load_state_dict(path); break;
        }
    }
}
