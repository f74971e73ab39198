using System.Text.Encodings.Web;
using System.Text.Json;
using GanService.Contracts;
using GanService.Training.Onnx;
using Google.Protobuf;
using Onnx;

namespace GanService.Training.Export;

/// <summary>One ONNX graph to write into a model folder, with the tensors the manifest must describe.</summary>
public sealed record PackagedGraph(string Role, string File, ModelProto Model, TensorSpec[] Inputs, TensorSpec[] Outputs)
{
    /// <summary>The graph with role model (model.onnx), the only one of a single-graph model: <paramref name="module"/> exported over
    /// <paramref name="inputs"/> (described by <paramref name="inputSpecs"/>, in order) → <paramref name="outputs"/>,
    /// whose first is the image.</summary>
    public static PackagedGraph ModelGraph(nn.Module module, IReadOnlyList<OnnxIo> inputs, IReadOnlyList<OnnxIo> outputs,
        IEnumerable<TensorSpec> inputSpecs, string graphName = OnnxExporter.DefaultGraphName) =>
        new("model", "model.onnx", OnnxExporter.Export(module, inputs, outputs, graphName: graphName), [.. inputSpecs],
            [ModelPackage.Spec(outputs[0], TensorRoles.Image)]);

    /// <summary>The manifest's entry for this graph once its file has <paramref name="sha256"/>.</summary>
    public GraphSpec Spec(string sha256) => new(Role, File, sha256, Inputs, Outputs);
}

/// <summary>
/// Writes models/&lt;name&gt;/: each ONNX graph, then model.json with their SHA-256. The manifest (without the hashes,
/// which cannot be inside the file they hash) is also stored in each ONNX file's metadata under "gan.manifest", so a
/// bare .onnx still says what it is.
/// </summary>
public static class ModelPackage
{
    public const string ManifestFile = "model.json";
    public const string MetadataKey = "gan.manifest";

    /// <summary>The manifest's JSON options, writing non-ASCII text (², →, β) as itself: model.json is read by people.</summary>
    private static readonly JsonSerializerOptions WriteOptions = new(ModelManifest.JsonOptions) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static ModelManifest Write(string directory, ModelManifest draft, IReadOnlyList<PackagedGraph> graphs)
    {
        if (!ModelName.IsValid(draft.Name)) throw new ArgumentException($"model name '{draft.Name}' must match {ModelName.Pattern}");
        Directory.CreateDirectory(directory);
        var unhashed = draft with
        {
            Graphs = graphs.Select(g => g.Spec(ManifestDraft.UnhashedSha256)).ToArray(),
        };
        Check(unhashed);
        string metadataJson = MetadataJson(unhashed);
        var specs = new List<GraphSpec>();
        foreach (var g in graphs)
        {
            string path = Path.Combine(directory, g.File);
            OnnxExporter.Save(WithManifest(g.Model, metadataJson), path);
            specs.Add(g.Spec(ModelManifest.Sha256Of(path)));
        }
        return WriteManifest(directory, draft with { Graphs = specs.ToArray() });
    }

    /// <summary>
    /// Writes a model folder around an ONNX file made elsewhere (`gan package`): the file is copied byte for byte (its
    /// bytes are the ones <paramref name="manifest"/> hashes, so no manifest goes into its metadata), then model.json,
    /// last, so a half-written folder never validates.
    /// </summary>
    public static ModelManifest WriteForeign(string directory, ModelManifest manifest, string onnxPath)
    {
        Check(manifest);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, manifest.Graphs.Single().File), tmp = path + ".tmp";
        File.Copy(onnxPath, tmp, overwrite: true);
        File.Move(tmp, path, overwrite: true);
        return WriteManifest(directory, manifest);
    }

    /// <summary>
    /// Rewrites a model folder's manifest — model.json and the copy in every ONNX file's metadata — from its model.json
    /// after <paramref name="edit"/> (e.g. a corrected data description), without touching the weights: every ONNX file
    /// must still match the SHA-256 in model.json before, and apart from the metadata its bytes are the same after
    /// (checked here, not assumed); the hashes are updated. For models whose checkpoint is gone.
    /// </summary>
    public static ModelManifest Repackage(string directory, Func<ModelManifest, ModelManifest>? edit = null)
    {
        var current = ModelManifest.Load(Path.Combine(directory, ManifestFile));
        foreach (var g in current.Graphs)
        {
            string path = Path.Combine(directory, g.File);
            if (!string.Equals(ModelManifest.Sha256Of(path), g.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"{path} does not match the SHA-256 in {ManifestFile}: its weights are not the ones the manifest describes; export it again from the checkpoint");
        }
        var edited = (edit ?? (m => m))(current);
        if (edited.Graphs.Select(g => g.File).SequenceEqual(current.Graphs.Select(g => g.File)) is false)
            throw new ArgumentException("repackaging keeps the model's ONNX files; it cannot add, drop or rename graphs");
        Check(edited);
        string metadataJson = MetadataJson(edited);
        var specs = new List<GraphSpec>();
        foreach (var g in edited.Graphs)
        {
            string path = Path.Combine(directory, g.File);
            var before = File.ReadAllBytes(path);
            var after = WithManifest(ModelProto.Parser.ParseFrom(before), metadataJson).ToByteArray();
            // Compared on the files' bytes, field by field: everything but metadata_props must come out as it went in.
            if (!FieldsOtherThanMetadata(before).SequenceEqual(FieldsOtherThanMetadata(after), FieldComparer.Instance))
                throw new InvalidOperationException($"{path}: rewriting the metadata would change other bytes of the model");
            var tmp = path + ".tmp";
            File.WriteAllBytes(tmp, after);
            File.Move(tmp, path, overwrite: true);
            specs.Add(g with { Sha256 = ModelManifest.Sha256Of(path) });
        }
        return WriteManifest(directory, edited with { Graphs = specs.ToArray() });
    }

    /// <summary>The manifest stored in an ONNX file's metadata (graph hashes blank), or null when it has none.</summary>
    public static string? EmbeddedManifest(string onnxPath) =>
        ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnxPath)).MetadataProps.FirstOrDefault(p => p.Key == MetadataKey)?.Value;

    /// <summary>The form stored in the ONNX metadata: the manifest without the hashes (which cannot be inside the file
    /// they hash). model.json equals it once its hashes are blanked.</summary>
    public static string MetadataJson(ModelManifest manifest) =>
        JsonSerializer.Serialize(manifest with { Graphs = manifest.Graphs.Select(g => g with { Sha256 = "" }).ToArray() }, WriteOptions);

    private static ModelProto WithManifest(ModelProto model, string metadataJson)
    {
        WithoutManifest(model);
        model.MetadataProps.Add(new StringStringEntryProto { Key = MetadataKey, Value = metadataJson });
        return model;
    }

    private static ModelProto WithoutManifest(ModelProto model)
    {
        var existing = model.MetadataProps.FirstOrDefault(p => p.Key == MetadataKey);
        if (existing is not null) model.MetadataProps.Remove(existing);
        return model;
    }

    /// <summary>The manifest must be valid and say nothing of the machine it was made on (no local path, no core count).</summary>
    private static void Check(ModelManifest manifest)
    {
        var errors = manifest.Validate().Concat(TrainingProvenance.MachineSpecific(manifest.ToJson())).ToList();
        if (errors.Count > 0) throw new ManifestException(ManifestFile, errors);
    }

    private const int MetadataPropsField = 14; // ModelProto.metadata_props in onnx.proto

    /// <summary>The top-level protobuf fields of a serialized ModelProto as (tag, raw bytes), metadata_props left out.</summary>
    private static List<(uint Tag, byte[] Bytes)> FieldsOtherThanMetadata(byte[] model)
    {
        var fields = new List<(uint, byte[])>();
        var input = new CodedInputStream(model);
        while (!input.IsAtEnd)
        {
            long start = input.Position;
            uint tag = input.ReadTag();
            input.SkipLastField();
            if (WireFormat.GetTagFieldNumber(tag) != MetadataPropsField) fields.Add((tag, model[(int)start..(int)input.Position]));
        }
        return fields;
    }

    private sealed class FieldComparer : IEqualityComparer<(uint Tag, byte[] Bytes)>
    {
        public static readonly FieldComparer Instance = new();
        public bool Equals((uint Tag, byte[] Bytes) a, (uint Tag, byte[] Bytes) b) => a.Tag == b.Tag && a.Bytes.AsSpan().SequenceEqual(b.Bytes);
        public int GetHashCode((uint Tag, byte[] Bytes) f) => (int)f.Tag;
    }

    private static ModelManifest WriteManifest(string directory, ModelManifest manifest)
    {
        Check(manifest);
        var tmp = Path.Combine(directory, ManifestFile + ".tmp");
        File.WriteAllText(tmp, JsonSerializer.Serialize(manifest, WriteOptions) + "\n");
        File.Move(tmp, Path.Combine(directory, ManifestFile), overwrite: true);
        return manifest;
    }

    /// <summary>Graph I/O declarations → manifest tensor specs.</summary>
    public static TensorSpec Spec(OnnxIo io, string role) =>
        new(io.Name, io.Shape, io.Type == ScalarType.Int64 ? "int64" : "float32", role);

    /// <summary>The specs of <paramref name="ios"/>, the i-th with the i-th of <paramref name="roles"/>.</summary>
    public static TensorSpec[] Specs(IReadOnlyList<OnnxIo> ios, params string[] roles) =>
        roles.Length == ios.Count ? ios.Select((io, i) => Spec(io, roles[i])).ToArray()
            : throw new ArgumentException($"{ios.Count} tensors ({string.Join(", ", ios.Select(io => io.Name))}) but {roles.Length} roles");
}
