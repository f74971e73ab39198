using System.Text;

namespace GanService.Training.Import;

/// <summary>Options for <see cref="TorchFile.Load(string, TorchLoadOptions?)"/>.</summary>
public sealed record TorchLoadOptions
{
    /// <summary>
    /// Accept a whole nn.Module pickled by class (<c>torch.save(model)</c>): a GLOBAL naming a class that is not on the
    /// allow-list then yields an inert class reference, which only NEWOBJ with no arguments and BUILD can use (they make
    /// a <see cref="PickleObject"/> holding the module's <c>__dict__</c>); calling it (REDUCE, INST, OBJ) is still
    /// refused. Off by default, so that a checkpoint naming any global outside the allow-list is refused at that global.
    /// Nothing is executed either way: the reader has no way to run Python.
    /// </summary>
    public bool ModuleClasses { get; init; }
}

/// <summary>A global on the allow-list: what REDUCE and NEWOBJ may do with it, or the constant it stands for.</summary>
internal sealed class AllowedGlobal(string module, string name, Func<object?[], object?>? call = null,
    Func<object?[], object?>? construct = null, object? tag = null)
{
    public string FullName { get; } = $"{module}.{name}";
    public Func<object?[], object?>? Call { get; } = call;
    public Func<object?[], object?>? Construct { get; } = construct;
    /// <summary>A storage class or dtype (<see cref="StorageKind"/>) this global names.</summary>
    public object? Tag { get; } = tag;
    public override string ToString() => FullName;
}

/// <summary>A class outside the allow-list, accepted only under <see cref="TorchLoadOptions.ModuleClasses"/>.</summary>
internal sealed class ModuleClassRef(string module, string name)
{
    public string Module { get; } = module;
    public string Name { get; } = name;
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>numpy.dtype('f8', …): the type code and the byte order its BUILD state sets.</summary>
internal sealed class NumpyDType(string code)
{
    public string Code { get; } = code;
    public char ByteOrder { get; set; } = '<';
    public override string ToString() => $"numpy.dtype('{Code}')";
}

/// <summary>
/// The allow-list and object model of PyTorch files. Allowed globals and what they become:
/// <list type="bullet">
/// <item>torch._utils._rebuild_tensor / _rebuild_tensor_v2 / _rebuild_tensor_v3, _rebuild_parameter(_with_state),
/// torch._tensor._rebuild_from_type_v2 (with torch.Tensor / torch.nn.parameter.Parameter) → <see cref="TorchTensor"/>;</item>
/// <item>torch.&lt;X&gt;Storage and torch.cuda.&lt;X&gt;Storage for float/double/half/bfloat16/long/int/short/char/byte/bool,
/// torch.UntypedStorage, torch dtypes (torch.float32 …): constants used by the above;</item>
/// <item>torch.storage._load_from_bytes (an embedded torch.save blob, one level deep), torch.Size → tuple,
/// torch.device → string;</item>
/// <item>collections.OrderedDict, dnnlib.util.EasyDict → dict; builtins.set / frozenset → set; argparse.Namespace →
/// <see cref="PickleObject"/>; _codecs.encode(str, 'latin1') → bytes (protocol-2 bytes);
/// numpy.core.multiarray.scalar + numpy.dtype → number;</item>
/// <item>torch_utils.persistence._reconstruct_persistent_obj(meta) → <see cref="PickleObject"/> whose State is
/// meta['state'] and whose Args hold meta itself; meta['module_src'] stays a string and is never run.</item>
/// </list>
/// Any other global is refused at the GLOBAL / STACK_GLOBAL / INST opcode that names it, before the next opcode,
/// unless <see cref="TorchLoadOptions.ModuleClasses"/> asks for inert module classes.
/// </summary>
internal sealed class TorchPickleHost : IPickleHost
{
    private readonly string _source;
    private readonly TorchLoadOptions _options;
    private readonly Func<object?[], object?>? _persistentLoad;
    private readonly Func<byte[], object?>? _loadEmbedded;
    private readonly Dictionary<string, AllowedGlobal> _allowed = [];

    /// <param name="persistentLoad">the container's storage resolver; null where a persistent id has no meaning</param>
    /// <param name="loadEmbedded">reads a torch.save blob for torch.storage._load_from_bytes; null inside such a blob</param>
    public TorchPickleHost(string source, TorchLoadOptions options, Func<object?[], object?>? persistentLoad,
        Func<byte[], object?>? loadEmbedded)
    {
        _source = source;
        _options = options;
        _persistentLoad = persistentLoad;
        _loadEmbedded = loadEmbedded;
        RegisterAllowList();
    }

    private void Allow(string module, string name, Func<object?[], object?>? call = null,
        Func<object?[], object?>? construct = null, object? tag = null) =>
        _allowed[$"{module}.{name}"] = new AllowedGlobal(module, name, call, construct, tag);

    private void RegisterAllowList()
    {
        foreach (var (cls, kind) in StorageKind.ByStorageClass)
        {
            Allow("torch", cls, tag: kind);
            Allow("torch.cuda", cls, tag: kind);
        }
        Allow("torch", "UntypedStorage", tag: StorageKind.UInt8);
        Allow("torch.storage", "UntypedStorage", tag: StorageKind.UInt8);
        foreach (var (name, kind) in StorageKind.ByDTypeName) Allow("torch", name, tag: kind);

        Allow("torch._utils", "_rebuild_tensor", call: a => RebuildTensor(a, 4, "_rebuild_tensor"));
        Allow("torch._utils", "_rebuild_tensor_v2", call: a => RebuildTensor(a, 6, "_rebuild_tensor_v2"));
        Allow("torch._utils", "_rebuild_tensor_v3", call: RebuildTensorV3);
        Allow("torch._utils", "_rebuild_parameter", call: a => RebuildParameter(a, 3));
        Allow("torch._utils", "_rebuild_parameter_with_state", call: a => RebuildParameter(a, 4));
        Allow("torch._tensor", "_rebuild_from_type_v2", call: RebuildFromType);
        Allow("torch", "Tensor");
        Allow("torch.nn.parameter", "Parameter");
        Allow("torch", "Size", call: a => a.Length == 0 ? Array.Empty<object?>()
            : a[0] is IEnumerable<object?> dims ? dims.ToArray() : throw Bad("torch.Size of something other than a tuple"));
        Allow("torch", "device", call: a => string.Join(":", a.Select(PickleReader.KeyString)));
        Allow("torch.storage", "_load_from_bytes", call: LoadFromBytes);

        Allow("collections", "OrderedDict", call: NewDict, construct: NewDict);
        Allow("dnnlib.util", "EasyDict", call: NewDict, construct: NewDict);
        Allow("builtins", "set", call: NewSet);
        Allow("builtins", "frozenset", call: NewSet);
        Allow("argparse", "Namespace", call: NewNamespace, construct: NewNamespace);
        Allow("_codecs", "encode", call: CodecsEncode);
        Allow("numpy.core.multiarray", "scalar", call: NumpyScalar);
        Allow("numpy._core.multiarray", "scalar", call: NumpyScalar);
        Allow("numpy", "dtype", call: a => new NumpyDType(Arg(a, 0, "numpy.dtype") as string ?? throw Bad("numpy.dtype without a type code")));
        Allow("torch_utils.persistence", "_reconstruct_persistent_obj", call: ReconstructPersistent);
    }

    public object ResolveGlobal(string module, string name)
    {
        // Python 2 pickles name the builtins module differently (as pickle's own fix_imports maps them).
        if (module == "__builtin__") module = "builtins";
        if (_allowed.TryGetValue($"{module}.{name}", out var g)) return g;
        if (_options.ModuleClasses) return new ModuleClassRef(module, name);
        throw Refused($"{module}.{name}");
    }

    public object? Call(object? callable, object?[] args) => callable switch
    {
        AllowedGlobal { Call: { } call } => call(args),
        AllowedGlobal g => throw Bad($"the pickle calls {g.FullName}, which is not a function here"),
        ModuleClassRef m => throw new TorchFileException(
            $"{_source}: refused: the pickle calls '{m}' with arguments (REDUCE/INST/OBJ); only the no-argument form of a module class is read, and nothing is run"),
        _ => throw Bad($"the pickle calls {PickleReader.Describe(callable)}, which is not callable"),
    };

    public object? NewObject(object? cls, object?[] args) => cls switch
    {
        AllowedGlobal { Construct: { } construct } => construct(args),
        ModuleClassRef m when args.Length == 0 => new PickleObject(m.Module, m.Name, Array.Empty<object?>(), null),
        ModuleClassRef m => throw new TorchFileException(
            $"{_source}: refused: the pickle constructs '{m}' with arguments; only the no-argument form of a module class is read"),
        AllowedGlobal g => throw Bad($"the pickle constructs {g.FullName}, which is not a class here"),
        _ => throw Bad($"NEWOBJ of {PickleReader.Describe(cls)}"),
    };

    public void Build(object? target, object? state)
    {
        switch (target)
        {
            case PickleObject p:
                p.State = MergeState(p.State, state);
                break;
            case Dictionary<string, object?>:
                // OrderedDict's and EasyDict's instance __dict__ (state_dict's `_metadata` versions): not data.
                break;
            case NumpyDType dt:
                // numpy.dtype's state: (version, byte order, subarray, names, fields, elsize, alignment, flags).
                if (state is object?[] { Length: > 1 } t && t[1] is string order && order.Length == 1) dt.ByteOrder = order[0];
                break;
            default:
                throw Bad($"BUILD on {PickleReader.Describe(target)}");
        }
    }

    public object? PersistentLoad(object? pid)
    {
        if (_persistentLoad is null) throw Bad("a persistent id where this container has none");
        if (pid is not object?[] tuple || tuple.Length == 0) throw Bad($"a persistent id that is not a tuple ({PickleReader.Describe(pid)})");
        return _persistentLoad(tuple);
    }

    private TorchFileException Refused(string fullName) => new(
        $"{_source}: refused: the pickle asks for the global '{fullName}', which is not on the allow-list for PyTorch checkpoints (nothing was run)");

    private TorchFileException Bad(string what) => new($"{_source}: malformed checkpoint: {what}");

    private object? Arg(object?[] args, int i, string who) =>
        i < args.Length ? args[i] : throw Bad($"{who} with {args.Length} arguments");

    private static long[] Longs(object? o, string what, Func<string, TorchFileException> bad) =>
        o is object?[] t ? t.Select(x => x is long l ? l : throw bad($"{what} holds {PickleReader.Describe(x)}, not an integer")).ToArray()
        : throw bad($"{what} is {PickleReader.Describe(o)}, not a tuple");

    private object RebuildTensor(object?[] a, int minArgs, string who)
    {
        if (a.Length < minArgs) throw Bad($"{who} with {a.Length} arguments");
        if (a[0] is not TorchStorage storage) throw Bad($"{who} over {PickleReader.Describe(a[0])}, not a storage");
        if (a[1] is not long offset) throw Bad($"{who} with a storage offset that is not an integer");
        var size = Longs(a[2], "tensor size", Bad);
        var stride = Longs(a[3], "tensor stride", Bad);
        if (size.Length != stride.Length) throw Bad($"{who}: size and stride of different lengths");
        return new TensorRecord(storage, offset, size, stride, storage.Kind, false);
    }

    /// <summary>_rebuild_tensor_v3(storage, offset, size, stride, requires_grad, hooks, dtype[, metadata]): the
    /// storage may be untyped bytes; the dtype says how to read them.</summary>
    private object RebuildTensorV3(object?[] a)
    {
        var t = (TensorRecord)RebuildTensor(a, 7, "_rebuild_tensor_v3");
        if (a[6] is not AllowedGlobal { Tag: StorageKind dtype }) throw Bad("_rebuild_tensor_v3 without a known dtype");
        return new TensorRecord(t.Storage, t.Offset, t.Size, t.Stride, dtype, false);
    }

    private object RebuildParameter(object?[] a, int minArgs)
    {
        if (a.Length < minArgs) throw Bad($"_rebuild_parameter with {a.Length} arguments");
        return a[0] is TensorRecord t ? t.AsParameter() : throw Bad($"a parameter over {PickleReader.Describe(a[0])}");
    }

    /// <summary>_rebuild_from_type_v2(func, type, args, state): a Tensor or Parameter subclass instance; the
    /// instance's extra attributes (state) are not weights and are dropped.</summary>
    private object? RebuildFromType(object?[] a)
    {
        if (a.Length < 3 || a[0] is not AllowedGlobal { Call: { } func } || a[2] is not object?[] args)
            throw Bad("_rebuild_from_type_v2 with unexpected arguments");
        if (a[1] is not AllowedGlobal { FullName: "torch.Tensor" or "torch.nn.parameter.Parameter" } type)
            throw Bad($"_rebuild_from_type_v2 of {PickleReader.Describe(a[1])}");
        var result = func(args);
        return type.FullName.EndsWith("Parameter", StringComparison.Ordinal) && result is TensorRecord t ? t.AsParameter() : result;
    }

    private object? LoadFromBytes(object?[] a)
    {
        if (_loadEmbedded is null) throw Bad("torch.storage._load_from_bytes inside an embedded blob");
        if (Arg(a, 0, "_load_from_bytes") is not byte[] blob) throw Bad("_load_from_bytes without bytes");
        var result = _loadEmbedded(blob);
        return result is TorchStorage ? result : throw Bad($"_load_from_bytes gave {PickleReader.Describe(result)}, not a storage");
    }

    private object NewDict(object?[] a)
    {
        var d = new Dictionary<string, object?>();
        // OrderedDict([(k, v), …]) — the form protocol 0/1 pickles may use.
        if (a.Length > 0 && a[0] is List<object?> or object?[])
        {
            foreach (var pair in (IEnumerable<object?>)a[0]!)
            {
                if (pair is not object?[] { Length: 2 } kv) throw Bad("a dict built from something other than pairs");
                d[PickleReader.KeyString(kv[0])] = kv[1];
            }
        }
        return d;
    }

    private object NewSet(object?[] a) =>
        a.Length == 0 ? new HashSet<object?>()
        : a[0] is IEnumerable<object?> items ? new HashSet<object?>(items)
        : throw Bad("a set built from something other than a list");

    private object NewNamespace(object?[] a) => new PickleObject("argparse", "Namespace", a, null);

    private object CodecsEncode(object?[] a)
    {
        // Protocol 2 pickles Python 3 bytes as _codecs.encode(latin-1 text, 'latin1').
        if (Arg(a, 0, "_codecs.encode") is not string text) throw Bad("_codecs.encode of something other than text");
        var encoding = a.Length > 1 ? a[1] as string : "utf-8";
        return encoding?.Replace("-", "").Replace("_", "").ToLowerInvariant() switch
        {
            "latin1" or "iso88591" => Encoding.Latin1.GetBytes(text),
            _ => throw Bad($"_codecs.encode with encoding '{encoding}'"),
        };
    }

    private object NumpyScalar(object?[] a)
    {
        if (Arg(a, 0, "numpy scalar") is not NumpyDType dt || a.Length < 2 || a[1] is not byte[] raw)
            throw Bad("numpy scalar without a dtype and bytes");
        if (dt.Code.Length < 2 || !int.TryParse(dt.Code.AsSpan(1), out int size) || size != raw.Length)
            throw Bad($"numpy scalar of {dt} over {raw.Length} bytes");
        var bytes = (byte[])raw.Clone();
        if (dt.ByteOrder == '>') Array.Reverse(bytes);
        return (dt.Code[0], size) switch
        {
            ('f', 8) => BitConverter.ToDouble(bytes),
            ('f', 4) => (double)BitConverter.ToSingle(bytes),
            ('f', 2) => (double)BitConverter.ToHalf(bytes),
            ('i', 8) => BitConverter.ToInt64(bytes),
            ('i', 4) => (long)BitConverter.ToInt32(bytes),
            ('i', 2) => (long)BitConverter.ToInt16(bytes),
            ('i', 1) => (long)(sbyte)bytes[0],
            ('u', 8) => (long)BitConverter.ToUInt64(bytes),
            ('u', 4) => (long)BitConverter.ToUInt32(bytes),
            ('u', 2) => (long)BitConverter.ToUInt16(bytes),
            ('u', 1) => (long)bytes[0],
            ('b', 1) => bytes[0] != 0,
            _ => throw Bad($"numpy scalar of {dt}"),
        };
    }

    /// <summary>
    /// NVlabs torch_utils.persistence: meta = {type: 'class', version, module_src, class_name, state}. Python would
    /// exec module_src to rebuild the class; here the object is an inert record of the state, and module_src is
    /// kept as text inside Args only.
    /// </summary>
    private object ReconstructPersistent(object?[] a)
    {
        if (Arg(a, 0, "_reconstruct_persistent_obj") is not Dictionary<string, object?> meta)
            throw Bad("a persistent object without its meta dict");
        if (!meta.TryGetValue("type", out var type) || type as string != "class")
            throw Bad($"a persistent object of type '{PickleReader.Describe(type)}'");
        if (!meta.TryGetValue("class_name", out var cls) || cls is not string className)
            throw Bad("a persistent object without class_name");
        meta.TryGetValue("state", out var state);
        return new PickleObject("torch_utils.persistence", className, new object?[] { meta }, state);
    }

    private static object? MergeState(object? current, object? state)
    {
        // (dict, slotstate) is how objects with __slots__ pickle their state; merge both into one dict.
        if (state is object?[] { Length: 2 } pair && pair[0] is Dictionary<string, object?> or null
            && pair[1] is Dictionary<string, object?> or null)
        {
            var merged = new Dictionary<string, object?>();
            foreach (var part in pair)
                if (part is Dictionary<string, object?> d) foreach (var (k, v) in d) merged[k] = v;
            state = merged;
        }
        if (current is Dictionary<string, object?> existing && state is Dictionary<string, object?> update)
        {
            foreach (var (k, v) in update) existing[k] = v;
            return existing;
        }
        return state;
    }
}
