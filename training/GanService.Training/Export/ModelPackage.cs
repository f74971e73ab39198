using System.Text.Json;
using GanService.Contracts;
using GanService.Training.Onnx;
using Onnx;

namespace GanService.Training.Export;

/// <summary>One ONNX graph to write into a model folder, with the tensors the manifest must describe.</summary>
public sealed record PackagedGraph(string Role, string File, ModelProto Model, TensorSpec[] Inputs, TensorSpec[] Outputs);

/// <summary>
/// Writes models/&lt;name&gt;/: each ONNX graph, then model.json with their SHA-256. The manifest (without the hashes,
/// which cannot be inside the file they hash) is also stored in each ONNX file's metadata under "gan.manifest", so a
/// bare .onnx still says what it is.
/// </summary>
public static class ModelPackage
{
    public const string ManifestFile = "model.json";
    public const string MetadataKey = "gan.manifest";

    public static ModelManifest Write(string directory, ModelManifest draft, IReadOnlyList<PackagedGraph> graphs)
    {
        if (!ModelName.IsValid(draft.Name)) throw new ArgumentException($"model name '{draft.Name}' must match {ModelName.Pattern}");
        Directory.CreateDirectory(directory);
        var unhashed = draft with
        {
            Graphs = graphs.Select(g => new GraphSpec(g.Role, g.File, new string('0', 64), g.Inputs, g.Outputs)).ToArray(),
        };
        string metadataJson = JsonSerializer.Serialize(unhashed with { Graphs = unhashed.Graphs.Select(g => g with { Sha256 = "" }).ToArray() }, ModelManifest.JsonOptions);
        var specs = new List<GraphSpec>();
        foreach (var g in graphs)
        {
            var existing = g.Model.MetadataProps.FirstOrDefault(p => p.Key == MetadataKey);
            if (existing is not null) g.Model.MetadataProps.Remove(existing);
            g.Model.MetadataProps.Add(new StringStringEntryProto { Key = MetadataKey, Value = metadataJson });
            string path = Path.Combine(directory, g.File);
            OnnxExporter.Save(g.Model, path);
            specs.Add(new GraphSpec(g.Role, g.File, ModelManifest.Sha256Of(path), g.Inputs, g.Outputs));
        }
        var manifest = draft with { Graphs = specs.ToArray() };
        var errors = manifest.Validate();
        if (errors.Count > 0) throw new ManifestException(ManifestFile, errors);
        var tmp = Path.Combine(directory, ManifestFile + ".tmp");
        File.WriteAllText(tmp, manifest.ToJson());
        File.Move(tmp, Path.Combine(directory, ManifestFile), overwrite: true);
        return manifest;
    }

    /// <summary>Graph I/O declarations → manifest tensor specs.</summary>
    public static TensorSpec Spec(OnnxIo io, string role) =>
        new(io.Name, io.Shape, io.Type == ScalarType.Int64 ? "int64" : "float32", role);
}
