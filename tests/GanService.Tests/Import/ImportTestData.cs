using System.Buffers.Binary;
using System.Text;
using GanService.Tests.Repository;
using GanService.Training.Import;
using Microsoft.ML.OnnxRuntime;

namespace GanService.Tests.Import;

/// <summary>Test data for the importers: the generated configurations, .npy arrays, state dicts of our own networks,
/// and running an exported model folder through ONNX Runtime.</summary>
public static class ImportTestData
{
    public static string ConfigurationsDir => Path.Combine(RepositoryLayoutTests.Root(), "tests", "GanService.Tests", "Import", "Configurations");

    /// <summary>A little-endian float32 C-order .npy array (format version 1 or 2/3).</summary>
    public static (long[] Shape, float[] Data) Npy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY") throw new InvalidDataException($"{path}: not .npy");
        int major = bytes[6];
        int headerLen = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int start = major == 1 ? 10 : 12;
        string header = Encoding.ASCII.GetString(bytes, start, headerLen);
        if (!header.Contains("'<f4'") || header.Contains("'fortran_order': True")) throw new InvalidDataException($"{path}: expected little-endian float32 C order: {header}");
        int open = header.IndexOf('(', header.IndexOf("shape", StringComparison.Ordinal)), close = header.IndexOf(')', open);
        long[] shape = header[(open + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
        Buffer.BlockCopy(bytes, start + headerLen, data, 0, data.Length * 4);
        return (shape, data);
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
