using GanService.Contracts;
using GanService.Inference;
using GanService.Tests.Onnx;
using GanService.Training.Export;
using GanService.Training.Families.SrGan;
using GanService.Training.Layers;
using GanService.Training.Onnx;
using Xunit.Abstractions;

namespace GanService.Tests.Families.SrGan;

/// <summary>
/// The srgan family's networks: both generators exported by `gan export srgan` (any height and width) match TorchSharp
/// at two sizes; the receptive radius the manifest's tile margin is set from bounds how far a changed input pixel moves
/// the output; tiles with that margin stitch to the untiled result; the discriminator fits any power-of-two patch.
/// </summary>
public class SrGanNetworkTests(ITestOutputHelper log)
{
    internal static SrGanOptions Tiny(string arch, int scale = 4) => arch == "rrdb"
        ? new SrGanOptions { Arch = "rrdb", Scale = scale, Nf = 8, Nb = 1, Gc = 8, HrSize = 16, Seed = 3, PerceptualWeight = 0 }
        : new SrGanOptions { Arch = "srresnet", Scale = scale, Nf = 8, Nb = 2, HrSize = 16, Seed = 3, PerceptualWeight = 0 };

    /// <summary>A generator with every weight drawn away from BasicSR's small initialisation (× 0.1 residual branches
    /// would hide a wrong path in the parity and radius checks).</summary>
    private static Layer Randomised(SrGanOptions o)
    {
        torch.manual_seed(o.Seed);
        var g = SrGanTrainer.Build(o);
        using var _ = torch.no_grad();
        foreach (var p in g.parameters()) p.normal_(0, 0.15);
        g.eval();
        return g;
    }

    [Theory]
    [InlineData("rrdb", 4)]
    [InlineData("rrdb", 2)]
    [InlineData("srresnet", 4)]
    [InlineData("srresnet", 3)]
    public void Exported_generator_matches_torchsharp_at_two_sizes(string arch, int scale)
    {
        var o = Tiny(arch, scale);
        using var g = Randomised(o);
        var export = new SrGanExportFamily();
        var (draft, graphs) = export.Export(g, o, "sr", new ExportRequest(null));
        Assert.Equal(ModelTasks.Translate, draft.Task);
        Assert.Equal(new ImageSpec(3, SrGanExportFamily.WarmUpSize, SrGanExportFamily.WarmUpSize, 0f, 1f,
            SizeMultiple: SrGanTrainer.SizeMultiple(o), TileMargin: SrGanTrainer.ReceptiveRadius(o), OutputScale: scale), draft.Image);
        var bytes = OnnxExporter.ToBytes(graphs[0].Model);
        foreach (var (h, w) in new[] { (12, 16), (20, 8) })
        {
            torch.manual_seed(h);
            var x = torch.rand(2, 3, h, w);
            float d = Parity.Compare(bytes, [(new OnnxIo("image", [-1, 3, -1, -1]), x)], [new OnnxIo("output", [-1, 3, -1, -1])], g,
                i => [g.forward(i[0])], log, $"{arch} ×{scale} {h}×{w}");
            Assert.True(d <= Parity.Tolerance, $"{arch} ×{scale} {h}×{w}: max |Δ| {d}");
        }
    }

    [Theory]
    [InlineData("rrdb", 4)]
    [InlineData("rrdb", 2)]
    [InlineData("srresnet", 4)]
    public void An_input_pixel_moves_no_output_pixel_beyond_the_receptive_radius(string arch, int scale)
    {
        var o = Tiny(arch, scale);
        using var g = Randomised(o);
        int radius = SrGanTrainer.ReceptiveRadius(o), n = 2 * radius + 24, c = n / 2;
        using var _ = torch.no_grad();
        torch.manual_seed(5);
        var x = torch.rand(1, 3, n, n);
        var moved = x.clone();
        moved[0, .., c, c] = moved[0, .., c, c] + 1f;
        var changed = (g.forward(moved) - g.forward(x)).abs().amax([0, 1]) > 1e-6f; // (n·s, n·s)
        var where = changed.nonzero(); // (K, 2) output rows and columns
        Assert.True(where.shape[0] > 0, "the change reached no output pixel");
        // In input pixels: output pixel p covers input [p / s, (p + 1) / s).
        long reach = (where.div(scale, rounding_mode: RoundingMode.floor) - c).abs().max().item<long>();
        log.WriteLine($"{arch} ×{scale}: reach {reach} input pixels, radius {radius}");
        Assert.True(reach <= radius, $"reach {reach} > radius {radius}");
    }

    [Fact]
    public void Tiles_with_the_manifest_margin_equal_a_whole_run()
    {
        var o = Tiny("rrdb");
        using var g = Randomised(o);
        var (draft, graphs) = new SrGanExportFamily().Export(g, o, "sr", new ExportRequest(null));
        using var session = Parity.Session(OnnxExporter.ToBytes(graphs[0].Model));
        float[] Run(float[] window, int w, int h)
        {
            using var input = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(window, [1, 3, h, w]);
            using var outputs = session.Run(new Microsoft.ML.OnnxRuntime.RunOptions(), ["image"], [input], ["output"]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        const int width = 150, height = 110;
        torch.manual_seed(8);
        var pixels = torch.rand(3, height, width).data<float>().ToArray();
        var spec = draft.Image;
        var whole = NativeSize.Run(spec, pixels, width, height, Run, InferenceLimits.Default, default);
        // Windows whose ×4 output is at most 256²: 64² input pixels, tiles of 64 − 2·19 (the margin) = 26 → a 6 × 5 grid.
        var small = new InferenceLimits { MaxNativePixels = 256 * 256 };
        var plan = NativeSize.Plan(spec, width, height, small);
        Assert.True(plan.Tiles >= 12, $"{plan.Tiles} tiles");
        var tiled = NativeSize.Run(spec, pixels, width, height, Run, small, default);
        float max = whole.Zip(tiled, (a, b) => Math.Abs(a - b)).Max();
        var narrow = NativeSize.Run(spec with { TileMargin = 2 }, pixels, width, height, Run, small, default);
        float seams = whole.Zip(narrow, (a, b) => Math.Abs(a - b)).Max();
        log.WriteLine($"{plan.Tiles} tiles, margin {spec.TileMargin}: max |Δ| {max:E2}; margin 2: {seams:E2}");
        Assert.True(max <= 1e-5f, $"tiled vs whole: max |Δ| {max}");
        Assert.True(seams > 1e-3f, $"a margin of 2 should leave seams (max |Δ| {seams}), or this test shows nothing");
    }

    [Theory]
    [InlineData(16, 2)]
    [InlineData(128, 5)]
    [InlineData(256, 6)]
    public void Discriminator_has_basicsr_stages_for_the_patch_size(int size, int stages)
    {
        Assert.Equal(stages, VggStyleDiscriminator.Stages(size));
        using var d = new VggStyleDiscriminator(3, size, 4);
        using var _ = torch.no_grad();
        Assert.Equal([2L, 1], d.forward(torch.rand(2, 3, size, size)).shape);
        Assert.Throws<ArgumentException>(() => VggStyleDiscriminator.Stages(96));
    }
}
