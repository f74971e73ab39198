using Google.Protobuf;
using Onnx;

namespace GanService.Api.Tests.Fixtures;

/// <summary>
/// Writes tiny ONNX graphs straight from the protobuf types, so API tests need neither TorchSharp nor the exporter.
/// Dims given as -1 become the symbolic batch dim "B".
/// </summary>
public sealed class OnnxBuilder
{
    private const int Float = 1, Int64 = 7;
    private readonly GraphProto _graph = new() { Name = "fixture" };
    private readonly Random _random;

    public OnnxBuilder(int seed) => _random = new Random(seed);

    public OnnxBuilder Input(string name, params long[] shape) => Value(_graph.Input, name, Float, shape);
    public OnnxBuilder InputInt64(string name, params long[] shape) => Value(_graph.Input, name, Int64, shape);
    public OnnxBuilder Output(string name, params long[] shape) => Value(_graph.Output, name, Float, shape);

    /// <summary>A graph input backed by an initializer: callers may leave it out (ORT "overridable initializer").</summary>
    public OnnxBuilder OptionalInput(string name, float[] defaults, params long[] shape)
    {
        Initializer(name, defaults, shape);
        return Value(_graph.Input, name, Float, shape);
    }

    public OnnxBuilder Initializer(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        _graph.Initializer.Add(t);
        return this;
    }

    public OnnxBuilder InitializerInt64(string name, long[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = Int64 };
        t.Dims.AddRange(dims);
        t.Int64Data.AddRange(values);
        _graph.Initializer.Add(t);
        return this;
    }

    /// <summary>Small random weights in [-scale, scale] (fixed by the builder's seed).</summary>
    public OnnxBuilder RandomInitializer(string name, float scale, params long[] dims)
    {
        long n = dims.Aggregate(1L, (a, d) => a * d);
        return Initializer(name, Enumerable.Range(0, (int)n).Select(_ => (float)(_random.NextDouble() * 2 - 1) * scale).ToArray(), dims);
    }

    public OnnxBuilder Node(string op, string[] inputs, string output, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{_graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var (name, value) in attributes)
            node.Attribute.Add(value switch
            {
                long i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
                float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
                long[] ints => Ints(name, ints),
                string text => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8(text) },
                _ => throw new ArgumentException($"attribute {name}: unsupported value"),
            });
        _graph.Node.Add(node);
        return this;
    }

    private static AttributeProto Ints(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public byte[] ToBytes()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "GanService.Api.Tests", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
    }

    private OnnxBuilder Value(Google.Protobuf.Collections.RepeatedField<ValueInfoProto> into, string name, int elemType, long[] shape)
    {
        var tensorShape = new TensorShapeProto();
        // A free first dimension is the batch; other free dimensions (height and width of an any-size graph) get their
        // own names, since an upscaler's output is not its input's size.
        for (int i = 0; i < shape.Length; i++)
            tensorShape.Dim.Add(shape[i] >= 0 ? new TensorShapeProto.Types.Dimension { DimValue = shape[i] }
                : new TensorShapeProto.Types.Dimension { DimParam = i == 0 ? "B" : $"{name}_d{i}" });
        into.Add(new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = tensorShape } },
        });
        return this;
    }
}
