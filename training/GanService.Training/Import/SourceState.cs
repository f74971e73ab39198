using System.Globalization;

namespace GanService.Training.Import;

/// <summary>One clear line about why a checkpoint cannot be imported (an unknown or missing key, an impossible shape).</summary>
public sealed class CheckpointImportException(string message) : Exception(message);

/// <summary>
/// A checkpoint's state dict with bookkeeping for a strict import: every source key is either taken (loaded into one of
/// our parameters or buffers) exactly once or dropped with a stated reason; <see cref="EnsureAllAccountedFor"/> fails on
/// the first key that was neither, naming it.
/// </summary>
public sealed class SourceState
{
    private readonly IReadOnlyDictionary<string, TorchTensor> _tensors;
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _dropped = new(StringComparer.Ordinal);

    /// <param name="describe">what the importer expects, used in error lines (e.g. "a junyanz ResnetGenerator")</param>
    public SourceState(IReadOnlyDictionary<string, TorchTensor> tensors, string describe)
    {
        Describe = describe;
        // nn.DataParallel checkpoints prefix every key with "module." (junyanz saves net.module when on GPU; others do not).
        if (tensors.Count > 0 && tensors.Keys.All(k => k.StartsWith("module.", StringComparison.Ordinal)))
        {
            _tensors = tensors.ToDictionary(kv => kv.Key["module.".Length..], kv => kv.Value, StringComparer.Ordinal);
            StrippedDataParallelPrefix = true;
        }
        else _tensors = tensors;
    }

    public string Describe { get; set; }
    public bool StrippedDataParallelPrefix { get; }
    public IEnumerable<string> Keys => _tensors.Keys;
    public int Count => _tensors.Count;
    public bool Has(string key) => _tensors.ContainsKey(key);
    public TorchTensor? Peek(string key) => _tensors.GetValueOrDefault(key);
    public IReadOnlyDictionary<string, string> Dropped => _dropped;

    /// <summary>The tensor's shape, or a clear failure when the key is missing.</summary>
    public long[] Shape(string key) => (Peek(key) ?? throw Missing(key)).Shape;

    public TorchTensor Take(string key, string forWhat)
    {
        var t = Peek(key) ?? throw Missing(key, forWhat);
        if (!_taken.Add(key)) throw new CheckpointImportException($"key '{key}' would be loaded twice (for {forWhat})");
        if (_dropped.ContainsKey(key)) throw new CheckpointImportException($"key '{key}' was dropped as {_dropped[key]} but {forWhat} needs it");
        return t;
    }

    public void Drop(string key, string reason)
    {
        if (Has(key) && !_taken.Contains(key)) _dropped[key] = reason;
    }

    public void DropWhere(Func<string, bool> predicate, string reason)
    {
        foreach (var k in _tensors.Keys.Where(predicate).ToArray()) Drop(k, reason);
    }

    /// <summary>Fails on the first key (in file order) neither loaded nor dropped.</summary>
    public void EnsureAllAccountedFor()
    {
        var unused = _tensors.Keys.Where(k => !_taken.Contains(k) && !_dropped.ContainsKey(k)).ToList();
        if (unused.Count == 0) return;
        string more = unused.Count > 1 ? $" (and {unused.Count - 1} more: {string.Join(", ", unused.Skip(1).Take(3))}{(unused.Count > 4 ? ", …" : "")})" : "";
        throw new CheckpointImportException($"unexpected key '{unused[0]}' {Format(_tensors[unused[0]].Shape)}: not part of {Describe}{more}");
    }

    public CheckpointImportException Missing(string key, string? forWhat = null) =>
        new($"missing key '{key}'{(forWhat is null ? "" : $" (needed for {forWhat})")}: the file is not {Describe}{Sample()}");

    /// <summary>A few of the file's keys, so a wrong-family file says what it holds.</summary>
    public string Sample() => _tensors.Count == 0 ? "; the file holds no tensors"
        : $"; the file's keys start {string.Join(", ", _tensors.Keys.Take(3))}";

    public static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}

/// <summary>
/// Loads a checkpoint into one of our networks strictly: each of the network's parameters and buffers is set exactly once
/// from the source key <c>sourceKeyOf</c> names, with an equal shape; anything else fails naming the key and the reason.
/// </summary>
public static class StrictLoader
{
    public static void Load(nn.Module module, SourceState source, Func<string, string> sourceKeyOf)
    {
        var targets = module.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
            .Concat(module.named_buffers().Select(b => (b.name, b.buffer)));
        using var _ = torch.no_grad();
        foreach (var (name, target) in targets)
        {
            string key = sourceKeyOf(name);
            var t = source.Take(key, $"our '{name}'");
            if (!t.Shape.SequenceEqual(target.shape))
                throw new CheckpointImportException(
                    $"key '{key}' has shape {SourceState.Format(t.Shape)}, but {source.Describe} needs {SourceState.Format(target.shape)} for it");
            using var value = torch.tensor(t.Data, target.shape, dtype: ScalarType.Float32);
            target.copy_(value);
        }
    }
}
