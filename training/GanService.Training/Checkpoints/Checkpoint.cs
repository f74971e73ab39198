using System.Text.Json;
using System.Text.Json.Nodes;
using GanService.Training.Training;

namespace GanService.Training.Checkpoints;

/// <summary>Where a run stands: enough to resume exactly (with the optimiser state files beside it).</summary>
public sealed record TrainingState(int Epoch, long Step, double ElapsedSeconds, int Seed = 0);

/// <summary>What <see cref="Checkpoint.Transfer"/> copied into one network: <paramref name="Copied"/> of its
/// <paramref name="Total"/> tensors; <paramref name="Fresh"/> kept their own values (absent from the checkpoint or of
/// another shape: <paramref name="OtherShape"/>); <paramref name="Unused"/> are the checkpoint's tensors this network
/// has no place for.</summary>
public sealed record TransferReport(string Network, int Copied, int Total, IReadOnlyList<string> Fresh, IReadOnlyList<string> OtherShape, IReadOnlyList<string> Unused)
{
    /// <summary>Values (elements of every tensor) copied, and the network's total: a few biases, filters and scalars
    /// fit any width, so the share of values says whether the checkpoint fits.</summary>
    public long CopiedValues { get; init; }
    /// <summary>Tensors copied into a wider one of this network (among <c>Copied</c>), as "name [from] → [to]".</summary>
    public IReadOnlyList<string> Widened { get; init; } = [];
    public long Values { get; init; }
    public double CopiedShare => Values == 0 ? 1 : (double)CopiedValues / Values;

    /// <summary>One line for the run's log, naming the blocks that keep their own initialisation.</summary>
    public string Describe()
    {
        // "synthesis.b64.conv0.weight" → "synthesis.b64": the tensor's name without its last part, at most two parts deep.
        static string Blocks(IEnumerable<string> names) => string.Join(", ", names.Select(n =>
        {
            var parts = n.Split('.');
            return string.Join('.', parts.Take(Math.Clamp(parts.Length - 1, 1, 2)));
        }).Distinct());
        var line = $"init-from: {Network}: {Copied} of {Total} tensors copied ({CopiedShare:P1} of its values)";
        if (Widened.Count > 0) line += $"; widened: {Widened.Count} ({Blocks(Widened.Select(w => w.Split(' ')[0]))})";
        if (Fresh.Count > 0) line += $"; own initialisation: {Fresh.Count} ({Blocks(Fresh)})";
        if (Unused.Count > 0) line += $"; not used from the checkpoint: {Unused.Count} ({Blocks(Unused)})";
        return line;
    }
}

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

    /// <summary>Copies into <paramref name="module"/> every tensor of &lt;name&gt;.weights whose name and shape (and
    /// element type) match one of its parameters or buffers; null when the checkpoint has no such file. The rest of the
    /// module is left as it is and listed in the report. Used to start a new run from another one
    /// (<see cref="TrainingLoop.InitFrom{TInput}"/>).
    /// <para>With <paramref name="widen"/>, a checkpoint tensor of the same rank that is nowhere larger than this run's
    /// and smaller in some dimension (a layer of a run with fewer channels) is widened into this one, Net2WiderNet's
    /// idea with a zero fill: the checkpoint's values go to the leading slice; the other inputs of the rows it fills
    /// (dimension 1 on) are zero, so a layer's old outputs ignore the new channels feeding it; its new rows (output
    /// channels, biases) keep the module's initialisation and start to matter as the zeros above them are trained. A
    /// network widened this way computes what the narrower one did wherever the new channels are appended after the old
    /// ones. With <paramref name="fanInScaled"/> (equalized learning rate: 1/√fan-in applied at run time) the copied
    /// values are multiplied by √(new fan-in / old fan-in) so that their run-time scale is unchanged.</para></summary>
    public static TransferReport? Transfer(string directory, string name, nn.Module module, bool widen = false, bool fanInScaled = false)
    {
        var path = Path.Combine(directory, name + ".weights");
        if (!File.Exists(path)) return null;
        var target = module.state_dict();
        var copied = new List<string>();
        var widened = new List<string>();
        var otherShape = new List<string>();
        var unused = new List<string>();
        long copiedValues = 0;
        using (var reader = new BinaryReader(File.OpenRead(path)))
        using (torch.no_grad())
        {
            long count = Leb128(reader);
            for (long i = 0; i < count; i++)
            {
                // TorchSharp's module.save layout: the key, then dtype, rank, each dimension (LEB128) and the raw bytes.
                string key = reader.ReadString();
                var dtype = (ScalarType)Leb128(reader);
                var shape = new long[Leb128(reader)];
                for (int d = 0; d < shape.Length; d++) shape[d] = Leb128(reader);
                using var source = torch.empty(shape, dtype);
                long bytes = source.NumberOfElements * source.ElementSize;
                if (bytes > int.MaxValue) throw new InvalidDataException($"{path}: tensor '{key}' is over 2 GB");
                var data = reader.ReadBytes((int)bytes);
                if (data.Length != bytes) throw new InvalidDataException($"{path}: ends inside tensor '{key}'");
                if (!target.TryGetValue(key, out var t)) { unused.Add(key); continue; }
                bool same = t.dtype == dtype && t.shape.SequenceEqual(shape);
                bool widens = widen && !same && t.dtype == dtype && shape.Length > 0 && t.shape.Length == shape.Length
                    && t.shape.Zip(shape).All(d => d.First >= d.Second);
                if (!same && !widens)
                {
                    otherShape.Add($"{key} [{string.Join("×", shape)}] → [{string.Join("×", t.shape)}]");
                    continue;
                }
                source.bytes = data;
                if (same) { t.copy_(source); copied.Add(key); }
                else
                {
                    using var views = torch.NewDisposeScope();
                    var rows = t.narrow(0, 0, shape[0]);
                    if (shape.Length > 1) rows.zero_();
                    double fanIn(long[] s) => s.Skip(1).Aggregate(1.0, (a, d) => a * d);
                    double scale = fanInScaled && shape.Length > 1 ? Math.Sqrt(fanIn(t.shape) / fanIn(shape)) : 1;
                    var slice = t;
                    for (int d = 0; d < shape.Length; d++) slice = slice.narrow(d, 0, shape[d]);
                    slice.copy_(scale == 1 ? source : source * scale);
                    widened.Add($"{key} [{string.Join("×", shape)}] → [{string.Join("×", t.shape)}]");
                    copied.Add(key);
                }
                copiedValues += source.numel();
            }
        }
        var fresh = target.Keys.Except(copied).ToList();
        return new TransferReport(name, copied.Count, target.Count, fresh, otherShape, unused)
        {
            Widened = widened,
            CopiedValues = copiedValues,
            Values = target.Values.Sum(t => t.numel()),
        };
    }

    // The unsigned LEB128 integers of TorchSharp's format (its own decoder is internal to TorchSharp).
    private static long Leb128(BinaryReader reader)
    {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = reader.ReadByte();
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("a length in the weights file is not a LEB128 integer");
    }

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
