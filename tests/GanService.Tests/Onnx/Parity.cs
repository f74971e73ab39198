using GanService.Training.Onnx;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace GanService.Tests.Onnx;

/// <summary>Export → ONNX Runtime (CPU, full graph optimisation) → compare with the TorchSharp eval forward.</summary>
public static class Parity
{
    public const float Tolerance = 1e-4f;

    public static InferenceSession Session(byte[] model) =>
        new(model, new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL });

    /// <summary>Runs both sides on the same inputs and returns max |Δ| over every output.</summary>
    public static float MaxAbsDiff(nn.Module module, IReadOnlyList<(OnnxIo Io, Tensor Value)> inputs, IReadOnlyList<OnnxIo> outputs,
        Func<Tensor[], Tensor[]> torchForward, ITestOutputHelper? log = null, string? label = null)
    {
        var model = OnnxExporter.Export(module, inputs.Select(i => i.Io).ToArray(), outputs);
        var bytes = OnnxExporter.ToBytes(model);
        return Compare(bytes, inputs, outputs, module, torchForward, log, label);
    }

    public static float Compare(byte[] onnx, IReadOnlyList<(OnnxIo Io, Tensor Value)> inputs, IReadOnlyList<OnnxIo> outputs,
        nn.Module module, Func<Tensor[], Tensor[]> torchForward, ITestOutputHelper? log = null, string? label = null)
    {
        module.eval();
        float[][] expected;
        long[][] expectedShapes;
        using (torch.no_grad())
        {
            using var scope = torch.NewDisposeScope();
            var outs = torchForward(inputs.Select(i => i.Value).ToArray());
            expected = outs.Select(o => o.contiguous().data<float>().ToArray()).ToArray();
            expectedShapes = outs.Select(o => o.shape).ToArray();
        }

        using var session = Session(onnx);
        var values = new List<OrtValue>();
        try
        {
            foreach (var (io, value) in inputs)
            {
                var v = value.contiguous();
                values.Add(value.dtype == ScalarType.Int64
                    ? OrtValue.CreateTensorValueFromMemory(v.data<long>().ToArray(), v.shape)
                    : OrtValue.CreateTensorValueFromMemory(v.to_type(ScalarType.Float32).data<float>().ToArray(), v.shape));
            }
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputs.Select(i => i.Io.Name).ToArray(), values, outputs.Select(o => o.Name).ToArray());
            float max = 0;
            for (int k = 0; k < outputs.Count; k++)
            {
                var shape = results[k].GetTensorTypeAndShape().Shape;
                Assert.Equal(expectedShapes[k], shape);
                var actual = results[k].GetTensorDataAsSpan<float>();
                Assert.Equal(expected[k].Length, actual.Length);
                for (int i = 0; i < actual.Length; i++)
                {
                    float d = Math.Abs(actual[i] - expected[k][i]);
                    if (float.IsNaN(d)) d = float.PositiveInfinity;
                    max = Math.Max(max, d);
                }
            }
            log?.WriteLine($"{label ?? module.GetType().Name}: max |Δ| = {max:E2} over {expected.Sum(e => e.Length)} values");
            return max;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Single input x → single output y for a layer.</summary>
    public static float Layer(nn.Module<Tensor, Tensor> layer, Tensor x, ITestOutputHelper? log = null, string? label = null)
    {
        long[] inShape = [-1, .. x.shape.Skip(1)];
        Tensor probe;
        layer.eval();
        using (torch.no_grad()) probe = layer.forward(x);
        long[] outShape = [-1, .. probe.shape.Skip(1)];
        var type = x.dtype == ScalarType.Int64 ? ScalarType.Int64 : ScalarType.Float32;
        return MaxAbsDiff(layer, [(new OnnxIo("x", inShape, type), x)], [new OnnxIo("y", outShape)], t => [layer.forward(t[0])], log, label);
    }
}
