using System.Globalization;
using System.Text.RegularExpressions;

namespace GanService.Training.Export;

/// <summary>
/// What a manifest says about how a model was made, in words that hold on any machine: the data's description (name,
/// size, licence — never the folder it was read from) and the training time with the kind of device. Also the check
/// that keeps one development machine's facts (absolute paths, its core count) out of what users get.
/// </summary>
public static partial class TrainingProvenance
{
    /// <summary>The description given at training time, else the dataset folder's own name (the last path segment) —
    /// a path is machine-specific and says nothing to the model's users.</summary>
    public static string DataDescription(string description, string dataPath)
    {
        if (!string.IsNullOrWhiteSpace(description)) return description;
        if (string.IsNullOrWhiteSpace(dataPath)) return "unspecified";
        var name = Path.GetFileName(dataPath.TrimEnd('/', '\\'));
        return name.Length == 0 ? "unspecified" : $"dataset '{name}'";
    }

    /// <summary>Recorded when a run starts without a description: the folder's name and how many training samples it held.</summary>
    public static string DescribeData(string description, string dataPath, long count) =>
        !string.IsNullOrWhiteSpace(description) ? description
            : string.IsNullOrWhiteSpace(dataPath) ? string.Create(CultureInfo.InvariantCulture, $"{count} samples")
            : string.Create(CultureInfo.InvariantCulture, $"{DataDescription("", dataPath)}, {count} samples");

    /// <summary>The manifest's licence: the data's licence given at training, else "unspecified".</summary>
    public static string License(Training.RunOptions o) => o.DataLicense != "" ? o.DataLicense : "unspecified";

    /// <summary>
    /// What a manifest says of how the model was trained: the data (described, never its path) and its licence — or
    /// "none (random initialisation)" without a checkpoint — and, when <paramref name="steps"/> is given and the
    /// checkpoint has a state file, the time on the run's device and the steps in the family's words.
    /// </summary>
    public static Contracts.TrainingInfo Describe(Training.RunOptions o, string? checkpoint, Func<Checkpoints.TrainingState, string>? steps = null)
    {
        if (checkpoint is null) return new Contracts.TrainingInfo("none (random initialisation)", "n/a", TrainerVersion: Onnx.OnnxExporter.ProducerVersion);
        var info = new Contracts.TrainingInfo(DataDescription(o.DataDescription, o.Data), License(o), TrainerVersion: Onnx.OnnxExporter.ProducerVersion);
        if (steps is null || !File.Exists(Path.Combine(checkpoint, Checkpoints.Checkpoint.StateFile))) return info;
        var state = Checkpoints.Checkpoint.ReadState(checkpoint);
        return info with { Duration = Duration(state.ElapsedSeconds, o.Device), Steps = steps(state) };
    }

    /// <summary>"12.3 min on CPU" / "12.3 min on CUDA GPU", from the checkpoint's elapsed seconds and the run's device.</summary>
    public static string Duration(double elapsedSeconds, string device) =>
        string.Create(CultureInfo.InvariantCulture, $"{elapsedSeconds / 60:0.#} min on {DeviceKind(device)}");

    public static string DeviceKind(string device) =>
        device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) ? "CUDA GPU" : "CPU";

    [GeneratedRegex(@"(?<![\w.:/~-])(/(tmp|work|root|home|Users|mnt|private)/|[A-Za-z]:\\)")]
    private static partial Regex LocalPath();

    [GeneratedRegex(@"\b\d+(\s*-\s*|\s+)(\w+\s+){0,2}(CPU\s+)?cores?\b|\bcores?\s+shared\b", RegexOptions.IgnoreCase)]
    private static partial Regex CoreCountProse();

    /// <summary>Each place in <paramref name="text"/> that describes one machine rather than the model: an absolute
    /// path of a development machine, or prose about its core count ("on 2 shared CPU cores"). Empty = clean.</summary>
    public static IReadOnlyList<string> MachineSpecific(string text) =>
        LocalPath().Matches(text).Select(m => $"absolute local path at '{Excerpt(text, m.Index)}'")
            .Concat(CoreCountProse().Matches(text).Select(m => $"core-count prose '{m.Value}'")).ToList();

    private static string Excerpt(string text, int index)
    {
        int end = index;
        while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] is not ('"' or '\'' or ')' or '`')) end++;
        return text[index..Math.Min(end, index + 80)];
    }
}
