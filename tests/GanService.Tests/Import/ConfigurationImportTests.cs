using System.Text.Json;
using GanService.Contracts;
using GanService.Training.Import;
using GanService.Training.Layers;
using GanService.Training.Onnx;
using Xunit.Abstractions;
using static GanService.Tests.Import.ImportTestData;

namespace GanService.Tests.Import;

/// <summary>
/// Checkpoints written by PyTorch in the junyanz / yunjey key layouts for configurations the peer fixtures lack
/// (other ngf, block counts, U-Net depths 5–9, c_dim, grey images, every norm kind; zip and legacy formats; made by
/// Configurations/make_configurations.py): the importer must infer exactly what was built, load strictly, and its ONNX
/// export must reproduce PyTorch's output.
/// </summary>
public class ConfigurationImportTests(ITestOutputHelper log)
{
    private static readonly JsonElement Root = JsonDocument.Parse(File.ReadAllText(Path.Combine(ConfigurationsDir, "configurations.json"))).RootElement;

    public static IEnumerable<object[]> Files(string kind) =>
        Root.GetProperty("configurations").EnumerateArray().Where(c => c.GetProperty("kind").GetString() == kind)
            .Select(c => new object[] { c.GetProperty("file").GetString()! });

    public static IEnumerable<object[]> Generators() => Files("generator");
    public static IEnumerable<object[]> Discriminators() => Files("nlayer");
    public static IEnumerable<object[]> StarGans() => Files("stargan");
    public static IEnumerable<object[]> Invalid() =>
        Root.GetProperty("invalid").EnumerateArray().Select(c => new object[] { c.GetProperty("file").GetString()! });

    private static JsonElement Entry(string file, string list = "configurations") =>
        Root.GetProperty(list).EnumerateArray().Single(c => c.GetProperty("file").GetString() == file);

    private static NormKind Norm(string name) => name switch
    {
        "batch" => NormKind.Batch,
        "batch_noaffine" => NormKind.BatchNoAffine,
        "instance" => NormKind.Instance,
        "instance_affine" => NormKind.InstanceAffine,
        "none" => NormKind.None,
        _ => throw new ArgumentException(name),
    };

    private static string PathOf(string file) => Path.Combine(ConfigurationsDir, file);

    [Theory]
    [MemberData(nameof(Generators))]
    public void Junyanz_generator_configuration_is_inferred_and_matches_pytorch(string file)
    {
        var c = Entry(file);
        var x = c.GetProperty("expect");
        var (state, container) = CheckpointFile.ReadStateDict(PathOf(file));
        Assert.Equal(c.GetProperty("format").GetString(), container);
        var arch = JunyanzNetworks.InferGenerator(new SourceState(state, "test"));
        Assert.Equal(new JunyanzGenerator(x.GetProperty("kind").GetString()!, x.GetProperty("inputChannels").GetInt64(),
            x.GetProperty("outputChannels").GetInt64(), x.GetProperty("ngf").GetInt64(), x.GetProperty("depth").GetInt32(),
            Norm(x.GetProperty("norm").GetString()!), x.GetProperty("convBias").GetBoolean(), x.GetProperty("dropout").GetBoolean()), arch);

        using var tmp = new TempDir();
        int size = c.GetProperty("size").GetInt32();
        var request = new ImportRequest(PathOf(file), "m", tmp.Path, size);
        var result = CheckpointImporters.Get(arch.Kind == "unet" ? "pix2pix" : "cyclegan").Import(request, TextWriter.Null);
        var manifest = ModelManifest.Load(Path.Combine(result.ModelDir, "model.json"));
        Assert.Equal(ModelManifest.Sha256Of(PathOf(file)), manifest.Source!.Sha256);
        if (!c.TryGetProperty("output", out var output)) return; // structure only (deep U-Nets at 128² and 512²)

        var input = NpyArray(PathOf(c.GetProperty("input").GetString()!));
        var expected = NpyArray(PathOf(output.GetString()!));
        var actual = RunOnnx(Path.Combine(result.ModelDir, "model.onnx"), ("image", input.Shape, input.Data));
        Assert.Equal(expected.Shape, actual.Shape);
        float d = MaxAbsDiff(expected.Data, actual.Data);
        log.WriteLine($"{file} ({arch}): max |Δ| {d:E2}");
        Assert.True(d <= 1e-4f, $"{file}: max |Δ| {d}");

        if (!c.TryGetProperty("outputInstance", out var inst)) return;
        // junyanz test.py without --eval on one image (Dropout off): --bn-stats instance
        using var tmp2 = new TempDir();
        var r2 = CheckpointImporters.Get("pix2pix").Import(request with { ModelsDir = tmp2.Path, Options = new Dictionary<string, string> { ["bnStats"] = "instance" } }, TextWriter.Null);
        var one = input.Data.AsSpan(0, input.Data.Length / (int)input.Shape[0]).ToArray();
        var expectedInstance = NpyArray(PathOf(inst.GetString()!));
        var actualInstance = RunOnnx(Path.Combine(r2.ModelDir, "model.onnx"), ("image", [1, .. input.Shape[1..]], one));
        float di = MaxAbsDiff(expectedInstance.Data, actualInstance.Data);
        log.WriteLine($"{file} --bn-stats instance: max |Δ| {di:E2} (to running statistics: {MaxAbsDiff(expectedInstance.Data, actual.Data.AsSpan(0, one.Length).ToArray()):E2})");
        Assert.True(di <= 1e-4f, $"{file} --bn-stats instance: max |Δ| {di}");
    }

    [Theory]
    [MemberData(nameof(Discriminators))]
    public void Junyanz_patch_discriminator_configuration_is_inferred_and_matches_pytorch(string file)
    {
        var c = Entry(file);
        var x = c.GetProperty("expect");
        var s = new SourceState(CheckpointFile.ReadStateDict(PathOf(file)).State, "test");
        var arch = JunyanzNetworks.InferPatchDiscriminator(s);
        Assert.Equal(new JunyanzPatchDiscriminator(x.GetProperty("inputChannels").GetInt64(), x.GetProperty("ndf").GetInt64(),
            x.GetProperty("nLayers").GetInt32(), Norm(x.GetProperty("norm").GetString()!), x.GetProperty("convBias").GetBoolean()), arch);
        using var d = JunyanzNetworks.LoadPatchDiscriminator(arch, s);
        var input = NpyArray(PathOf(c.GetProperty("input").GetString()!));
        var expected = NpyArray(PathOf(c.GetProperty("output").GetString()!));
        float diff = DiscriminatorOnnxDiff(d, input, expected);
        log.WriteLine($"{file} ({arch}): max |Δ| {diff:E2}");
        Assert.True(diff <= 1e-4f, $"{file}: max |Δ| {diff}");
    }

    /// <summary>Exports our PatchGAN D with the reference's input shape and compares ORT's logits with the reference's.</summary>
    public static float DiscriminatorOnnxDiff(nn.Module<Tensor, Tensor> d, (long[] Shape, float[] Data) input, (long[] Shape, float[] Data) expected)
    {
        var model = OnnxExporter.Export(d, [new OnnxIo("x", [-1, .. input.Shape[1..]])], [new OnnxIo("y", [-1, .. expected.Shape[1..]])]);
        using var tmp = new TempDir();
        string path = Path.Combine(tmp.Path, "d.onnx");
        OnnxExporter.Save(model, path);
        var actual = RunOnnx(path, ("x", input.Shape, input.Data));
        Assert.Equal(expected.Shape, actual.Shape);
        return MaxAbsDiff(expected.Data, actual.Data);
    }

    [Theory]
    [MemberData(nameof(StarGans))]
    public void Stargan_configuration_is_inferred_and_matches_the_official_forward(string file)
    {
        var c = Entry(file);
        var x = c.GetProperty("expect");
        int cDim = x.GetProperty("labelCount").GetInt32();
        var arch = StarGanImporter.Infer(new SourceState(CheckpointFile.ReadStateDict(PathOf(file)).State, "test"));
        Assert.Equal(new YunjeyStarGanGenerator(x.GetProperty("convDim").GetInt64(), cDim, x.GetProperty("repeatNum").GetInt32(),
            x.GetProperty("imageChannels").GetInt64()), arch);

        using var tmp = new TempDir();
        string[] labels = Enumerable.Range(0, cDim).Select(i => $"d{i}").ToArray();
        var result = CheckpointImporters.Get("stargan").Import(new ImportRequest(PathOf(file), "s", tmp.Path, c.GetProperty("size").GetInt32(), labels), TextWriter.Null);
        Assert.Equal(labels, ModelManifest.Load(Path.Combine(result.ModelDir, "model.json")).Labels);
        var image = NpyArray(PathOf(c.GetProperty("input").GetString()!));
        var label = NpyArray(PathOf(c.GetProperty("inputLabels").GetString()!));
        var expected = NpyArray(PathOf(c.GetProperty("output").GetString()!));
        var actual = RunOnnx(Path.Combine(result.ModelDir, "model.onnx"), ("image", image.Shape, image.Data), ("label", label.Shape, label.Data));
        float d = MaxAbsDiff(expected.Data, actual.Data);
        log.WriteLine($"{file} ({arch}): max |Δ| {d:E2}");
        Assert.True(d <= 1e-4f, $"{file}: max |Δ| {d}");
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_checkpoint_is_refused_naming_the_key(string file)
    {
        var c = Entry(file, "invalid");
        using var tmp = new TempDir();
        string family = c.GetProperty("family").GetString()!;
        string[]? labels = family == "stargan" ? ["a", "b", "c"] : null;
        var e = Assert.Throws<CheckpointImportException>(() => CheckpointImporters.Get(family)
            .Import(new ImportRequest(PathOf(file), "bad", tmp.Path, 16, labels), TextWriter.Null));
        Assert.Contains(c.GetProperty("error").GetString()!, e.Message);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "bad")), "nothing is written for a refused checkpoint");
    }
}
