using GanService.Contracts;
using GanService.Training.Import;
using Xunit.Abstractions;
using static GanService.Tests.Import.ImportTestData;

namespace GanService.Tests.Import;

/// <summary>
/// The peer fixtures (checkpoints written by junyanz networks.py and yunjey model.py themselves, in both on-disk formats):
/// `gan import` → ONNX → ONNX Runtime must give the reference's output, max |Δ| ≤ 1e-4.
/// </summary>
public class TranslationParityTests(ITestOutputHelper log)
{
    private const float Tolerance = 1e-4f;

    private static (long[] Shape, float[] Data) Fixture(string folder, string file) => NpyArray(PeerFixtures.File(folder, file));

    private ModelManifest ImportAndCompare(string family, string folder, string file, int size, string reference,
        IReadOnlyList<string>? labels = null)
    {
        var (manifest, d) = ImportAndRun(family, folder, file, size, reference, labels, null);
        Assert.True(d <= Tolerance, $"{folder}/{file}: max |Δ| {d} > {Tolerance}");
        return manifest;
    }

    private (ModelManifest Manifest, float MaxDiff) ImportAndRun(string family, string folder, string file, int size, string reference,
        IReadOnlyList<string>? labels, string? bnStats)
    {
        using var tmp = new TempDir();
        var options = bnStats is null ? null : new Dictionary<string, string> { ["bnStats"] = bnStats };
        var request = new ImportRequest(PeerFixtures.File(folder, file), "m", tmp.Path, size, labels, Options: options);
        var output = new StringWriter();
        var result = CheckpointImporters.Get(family).Import(request, output);
        var x = Fixture(folder, "in_x.npy");
        (string, long[], float[])[] inputs = labels is null
            ? [("image", x.Shape, x.Data)]
            : [("image", x.Shape, x.Data), ("label", Fixture(folder, "in_c.npy").Shape, Fixture(folder, "in_c.npy").Data)];
        var expected = Fixture(folder, reference);
        var actual = RunOnnx(Path.Combine(result.ModelDir, "model.onnx"), inputs);
        Assert.Equal(expected.Shape, actual.Shape);
        float d = MaxAbsDiff(expected.Data, actual.Data);
        log.WriteLine($"{folder}/{file} vs {reference}{(bnStats is null ? "" : $" (--bn-stats {bnStats})")}: max |Δ| {d:E2}; inferred: {string.Join(" | ", result.Inferred)}");
        return (ModelManifest.Load(Path.Combine(result.ModelDir, "model.json")), d);
    }

    [Theory]
    [InlineData("latest_net_G.pth", "zip")]
    [InlineData("latest_net_G_pre04.pth", "legacy")]
    public void Cyclegan_resnet9_imports_and_matches_the_reference(string file, string container)
    {
        var m = ImportAndCompare("cyclegan", "cyclegan_resnet9_ngf8", file, 64, "out_eval.npy");
        Assert.Equal(("junyanz", container), (m.Source!.Format, m.Source.Container));
        Assert.Equal(ModelManifest.Sha256Of(PeerFixtures.File("cyclegan_resnet9_ngf8", file)), m.Source.Sha256);
        Assert.Contains("resnet_9blocks: ngf 8, 9 residual blocks, norm instance (no affine)", m.Source.Inferred!);
        if (container == "legacy") Assert.Contains("23 × running_mean (InstanceNorm running statistics", m.Source.Inferred);
    }

    [Theory]
    [InlineData("latest_net_G.pth")]
    [InlineData("latest_net_G_legacy.pth")]
    public void Pix2pix_unet256_imports_and_matches_the_reference_in_eval_mode(string file)
    {
        var m = ImportAndCompare("pix2pix", "pix2pix_unet256_ngf4", file, 256, "out_eval.npy");
        Assert.Contains("unet_256: ngf 4, num_downs 8, norm batch (affine, running statistics)", m.Source!.Inferred!);
        Assert.Contains("13 × num_batches_tracked", m.Source.Inferred!);
    }

    [Fact]
    public void Pix2pix_instance_statistics_differ_from_the_eval_reference()
    {
        // --bn-stats instance is the other semantics (test.py without --eval): it must not reproduce the eval output.
        var (m, d) = ImportAndRun("pix2pix", "pix2pix_unet256_ngf4", "latest_net_G.pth", 256, "out_eval.npy", null, "instance");
        Assert.True(d > 0.05f, $"instance statistics gave the eval output (max |Δ| {d})");
        Assert.Contains("--bn-stats instance: 13 BatchNorm layers", m.Source!.Inferred!);
    }

    [Theory]
    [InlineData("200000-G.ckpt")]
    [InlineData("200000-G_legacy.ckpt")]
    public void Stargan_imports_and_matches_the_official_solver_forward(string file)
    {
        string[] labels = ["a", "b", "c", "d", "e"];
        var m = ImportAndCompare("stargan", "stargan_G_conv8", file, 64, "out_official.npy", labels);
        Assert.Equal(labels, m.Labels);
        Assert.Contains("conv_dim 8, c_dim 5, repeat_num 6", m.Source!.Inferred!);
        // the eval-mode output (running statistics) is far from what the official solver computes
        float apart = MaxAbsDiff(Fixture("stargan_G_conv8", "out_official.npy").Data, Fixture("stargan_G_conv8", "out_eval.npy").Data);
        Assert.True(apart > 0.5f, $"out_eval vs out_official {apart}");
    }

    [Fact]
    public void Stargan_with_five_domains_defaults_to_yunjeys_celeba_attributes()
    {
        using var tmp = new TempDir();
        var result = CheckpointImporters.Get("stargan").Import(
            new ImportRequest(PeerFixtures.File("stargan_G_conv8", "200000-G.ckpt"), "celeba", tmp.Path, 64), TextWriter.Null);
        Assert.Equal(StarGanImporter.CelebADefaultLabels, ModelManifest.Load(Path.Combine(result.ModelDir, "model.json")).Labels);
        Assert.Contains(result.Inferred, l => l.StartsWith("labels: yunjey's CelebA defaults", StringComparison.Ordinal));
    }

    [Fact]
    public void Pix2pix_patchgan_discriminator_imports_into_ours_and_gives_the_reference_logits()
    {
        const string folder = "pix2pix_nlayerD_ndf8";
        var s = new SourceState(CheckpointFile.ReadStateDict(PeerFixtures.File(folder, "latest_net_D.pth")).State, "test");
        var arch = JunyanzNetworks.InferPatchDiscriminator(s);
        Assert.Equal(new JunyanzPatchDiscriminator(6, 8, 3, GanService.Training.Layers.NormKind.Batch, false), arch);
        using var d = JunyanzNetworks.LoadPatchDiscriminator(arch, s);
        var x = Fixture(folder, "in_x.npy");
        var expected = Fixture(folder, "out_eval.npy");
        float diff = ConfigurationImportTests.DiscriminatorOnnxDiff(d, x, expected);
        log.WriteLine($"{folder}: ORT logits vs reference max |Δ| {diff:E2}");
        Assert.True(diff <= Tolerance, $"max |Δ| {diff}");
        // and our TorchSharp forward agrees too
        d.eval();
        using var _ = torch.no_grad();
        var ours = d.forward(torch.tensor(x.Data, x.Shape)).data<float>().ToArray();
        Assert.True(MaxAbsDiff(expected.Data, ours) <= Tolerance);
    }
}
