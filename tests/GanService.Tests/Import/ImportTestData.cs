using GanService.Training.Import;
using Microsoft.ML.OnnxRuntime;

namespace GanService.Tests.Import;

/// <summary>Test data for the importers: the generated configurations, .npy arrays, state dicts of our own networks,
/// and running an exported model folder through ONNX Runtime.</summary>
public static class ImportTestData
{
    /// <summary>Checkpoints of configurations the peer fixtures lack (made by Configurations/make_configurations.py).</summary>
    public static string ConfigurationsDir { get; } = Path.Combine(AppContext.BaseDirectory, "Import", "Configurations");

    /// <summary>A .npy array with the shape as ONNX Runtime takes it.</summary>
    public static (long[] Shape, float[] Data) NpyArray(string path)
    {
        var a = Npy.Read(path);
        return (a.Shape.Select(d => (long)d).ToArray(), a.Data);
    }

    /// <summary>The parameters and buffers of one of our networks as a checkpoint state dict under <paramref name="keyOf"/>
    /// names, with BatchNorm's num_batches_tracked counter added as PyTorch ≥ 0.4.1 saves it.</summary>
    public static Dictionary<string, TorchTensor> StateDictOf(nn.Module net, Func<string, string>? keyOf = null)
    {
        keyOf ??= n => n;
        var state = new Dictionary<string, TorchTensor>(StringComparer.Ordinal);
        foreach (var (name, p) in net.named_parameters()) state[keyOf(name)] = Tensor(p);
        foreach (var (name, b) in net.named_buffers())
        {
            state[keyOf(name)] = Tensor(b);
            if (name.EndsWith(".running_var", StringComparison.Ordinal))
                state[keyOf(name)[..^".running_var".Length] + ".num_batches_tracked"] = new TorchTensor("int64", [], [3]);
        }
        return state;
    }

    public static TorchTensor Tensor(Tensor t) => new("float32", t.shape, t.detach().contiguous().data<float>().ToArray());

    /// <summary>Runs models/NAME/model.onnx on the inputs (name → array) and returns the first output.</summary>
    public static (long[] Shape, float[] Data) RunOnnx(string onnxPath, params (string Name, long[] Shape, float[] Data)[] inputs)
    {
        using var session = new InferenceSession(onnxPath, new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL });
        var values = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Data, i.Shape)).ToList();
        try
        {
            using var run = new RunOptions();
            using var results = session.Run(run, inputs.Select(i => i.Name).ToArray(), values, [session.OutputNames[0]]);
            return (results[0].GetTensorTypeAndShape().Shape, results[0].GetTensorDataAsSpan<float>().ToArray());
        }
        finally { foreach (var v in values) v.Dispose(); }
    }

    public static float MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, float.IsNaN(a[i] - b[i]) ? float.PositiveInfinity : Math.Abs(a[i] - b[i]));
        return max;
    }

    /// <summary>A fresh temporary folder, deleted on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gan-import-" + Guid.NewGuid().ToString("N"));
        public TempDir() => Directory.CreateDirectory(Path);
        public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
    }
}
