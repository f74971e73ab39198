using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace GanService.Bench;

/// <summary>
/// Floating-point operations of one run of an ONNX graph, counted from its Conv, ConvTranspose, Gemm and MatMul nodes
/// with concrete shapes: every multiply-add counts 2. Not counted: bias additions, normalisation, activations,
/// element-wise Add/Mul (StyleGAN2's modulation and demodulation), Resize, Pad and reductions — they are memory-bound
/// and a small share of the work in these generators, and leaving them out keeps the count comparable with the SGEMM
/// peak, which also counts multiply-adds only. One counter serves every model (reference and shipped), because it
/// reads the graph both runtimes execute.
/// </summary>
public static class FlopCounter
{
    public sealed record Count(long Flops, IReadOnlyDictionary<string, long> ByOp);

    public static readonly IReadOnlySet<string> Counted = new HashSet<string> { "Conv", "ConvTranspose", "Gemm", "MatMul" };

    /// <summary>FLOPs of <paramref name="graph"/> given every counted node's tensor shapes (initializers are read from
    /// the graph; the rest come from <paramref name="shapeOf"/>).</summary>
    public static Count Of(GraphProto graph, Func<string, long[]> shapeOf)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name, t => t.Dims.ToArray());
        long[] Shape(string name) => initializers.TryGetValue(name, out var dims) ? dims : shapeOf(name);
        var byOp = new Dictionary<string, long>();
        foreach (var node in graph.Node.Where(n => Counted.Contains(n.OpType)))
        {
            long macs = node.OpType switch
            {
                // out (N, Cout, *S_out), weight (Cout, Cin/groups, *K): each output element takes Cin/groups·ΠK products.
                "Conv" => Product(Shape(node.Output[0])) * Product(Shape(node.Input[1])[1..]),
                // in (N, Cin, *S_in), weight (Cin, Cout/groups, *K): each input element is scattered into Cout/groups·ΠK products.
                "ConvTranspose" => Product(Shape(node.Input[0])) * Product(Shape(node.Input[1])[1..]),
                // out (M, N) = A (M, K) · B (K, N), A transposed when transA = 1.
                "Gemm" => Product(Shape(node.Output[0])) * GemmInner(node, Shape(node.Input[0])),
                // out (…, M, N) = A (…, M, K) · B (…, K, N).
                _ => Product(Shape(node.Output[0])) * Shape(node.Input[0])[^1],
            };
            byOp[node.OpType] = byOp.GetValueOrDefault(node.OpType) + 2 * macs;
        }
        return new Count(byOp.Values.Sum(), byOp);
    }

    /// <summary>FLOPs for one run with <paramref name="feeds"/>: the shapes of every counted node's non-initializer
    /// tensors come from running the graph once in ONNX Runtime with those tensors added as graph outputs.</summary>
    public static Count Of(ModelProto model, IReadOnlyDictionary<string, OrtValue> feeds)
    {
        var probe = model.Clone();
        var graph = probe.Graph;
        var known = graph.Initializer.Select(t => t.Name).ToHashSet();
        var existing = graph.Output.Select(o => o.Name).ToHashSet();
        var wanted = graph.Node.Where(n => Counted.Contains(n.OpType)).SelectMany(n => n.Input.Concat(n.Output))
            .Where(name => name.Length > 0 && !known.Contains(name) && !feeds.ContainsKey(name)).Distinct().ToList();
        foreach (var name in wanted.Where(existing.Add))
            graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } });
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(probe), options);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, feeds.Keys.ToArray(), feeds.Values.ToArray(), wanted.ToArray());
        var shapes = new Dictionary<string, long[]>();
        for (int i = 0; i < wanted.Count; i++) shapes[wanted[i]] = results[i].GetTensorTypeAndShape().Shape;
        foreach (var (name, value) in feeds) shapes[name] = value.GetTensorTypeAndShape().Shape;
        return Of(model.Graph, name => shapes[name]);
    }

    private static long GemmInner(NodeProto node, long[] a) =>
        node.Attribute.FirstOrDefault(x => x.Name == "transA")?.I == 1 ? a[0] : a[1];

    private static long Product(IEnumerable<long> dims) => dims.Aggregate(1L, (p, d) => p * d);
}
