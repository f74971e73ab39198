using GanService.Training.Platform;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace GanService.Bench;

/// <summary>
/// Runs an ONNX graph node by node with TorchSharp (libtorch) operators — eager execution of exactly the weights and
/// operations ONNX Runtime runs. Used for the shipped models, whose training checkpoints are not in the repository, so
/// their TorchSharp modules cannot be rebuilt with the same weights; the reference generators run their own modules.
/// Covers the operators this repository's exporter emits; any other operator throws <see cref="NotSupportedException"/>
/// naming it, and the results table says so instead of a number.
/// </summary>
public sealed class OnnxEager : IDisposable
{
    private readonly GraphProto _graph;
    private readonly Dictionary<string, Tensor> _constants = [];

    public OnnxEager(ModelProto model)
    {
        _graph = model.Graph;
        foreach (var t in _graph.Initializer) _constants[t.Name] = ToTensor(t);
        var unsupported = _graph.Node.Select(n => n.OpType).Where(op => !Supported.Contains(op)).Distinct().ToList();
        if (unsupported.Count > 0) throw new NotSupportedException($"operators not run eagerly: {string.Join(", ", unsupported)}");
    }

    public static readonly IReadOnlySet<string> Supported = new HashSet<string>
    {
        "Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Sqrt", "Reciprocal", "Relu", "LeakyRelu",
        "Tanh", "Sigmoid", "Clip", "Identity", "Dropout", "BatchNormalization", "InstanceNormalization", "Concat", "Reshape",
        "Flatten", "Unsqueeze", "Gather", "Tile", "Expand", "Shape", "Slice", "Pad", "Resize", "ReduceMean", "ReduceSum",
        "ReduceMax", "Split", "MaxPool", "Transpose", "Softmax", "OneHot",
    };

    /// <summary>The graph's outputs for <paramref name="inputs"/> (by graph input name). Call inside a dispose scope.</summary>
    public Tensor[] Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var values = new Dictionary<string, Tensor>(_constants);
        foreach (var (name, value) in inputs) values[name] = value;
        foreach (var node in _graph.Node)
        {
            Tensor? In(int i) => i < node.Input.Count && node.Input[i].Length > 0 ? values[node.Input[i]] : null;
            if (node.OpType == "Split")
            {
                // The one multi-output operator the exporter emits (BigGAN's z chunks): sizes from input 1, or equal parts.
                var x = In(0)!;
                long axis = node.Attribute.FirstOrDefault(a => a.Name == "axis") is { } ax ? ax.I : 0;
                if (axis < 0) axis += x.dim();
                var sizes = In(1) is { } sz ? sz.to_type(ScalarType.Int64).data<long>().ToArray()
                    : Enumerable.Repeat(x.shape[axis] / node.Output.Count, node.Output.Count).ToArray();
                var parts = x.split(sizes, axis);
                for (int i = 0; i < node.Output.Count; i++) values[node.Output[i]] = parts[i];
                continue;
            }
            values[node.Output[0]] = Apply(node, In);
        }
        return _graph.Output.Select(o => values[o.Name]).ToArray();
    }

    private static Tensor Apply(NodeProto node, Func<int, Tensor?> input)
    {
        Tensor X(int i) => input(i) ?? throw new InvalidOperationException($"{node.OpType} '{node.Name}' lacks input {i}");
        long Int(string name, long fallback) => node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;
        float Float(string name, float fallback) => node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;
        string Str(string name, string fallback) => node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.S.ToStringUtf8() : fallback;
        long[]? Ints(string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();
        long[] Longs(Tensor t) => t.to_type(ScalarType.Int64).data<long>().ToArray();
        switch (node.OpType)
        {
            case "Conv":
            {
                var x = X(0);
                int spatial = (int)x.dim() - 2;
                var pads = Ints("pads") ?? new long[2 * spatial];
                if (!pads[..spatial].SequenceEqual(pads[spatial..])) throw new NotSupportedException("Conv with asymmetric pads");
                var strides = Ints("strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
                var dilations = Ints("dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
                if (spatial != 2) throw new NotSupportedException($"Conv over {spatial} spatial dimensions");
                return ConvolutionBackend.Conv2d(x, X(1), input(2), strides, pads[..spatial], dilations, Int("group", 1));
            }
            case "ConvTranspose":
            {
                var x = X(0);
                int spatial = (int)x.dim() - 2;
                if (spatial != 2) throw new NotSupportedException($"ConvTranspose over {spatial} spatial dimensions");
                var pads = Ints("pads") ?? new long[2 * spatial];
                if (!pads[..spatial].SequenceEqual(pads[spatial..])) throw new NotSupportedException("ConvTranspose with asymmetric pads");
                var strides = Ints("strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
                var outputPadding = Ints("output_padding") ?? new long[spatial];
                var dilations = Ints("dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
                return ConvolutionBackend.ConvTranspose2d(x, X(1), input(2), strides, pads[..spatial], outputPadding, dilations, Int("group", 1));
            }
            case "Gemm":
            {
                var a = Int("transA", 0) == 1 ? X(0).t() : X(0);
                var b = Int("transB", 0) == 1 ? X(1).t() : X(1);
                var y = a.matmul(b) * Float("alpha", 1f);
                return input(2) is { } c ? y + c * Float("beta", 1f) : y;
            }
            case "MatMul": return X(0).matmul(X(1));
            case "Add": return X(0) + X(1);
            case "Sub": return X(0) - X(1);
            case "Mul": return X(0) * X(1);
            case "Div": return X(0) / X(1);
            case "Sqrt": return X(0).sqrt();
            case "Reciprocal": return X(0).reciprocal();
            case "Relu": return F.relu(X(0));
            case "LeakyRelu": return F.leaky_relu(X(0), Float("alpha", 0.01f));
            case "Tanh": return X(0).tanh();
            case "Sigmoid": return X(0).sigmoid();
            case "Clip":
            {
                var y = X(0);
                if (input(1) is { } lo) y = y.maximum(lo);
                if (input(2) is { } hi) y = y.minimum(hi);
                return y;
            }
            case "Identity" or "Dropout": return X(0);
            case "BatchNormalization":
                return F.batch_norm(X(0), X(3), X(4), X(1), X(2), training: false, eps: Float("epsilon", 1e-5f));
            case "InstanceNormalization":
                return F.instance_norm(X(0), weight: X(1), bias: X(2), eps: Float("epsilon", 1e-5f));
            case "Concat":
            {
                var parts = Enumerable.Range(0, node.Input.Count).Select(X).ToArray();
                return torch.cat(parts, Int("axis", 0));
            }
            case "Reshape":
            {
                var x = X(0);
                var shape = Longs(X(1));
                for (int i = 0; i < shape.Length; i++) if (shape[i] == 0) shape[i] = x.shape[i];
                return x.reshape(shape);
            }
            case "Flatten":
            {
                var x = X(0);
                long axis = Int("axis", 1);
                return x.reshape(x.shape[..(int)axis].Aggregate(1L, (p, d) => p * d), -1);
            }
            case "Unsqueeze":
            {
                var x = X(0);
                foreach (var axis in Longs(X(1)).Select(a => a < 0 ? a + x.dim() + 1 : a).Order()) x = x.unsqueeze(axis);
                return x;
            }
            case "Gather":
            {
                var x = X(0);
                var index = X(1).to_type(ScalarType.Int64);
                long axis = Int("axis", 0);
                if (axis < 0) axis += x.dim();
                var picked = x.index_select(axis, index.flatten());
                var shape = x.shape[..(int)axis].Concat(index.shape).Concat(x.shape[((int)axis + 1)..]).ToArray();
                return picked.reshape(shape);
            }
            case "Tile": return X(0).tile(Longs(X(1)));
            case "Expand":
            {
                var x = X(0);
                var target = Longs(X(1));
                int rank = Math.Max(target.Length, (int)x.dim());
                var shape = new long[rank];
                for (int i = 0; i < rank; i++)
                {
                    long a = i - (rank - x.dim()) >= 0 ? x.shape[i - (rank - x.dim())] : 1;
                    long b = i - (rank - target.Length) >= 0 ? target[i - (rank - target.Length)] : 1;
                    shape[i] = Math.Max(a, b);
                }
                return x.expand(shape);
            }
            case "Shape": return torch.tensor(X(0).shape);
            case "Slice":
            {
                var x = X(0);
                var starts = Longs(X(1));
                var ends = Longs(X(2));
                var axes = input(3) is { } ax ? Longs(ax) : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
                var steps = input(4) is { } st ? Longs(st) : Enumerable.Repeat(1L, starts.Length).ToArray();
                for (int i = 0; i < starts.Length; i++)
                {
                    long axis = axes[i] < 0 ? axes[i] + x.dim() : axes[i];
                    long size = x.shape[axis];
                    long start = Math.Clamp(starts[i] < 0 ? starts[i] + size : starts[i], 0, size);
                    long end = Math.Clamp(ends[i] < 0 ? ends[i] + size : ends[i], 0, size);
                    if (steps[i] != 1) throw new NotSupportedException("Slice with steps other than 1");
                    x = x.narrow(axis, start, Math.Max(0, end - start));
                }
                return x;
            }
            case "Pad":
            {
                var x = X(0);
                var pads = Longs(X(1));
                int rank = (int)x.dim();
                // ONNX: all begins, then all ends; torch: (begin, end) pairs from the last dimension backwards.
                var torchPads = new List<long>();
                for (int d = rank - 1; d >= 0; d--)
                {
                    if (d < 2 && (pads[d] != 0 || pads[d + rank] != 0)) throw new NotSupportedException("Pad of batch or channel dimensions");
                    if (d >= 2) torchPads.AddRange([pads[d], pads[d + rank]]);
                }
                var mode = Str("mode", "constant");
                return mode switch
                {
                    "reflect" => F.pad(x, torchPads.ToArray(), PaddingModes.Reflect),
                    "edge" => F.pad(x, torchPads.ToArray(), PaddingModes.Replicate),
                    _ => F.pad(x, torchPads.ToArray(), PaddingModes.Constant, input(2) is { } v ? v.item<float>() : 0),
                };
            }
            case "Resize":
            {
                var x = X(0);
                var scales = input(2) is { } s && s.numel() > 0 ? s.data<float>().ToArray() : null;
                var size = scales is null ? Longs(X(3))[2..] : x.shape[2..].Select((d, i) => (long)Math.Floor(d * scales[i + 2])).ToArray();
                return Str("mode", "nearest") switch
                {
                    "nearest" when Str("coordinate_transformation_mode", "half_pixel") == "asymmetric" && Str("nearest_mode", "round_prefer_floor") == "floor"
                        => F.interpolate(x, size, mode: InterpolationMode.Nearest),
                    "linear" when Str("coordinate_transformation_mode", "half_pixel") == "half_pixel"
                        => F.interpolate(x, size, mode: InterpolationMode.Bilinear, align_corners: false),
                    var m => throw new NotSupportedException($"Resize mode {m} with these coordinates"),
                };
            }
            case "ReduceMean" or "ReduceMax":
            {
                var x = X(0);
                var axes = Ints("axes") ?? Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray();
                bool keep = Int("keepdims", 1) == 1;
                if (node.OpType == "ReduceMean") return x.mean(axes, keep);
                foreach (var axis in axes.Select(a => a < 0 ? a + x.dim() : a).OrderDescending()) x = x.amax([axis], keep);
                return x;
            }
            case "ReduceSum":
            {
                var x = X(0);
                var axes = input(1) is { } a ? Longs(a) : Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray();
                return x.sum(axes, Int("keepdims", 1) == 1);
            }
            case "MaxPool":
            {
                var kernel = Ints("kernel_shape")!;
                var pads = Ints("pads") ?? new long[2 * kernel.Length];
                if (!pads[..kernel.Length].SequenceEqual(pads[kernel.Length..])) throw new NotSupportedException("MaxPool with asymmetric pads");
                if (kernel.Length != 2) throw new NotSupportedException($"MaxPool over {kernel.Length} spatial dimensions");
                return F.max_pool2d(X(0), kernel, Ints("strides") ?? Enumerable.Repeat(1L, kernel.Length).ToArray(), pads[..kernel.Length]);
            }
            case "Transpose":
            {
                var x = X(0);
                var perm = Ints("perm") ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray();
                return x.permute(perm);
            }
            case "Softmax": return X(0).softmax(Int("axis", -1));
            case "OneHot":
            {
                var indices = X(0).to_type(ScalarType.Int64);
                long depth = Longs(X(1))[0];
                var offOn = X(2);
                if (Int("axis", -1) != -1) throw new NotSupportedException("OneHot on an axis other than the last");
                var hot = F.one_hot(indices.remainder(depth), depth).to_type(offOn.dtype); // ONNX: negative indices count from depth
                return hot * (offOn[1] - offOn[0]) + offOn[0];
            }
            default: throw new NotSupportedException($"operator {node.OpType}");
        }
    }

    private static Tensor ToTensor(TensorProto t)
    {
        var dims = t.Dims.ToArray();
        switch ((TensorProto.Types.DataType)t.DataType)
        {
            case TensorProto.Types.DataType.Float:
            {
                var data = t.RawData.Length > 0 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : t.FloatData.ToArray();
                return torch.tensor(data, dims).DetachFromDisposeScope();
            }
            case TensorProto.Types.DataType.Int64:
            {
                var data = t.RawData.Length > 0 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray() : t.Int64Data.ToArray();
                return torch.tensor(data, dims).DetachFromDisposeScope();
            }
            default: throw new NotSupportedException($"initializer '{t.Name}' of ONNX type {t.DataType}");
        }
    }

    public void Dispose()
    {
        foreach (var t in _constants.Values) t.Dispose();
        _constants.Clear();
    }
}
