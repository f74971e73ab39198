using System.Text.RegularExpressions;
using GanService.Cli.Commands;
using GanService.Contracts;
using GanService.Tests.Cli;
using GanService.Tests.Repository;
using GanService.Training.Export;
using Microsoft.ML.OnnxRuntime;

namespace GanService.Tests.Deploy;

/// <summary>`gan export --triton` on the shipped models: config.pbtxt says what the manifest says (names, data types,
/// dims, batching) and what the ONNX file itself declares, and model.onnx is the manifest's file, byte for byte.</summary>
public sealed class TritonExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gan-triton-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record PbTensor(string Name, string DataType, long[] Dims, bool ReshapedToScalar);
    private sealed record PbConfig(string Name, string Platform, int MaxBatchSize, PbTensor[] Inputs, PbTensor[] Outputs);

    /// <summary>The subset of protobuf text format that config.pbtxt uses here.</summary>
    private static PbConfig Parse(string text)
    {
        string Field(string name) => Regex.Match(text, $@"^{name}: ""?([^""\n]+)""?$", RegexOptions.Multiline).Groups[1].Value;
        PbTensor[] Tensors(string kind)
        {
            var block = Regex.Match(text, $@"^{kind} \[\n(.*?)^\]", RegexOptions.Multiline | RegexOptions.Singleline).Groups[1].Value;
            return [.. Regex.Matches(block, @"\{(.*?)\}\s*,?\s*(?=\{|$)", RegexOptions.Singleline).Select(m => m.Groups[1].Value).Select(t => new PbTensor(
                Regex.Match(t, @"name: ""([^""]+)""").Groups[1].Value,
                Regex.Match(t, @"data_type: (\w+)").Groups[1].Value,
                [.. Regex.Match(t, @"dims: \[([^\]]*)\]").Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(long.Parse)],
                t.Contains("reshape: { shape: [ ] }")))];
        }
        return new PbConfig(Field("name"), Field("platform"), int.Parse(Field("max_batch_size")), Tensors("input"), Tensors("output"));
    }

    [Theory]
    [InlineData("fmnist-cgan")]            // z + an int64 (B,) label
    [InlineData("shapes-recolor-stargan")] // image + label vector → image
    [InlineData("emoji-stylegan2")]        // three graphs; mapping has the per-request psi [1]
    public void Triton_layout_matches_the_manifest_and_the_onnx_files(string model)
    {
        var folder = Path.Combine(RepositoryLayoutTests.Root(), "models", model);
        var (exit, output, error) = CommandRunner.Run(ExportCommand.Create(), "--triton", _dir, "--model", folder);
        Assert.True(exit == 0, error);
        var manifest = ModelManifest.Load(Path.Combine(folder, "model.json"));
        Assert.Equal(manifest.Graphs.Length, Directory.GetDirectories(_dir).Length);
        foreach (var graph in manifest.Graphs)
        {
            var name = manifest.Graphs.Length == 1 ? model : $"{model}_{graph.Role}";
            Assert.Contains(name, output);
            var onnx = Path.Combine(_dir, name, "1", "model.onnx");
            Assert.Equal(graph.Sha256, ModelManifest.Sha256Of(onnx));
            var config = Parse(File.ReadAllText(Path.Combine(_dir, name, "config.pbtxt")));
            Assert.Equal(name, config.Name);
            Assert.Equal("onnxruntime_onnx", config.Platform);
            bool batched = graph.Inputs.Concat(graph.Outputs).All(t => t.Shape[0] == -1);
            Assert.Equal(batched ? TritonRepository.DefaultMaxBatchSize : 0, config.MaxBatchSize);
            using var session = new InferenceSession(onnx);
            AssertTensors(graph.Inputs, config.Inputs, batched, session.InputMetadata);
            AssertTensors(graph.Outputs, config.Outputs, batched, session.OutputMetadata);
        }
        if (model == "emoji-stylegan2")
        {
            Assert.Equal(0, Parse(File.ReadAllText(Path.Combine(_dir, "emoji-stylegan2_mapping", "config.pbtxt"))).MaxBatchSize);
            Assert.Contains("mapping (z, psi) → w", output);
        }
    }

    private static void AssertTensors(TensorSpec[] manifest, PbTensor[] config, bool batched, IReadOnlyDictionary<string, NodeMetadata> onnx)
    {
        Assert.Equal(manifest.Select(t => t.Name), config.Select(t => t.Name));
        Assert.Equal(manifest.Select(t => t.Name).Order(), onnx.Keys.Order());
        foreach (var (spec, pb) in manifest.Zip(config))
        {
            Assert.Equal(spec.DataType switch { "float32" => "TYPE_FP32", "int64" => "TYPE_INT64", _ => "?" }, pb.DataType);
            Assert.Equal(spec.DataType == "int64" ? typeof(long) : typeof(float), onnx[spec.Name].ElementType);
            // Triton's full shape: the batch dim (when batched) + dims, where dims [1] reshaped to [] is a (B,) tensor.
            long[] full = batched ? [-1, .. pb.ReshapedToScalar ? [] : pb.Dims] : pb.Dims;
            Assert.Equal(spec.Shape, full);
            Assert.Equal(spec.Shape.Select(d => d < 0 ? -1 : d), onnx[spec.Name].Dimensions.Select(d => d < 0 ? -1L : d));
        }
    }

    [Fact]
    public void Triton_export_refuses_a_model_whose_file_does_not_match_its_manifest()
    {
        var copy = Path.Combine(_dir, "src");
        Directory.CreateDirectory(copy);
        var source = Path.Combine(RepositoryLayoutTests.Root(), "models", "fmnist-dcgan");
        File.Copy(Path.Combine(source, "model.json"), Path.Combine(copy, "model.json"));
        var bytes = File.ReadAllBytes(Path.Combine(source, "model.onnx"));
        bytes[^1] ^= 1;
        File.WriteAllBytes(Path.Combine(copy, "model.onnx"), bytes);
        var (exit, _, error) = CommandRunner.Run(ExportCommand.Create(), "--triton", Path.Combine(_dir, "out"), "--model", copy);
        Assert.Equal(2, exit);
        Assert.Contains("SHA-256", error);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out", "fmnist-dcgan")));
    }

    [Fact]
    public void Export_needs_either_a_family_and_name_or_triton_and_model()
    {
        Assert.Equal(2, CommandRunner.Run(ExportCommand.Create(), "--triton", _dir).Exit);
        Assert.Equal(2, CommandRunner.Run(ExportCommand.Create(), "dcgan", "--triton", _dir, "--model", "fmnist-dcgan").Exit);
        var (exit, _, error) = CommandRunner.Run(ExportCommand.Create(), "dcgan");
        Assert.Equal(2, exit);
        Assert.Contains("--triton", error);
    }
}
