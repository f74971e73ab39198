using System.Globalization;
using System.Text;
using GanService.Contracts;

namespace GanService.Training.Export;

/// <summary>One Triton model written from one graph of a GanService model.</summary>
public sealed record TritonModel(string Name, string GraphRole, int MaxBatchSize);

/// <summary>
/// Writes a model folder (model.json + ONNX files) as an NVIDIA Triton model repository (also what KServe's Triton
/// runtime reads): per graph, <c>&lt;triton-name&gt;/config.pbtxt</c> (platform onnxruntime_onnx; input and output
/// names, data types and dims from the manifest) and <c>&lt;triton-name&gt;/1/model.onnx</c> (the same bytes, checked
/// against the manifest's SHA-256 first). A single-graph model keeps its name; a multi-graph model (StyleGAN2: mapping,
/// synthesis, synthesis_noise) becomes one Triton model per graph, <c>&lt;name&gt;_&lt;role&gt;</c>.
/// </summary>
public static class TritonRepository
{
    public const string Platform = "onnxruntime_onnx";
    public const string ConfigFile = "config.pbtxt";
    public const string Version = "1";
    public const string OnnxFile = "model.onnx";

    /// <summary>The manifest's dynamic batch (-1 as the first dim of every input and output) becomes Triton's batch
    /// dimension with this maximum: the API's Gan:MaxInferBatch default, and the most images one generate call makes.</summary>
    public const int DefaultMaxBatchSize = 64;

    public static string TritonName(ModelManifest manifest, GraphSpec graph) =>
        manifest.Graphs.Length == 1 ? manifest.Name : $"{manifest.Name}_{graph.Role}";

    /// <summary>A graph batches in Triton's sense only when every tensor's first dim is the free batch; a graph with a
    /// per-request tensor (StyleGAN2 mapping's psi, shape [1]) is written with max_batch_size 0 and full dims.</summary>
    public static bool Batches(GraphSpec graph) => graph.Inputs.Concat(graph.Outputs).All(t => t.Shape.Length > 0 && t.Shape[0] == -1);

    public static string TritonType(string dataType) => dataType switch
    {
        "float32" => "TYPE_FP32",
        "int64" => "TYPE_INT64",
        _ => throw new InvalidDataException($"data type '{dataType}' has no Triton mapping here (the manifest allows float32 and int64)"),
    };

    /// <summary>Reads <paramref name="modelFolder"/>/model.json, checks every ONNX file's hash, writes the layout under
    /// <paramref name="repository"/> (files replaced atomically) and returns what it wrote.</summary>
    public static IReadOnlyList<TritonModel> Write(string modelFolder, string repository, int maxBatchSize = DefaultMaxBatchSize)
    {
        if (maxBatchSize < 1) throw new ArgumentException($"--max-batch must be at least 1, got {maxBatchSize}");
        var manifest = ModelManifest.Load(Path.Combine(modelFolder, ModelPackage.ManifestFile));
        foreach (var g in manifest.Graphs)
        {
            var sha = ModelManifest.Sha256Of(Path.Combine(modelFolder, g.File));
            if (!string.Equals(sha, g.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"graph '{g.Role}': SHA-256 of '{g.File}' is {sha}, the manifest says {g.Sha256}");
        }
        var written = new List<TritonModel>();
        foreach (var g in manifest.Graphs)
        {
            var name = TritonName(manifest, g);
            int batch = Batches(g) ? maxBatchSize : 0;
            var dir = Path.Combine(repository, name);
            Directory.CreateDirectory(Path.Combine(dir, Version));
            ReplaceFile(Path.Combine(dir, Version, OnnxFile), tmp => File.Copy(Path.Combine(modelFolder, g.File), tmp));
            ReplaceFile(Path.Combine(dir, ConfigFile), tmp => File.WriteAllText(tmp, Config(manifest, g, name, batch)));
            written.Add(new TritonModel(name, g.Role, batch));
        }
        return written;
    }

    public static string Config(ModelManifest manifest, GraphSpec graph, string name, int maxBatchSize)
    {
        var s = new StringBuilder();
        s.Append("# ").Append(manifest.Name).Append(", graph '").Append(graph.Role).Append("' (").Append(graph.File)
         .Append(", sha256 ").Append(graph.Sha256).Append("), written by gan export --triton from its model.json\n");
        s.Append("name: \"").Append(name).Append("\"\n");
        s.Append("platform: \"").Append(Platform).Append("\"\n");
        s.Append("max_batch_size: ").Append(maxBatchSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Tensors(s, "input", graph.Inputs, maxBatchSize > 0);
        Tensors(s, "output", graph.Outputs, maxBatchSize > 0);
        // Batched models let Triton merge concurrent requests into one run, as one generate call batches its seeds.
        if (maxBatchSize > 0) s.Append("dynamic_batching { }\n");
        s.Append("version_policy: { latest { num_versions: 1 } }\n");
        return s.ToString();
    }

    private static void Tensors(StringBuilder s, string kind, TensorSpec[] tensors, bool batched)
    {
        s.Append(kind).Append(" [\n");
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i];
            // With max_batch_size > 0 Triton's dims leave out the batch dim; a (B,) tensor (a class label) is then
            // dims [1] reshaped to [] per item, Triton's way of writing a batch of scalars.
            var dims = batched ? t.Shape[1..] : t.Shape;
            s.Append("  {\n");
            s.Append("    name: \"").Append(t.Name).Append("\"\n");
            s.Append("    data_type: ").Append(TritonType(t.DataType)).Append('\n');
            s.Append("    dims: [ ").Append(dims.Length == 0 ? "1" : string.Join(", ", dims.Select(d => d.ToString(CultureInfo.InvariantCulture)))).Append(" ]\n");
            if (dims.Length == 0) s.Append("    reshape: { shape: [ ] }\n");
            s.Append(i + 1 < tensors.Length ? "  },\n" : "  }\n");
        }
        s.Append("]\n");
    }

    private static void ReplaceFile(string path, Action<string> write)
    {
        var tmp = path + ".tmp";
        write(tmp);
        File.Move(tmp, path, overwrite: true);
    }
}
