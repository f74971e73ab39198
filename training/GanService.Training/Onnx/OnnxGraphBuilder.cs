using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace GanService.Training.Onnx;

/// <summary>A graph input or output: name, element type, shape (-1 = free: the batch dimension first, and height and
/// width of a fully convolutional graph exported for any size).</summary>
public sealed record OnnxIo(string Name, long[] Shape, ScalarType Type = ScalarType.Float32);

/// <summary>Raised when a module cannot be expressed in ONNX; the message names the offending layer.</summary>
public sealed class OnnxExportException(string message) : Exception(message);

/// <summary>
/// Appends ONNX nodes and initializers (opset 17) while layers emit themselves. Names are made unique with a scope
/// prefix so the graph stays readable (`down1/Conv_0`).
/// </summary>
public sealed class OnnxGraphBuilder
{
    public const int Opset = 17;

    public GraphProto Graph { get; } = new() { Name = "gan" };
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Stack<string> _scopes = new();

    public string ScopePrefix => _scopes.Count == 0 ? "" : string.Join("/", _scopes.Reverse()) + "/";

    /// <summary>Names emitted under <paramref name="scope"/> until the returned handle is disposed.</summary>
    public IDisposable Scope(string scope)
    {
        _scopes.Push(scope);
        return new PopScope(_scopes);
    }

    private sealed class PopScope(Stack<string> s) : IDisposable { public void Dispose() => s.Pop(); }

    public string Unique(string hint)
    {
        string baseName = ScopePrefix + hint;
        string name = baseName;
        for (int i = 1; !_names.Add(name); i++) name = $"{baseName}_{i}";
        return name;
    }

    /// <summary>Adds a float32 initializer copied from a TorchSharp tensor (detached, on CPU).</summary>
    public string Initializer(string hint, Tensor value)
    {
        using var scope = torch.NewDisposeScope();
        var t = value.detach().cpu().to_type(ScalarType.Float32).contiguous();
        var data = t.data<float>().ToArray();
        return Initializer(hint, data, t.shape);
    }

    public string Initializer(string hint, float[] data, long[] shape)
    {
        // A model is never exported from non-finite weights (FiniteGuard): gan export and gan import both pass here.
        if (!Array.TrueForAll(data, float.IsFinite))
            throw new InvalidDataException($"weight '{hint}' holds NaN or infinite values; refusing to export non-finite weights");
        var name = Unique(hint);
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(shape);
        var bytes = new byte[data.Length * sizeof(float)];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        proto.RawData = ByteString.CopyFrom(bytes);
        Graph.Initializer.Add(proto);
        return name;
    }

    public string Int64Initializer(string hint, long[] data, long[]? shape = null)
    {
        var name = Unique(hint);
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.AddRange(shape ?? [data.Length]);
        proto.Int64Data.AddRange(data);
        Graph.Initializer.Add(proto);
        return name;
    }

    public string Scalar(string hint, float value) => Initializer(hint, [value], []);

    /// <summary>Appends one node; returns its (single) output name.</summary>
    public string Node(string opType, IEnumerable<string> inputs, params (string Name, object Value)[] attributes)
        => NodeMulti(opType, inputs, 1, attributes)[0];

    public string[] NodeMulti(string opType, IEnumerable<string> inputs, int outputCount, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Unique(opType) };
        node.Input.AddRange(inputs);
        var outputs = new string[outputCount];
        for (int i = 0; i < outputCount; i++) outputs[i] = Unique(opType + "_out");
        node.Output.AddRange(outputs);
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        Graph.Node.Add(node);
        return outputs;
    }

    private static AttributeProto Attribute(string name, object value)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case int i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
            case long l: a.Type = AttributeProto.Types.AttributeType.Int; a.I = l; break;
            case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
            case double d: a.Type = AttributeProto.Types.AttributeType.Float; a.F = (float)d; break;
            case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
            case long[] ls: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ls); break;
            case int[] iss: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(iss.Select(x => (long)x)); break;
            case float[] fs: a.Type = AttributeProto.Types.AttributeType.Floats; a.Floats.AddRange(fs); break;
            default: throw new ArgumentException($"unsupported attribute type {value.GetType()} for '{name}'");
        }
        return a;
    }

    /// <summary>The first free dimension is the batch; free height and width (NCHW, a fully convolutional graph) are
    /// named per tensor, since an upscaler's output is not the input's size.</summary>
    private static string FreeDimName(OnnxIo io, int i) => i switch
    {
        0 => "batch",
        2 when io.Shape.Length == 4 => io.Name + "_height",
        3 when io.Shape.Length == 4 => io.Name + "_width",
        _ => $"{io.Name}_dim{i}",
    };

    public static ValueInfoProto ValueInfo(OnnxIo io)
    {
        var elem = io.Type switch
        {
            ScalarType.Float32 => TensorProto.Types.DataType.Float,
            ScalarType.Int64 => TensorProto.Types.DataType.Int64,
            _ => throw new ArgumentException($"graph I/O type {io.Type} is not supported"),
        };
        var shape = new TensorShapeProto();
        for (int i = 0; i < io.Shape.Length; i++)
            shape.Dim.Add(io.Shape[i] >= 0 ? new TensorShapeProto.Types.Dimension { DimValue = io.Shape[i] }
                : new TensorShapeProto.Types.Dimension { DimParam = FreeDimName(io, i) });
        return new ValueInfoProto
        {
            Name = io.Name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elem, Shape = shape } },
        };
    }
}
