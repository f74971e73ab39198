using GanService.Contracts;
using GanService.Tests.Onnx;
using GanService.Training.Export;
using GanService.Training.Families.Pix2Pix;
using GanService.Training.Onnx;
using Xunit.Abstractions;

namespace GanService.Tests.Export;

/// <summary>The `gan export` path: a randomly initialised small generator → models/&lt;name&gt;/ → ONNX Runtime.</summary>
public class ModelPackageTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "gan-export-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    [Fact]
    public void Exported_unet_checkpoint_loads_with_full_optimisation_and_equals_torchsharp()
    {
        // The generator as training would leave it: non-trivial BatchNorm statistics, saved as a checkpoint.
        torch.manual_seed(11);
        var g = new UnetGenerator(3, 3, 5, 4);
        g.train();
        using (torch.no_grad()) g.forward(torch.randn(4, 3, 32, 32));
        var checkpoint = Path.Combine(_dir, "checkpoint");
        Directory.CreateDirectory(checkpoint);
        g.save(Path.Combine(checkpoint, "G.weights"));

        var overrides = new Dictionary<string, string> { ["size"] = "32", ["ngf"] = "4" };
        var (draft, graphs) = FamilyRegistry.Get("unet").BuildExport("tiny-unet", checkpoint, overrides);
        var folder = Path.Combine(_dir, "tiny-unet");
        var written = ModelPackage.Write(folder, draft, graphs);

        var manifest = ModelManifest.Load(Path.Combine(folder, "model.json"));
        Assert.Equal(written.Graphs[0].Sha256, manifest.Graphs[0].Sha256);
        Assert.Equal(ModelManifest.Sha256Of(Path.Combine(folder, "model.onnx")), manifest.Graphs[0].Sha256);
        Assert.Equal(ModelTasks.Translate, manifest.Task);

        // The manifest travels inside the ONNX file too.
        var proto = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(folder, "model.onnx")));
        Assert.Contains("tiny-unet", proto.MetadataProps.Single(p => p.Key == ModelPackage.MetadataKey).Value);

        torch.manual_seed(1);
        var x = torch.rand(2, 3, 32, 32) * 2 - 1;
        float d = Parity.Compare(File.ReadAllBytes(Path.Combine(folder, "model.onnx")),
            [(new OnnxIo("image", [-1, 3, 32, 32]), x)], [new OnnxIo("output", [-1, 3, 32, 32])], g, t => [g.forward(t[0])], log, "gan export unet (checkpoint, 32², ngf 4)");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
    }

    [Fact]
    public void Unet_256_reference_parity_on_a_trained_like_batchnorm_state()
    {
        torch.manual_seed(5);
        var g = new UnetGenerator(3, 3, 8, 8); // unet_256 depth, slim width so the test stays fast
        g.train();
        using (torch.no_grad()) g.forward(torch.randn(2, 3, 256, 256)); // non-trivial running stats
        torch.manual_seed(6);
        var x = torch.rand(1, 3, 256, 256) * 2 - 1;
        float d = Parity.MaxAbsDiff(g, [(new OnnxIo("image", [-1, 3, 256, 256]), x)], [new OnnxIo("output", [-1, 3, 256, 256])],
            t => [g.forward(t[0])], log, "unet_256 ngf 8");
        Assert.True(d <= Parity.Tolerance, $"max |Δ| {d}");
    }

    [Fact]
    public void Write_refuses_a_hostile_model_name()
    {
        var (draft, graphs) = FamilyRegistry.Get("unet").BuildExport("ok", null, new Dictionary<string, string> { ["size"] = "32", ["ngf"] = "2" });
        Assert.Throws<ArgumentException>(() => ModelPackage.Write(_dir, draft with { Name = "../../etc" }, graphs));
        Assert.False(Directory.Exists(_dir));
    }

    [Fact]
    public void Unknown_family_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => FamilyRegistry.Get("nope"));
        Assert.Contains("unet", e.Message);
    }
}
