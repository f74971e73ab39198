namespace GanService.Training.Import;

/// <summary>Turns what <see cref="TorchFile.Load(string, TorchLoadOptions?)"/> returns into flat state dicts, keys in file order.</summary>
public static class StateDicts
{
    // A real state dict nests a few levels; a hostile one must not recurse without bound, nor, by referring to one
    // dict many times over (the memo makes that a few bytes per level), make the walk exponential.
    private const int MaxDepth = 64;
    private const int MaxVisits = 1_000_000;

    private sealed class Walk
    {
        public OrderedDictionary<string, TorchTensor> Into { get; } = new();
        private int _visits;

        public void Visit(string prefix, int depth)
        {
            if (depth > MaxDepth) throw Fail($"nested deeper than {MaxDepth} levels at '{prefix}'");
            if (++_visits > MaxVisits) throw Fail($"more than {MaxVisits} nested dicts or modules; refused");
        }
    }

    /// <summary>
    /// A state_dict (dict / OrderedDict of tensors). Nested dicts are flattened with '.', as in
    /// <c>{"g_ema": {...}}</c> → "g_ema.style.1.weight". Values that are neither tensors nor dicts (numbers, strings,
    /// None, records such as argparse.Namespace) are not weights and are skipped.
    /// </summary>
    public static IReadOnlyDictionary<string, TorchTensor> FromDict(object? dict)
    {
        if (dict is not Dictionary<string, object?> d)
            throw Fail($"expected a dict of tensors, found {PickleReader.Describe(dict)}");
        var walk = new Walk();
        AddDict(d, "", walk, 0);
        return walk.Into;
    }

    private static void AddDict(Dictionary<string, object?> d, string prefix, Walk walk, int depth)
    {
        walk.Visit(prefix, depth);
        foreach (var (key, value) in d)
        {
            switch (value)
            {
                case TorchTensor t: Add(walk.Into, prefix + key, t); break;
                case Dictionary<string, object?> inner: AddDict(inner, prefix + key + ".", walk, depth + 1); break;
            }
        }
    }

    /// <summary>
    /// A module record (an nn.Module pickled by class, an NVlabs persistent object, or such a module's
    /// <c>__dict__</c>): its <c>_parameters</c>, then its persistent <c>_buffers</c>, then each of its
    /// <c>_modules</c> under "name.", recursively — the keys and order of torch's <c>state_dict()</c>. None entries
    /// (an optional bias left out) are skipped, as torch skips them.
    /// </summary>
    public static IReadOnlyDictionary<string, TorchTensor> FromModule(object? module)
    {
        var walk = new Walk();
        AddModule(module, "", walk, 0);
        return walk.Into;
    }

    private static void AddModule(object? module, string prefix, Walk walk, int depth)
    {
        walk.Visit(prefix, depth);
        var state = module switch
        {
            PickleObject { State: Dictionary<string, object?> s } => s,
            Dictionary<string, object?> s when s.ContainsKey("_modules") => s,
            _ => throw Fail(
                $"'{prefix.TrimEnd('.')}' is {PickleReader.Describe(module)}, not a module record with _parameters, _buffers and _modules"),
        };
        var nonPersistent = state.GetValueOrDefault("_non_persistent_buffers_set") as HashSet<object?> ?? [];
        foreach (var (name, value) in Entries(state, "_parameters", prefix))
            if (value is TorchTensor t) Add(walk.Into, prefix + name, t);
        foreach (var (name, value) in Entries(state, "_buffers", prefix))
            if (value is TorchTensor t && !nonPersistent.Contains(name)) Add(walk.Into, prefix + name, t);
        foreach (var (name, child) in Entries(state, "_modules", prefix))
            if (child is not null) AddModule(child, prefix + name + ".", walk, depth + 1);
    }

    private static Dictionary<string, object?> Entries(Dictionary<string, object?> state, string field, string prefix) =>
        state.GetValueOrDefault(field) switch
        {
            Dictionary<string, object?> d => d,
            null => [],
            var other => throw Fail($"'{prefix}{field}' is {PickleReader.Describe(other)}, not a dict"),
        };

    private static TorchFileException Fail(string message) => new(TorchFile.OneLine(message));

    private static void Add(OrderedDictionary<string, TorchTensor> into, string key, TorchTensor t)
    {
        if (!into.TryAdd(key, t)) throw Fail($"the key '{key}' occurs twice");
    }
}
