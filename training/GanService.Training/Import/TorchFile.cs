namespace GanService.Training.Import;

/// <summary>The on-disk container of a PyTorch file.</summary>
public enum TorchFileFormat
{
    /// <summary>torch.save since PyTorch 1.6: a zip with data.pkl and one entry per storage.</summary>
    Zip,
    /// <summary>torch.save up to PyTorch 1.5: magic number, protocol, sys info, the pickle, storage keys, raw storages.</summary>
    Legacy,
    /// <summary>A plain pickle (NVlabs network snapshots); tensors inside are embedded legacy blobs.</summary>
    Pickle,
}

/// <summary>One clear line about why a PyTorch file cannot be read (truncated, not a PyTorch file, hostile pickle).</summary>
public sealed class TorchFileException(string message) : Exception(message);

/// <summary>
/// A tensor read from a PyTorch file: its stored dtype name ("float32", "float16", "float64", "bfloat16", "int64", …),
/// its shape, and its values as float32 in C order (storage offset and strides already applied).
/// </summary>
public sealed class TorchTensor(string dtype, long[] shape, float[] data, bool isParameter = false)
{
    public string DType { get; } = dtype;
    public long[] Shape { get; } = shape;
    public float[] Data { get; } = data;
    /// <summary>True when the tensor was pickled as an nn.Parameter.</summary>
    public bool IsParameter { get; } = isParameter;
    public long Count => Data.LongLength;
    public override string ToString() => $"{DType}[{string.Join(", ", Shape)}]";
}

/// <summary>
/// An object of a class the reader does not construct (argparse.Namespace, an nn.Module pickled by class, an NVlabs
/// persistent object, EasyDict, …): the class's global name, the constructor arguments, and the pickled state
/// (usually a <c>Dictionary&lt;string, object?&gt;</c>). Inert: nothing of it is ever executed.
/// </summary>
public sealed class PickleObject(string module, string name, IReadOnlyList<object?> args, object? state)
{
    public string Module { get; } = module;
    public string Name { get; } = name;
    public IReadOnlyList<object?> Args { get; } = args;
    public object? State { get; set; } = state;
    public string FullName => $"{Module}.{Name}";
    public override string ToString() => FullName;
}

/// <summary>
/// Reads PyTorch files without Python and without executing anything in them. The object model: dicts (dict,
/// OrderedDict, EasyDict) → <c>Dictionary&lt;string, object?&gt;</c> (insertion order kept; non-string keys formatted
/// invariantly), lists → <c>List&lt;object?&gt;</c>, tuples → <c>object?[]</c>, str → string, int → long, float → double,
/// bool, None → null, bytes → byte[], tensors → <see cref="TorchTensor"/>, anything else → <see cref="PickleObject"/>.
/// Also: set / frozenset → <c>HashSet&lt;object?&gt;</c>, an int beyond 64 bits → <c>System.Numerics.BigInteger</c>,
/// numpy scalars → double / long / bool, torch.Size → tuple, torch.device → string. The allow-list of globals is on
/// TorchPickleHost; any other global is refused where the pickle names it.
/// </summary>
public static partial class TorchFile
{
}
