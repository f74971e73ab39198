using GanService.Contracts;
using GanService.Inference;
using GanService.Tests.Import;
using GanService.Training.Export;
using GanService.Training.Families.CycleGan;
using GanService.Training.Families.Pix2Pix;
using GanService.Training.Families.StarGan;
using GanService.Training.Families.Translation;
using GanService.Training.Import;
using GanService.Training.Layers;
using GanService.Training.Onnx;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;
using static GanService.Tests.Import.ImportTestData;

namespace GanService.Tests.Inference;

/// <summary>
/// Serving at an image's own size: graphs exported with free height and width give the network's own output at sizes
/// other than the training size; padding to the stride is cropped back; tiles with a margin that covers the receptive
/// field stitch to the untiled result (and without it they do not); an imported CycleGAN returns a 1024×768 image at
/// 1024×768.
/// </summary>
public class NativeSizeTests(ITestOutputHelper log)
{
    // ---- tiling, on a network written here so its receptive field is known exactly ------------------------------

    /// <summary>A 3×3 mean filter with zero padding after an optional nearest ×s upsampling: receptive radius 1 input pixel.</summary>
    private static float[] BoxFilter(float[] chw, int channels, int w, int h, int scale)
    {
        int ow = w * scale, oh = h * scale;
        var result = new float[channels * oh * ow];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                {
                    float sum = 0;
                    for (int dy = -1; dy <= 1; dy++)
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            int yy = y + dy, xx = x + dx;
                            if (yy >= 0 && yy < oh && xx >= 0 && xx < ow) sum += chw[(c * h + yy / scale) * w + xx / scale];
                        }
                    result[(c * oh + y) * ow + x] = sum / 9f;
                }
        return result;
    }

    private static float[] Noise(int channels, int w, int h, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, channels * w * h).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [InlineData(1, 103, 77)]
    [InlineData(2, 64, 50)]
    public void Tiles_with_a_margin_covering_the_receptive_field_equal_the_untiled_run(int scale, int w, int h)
    {
        var spec = new ImageSpec(3, 16, 16, SizeMultiple: 2, TileMargin: 1, OutputScale: scale == 1 ? null : scale);
        var image = Noise(3, w, h, 1);
        var whole = NativeSize.Run(spec, image, w, h, (x, ww, hh) => BoxFilter(x, 3, ww, hh, scale), InferenceLimits.Default, default);
        var small = new InferenceLimits { MaxNativePixels = 20 * 20 };
        int calls = 0;
        var tiled = NativeSize.Run(spec, image, w, h, (x, ww, hh) =>
        {
            calls++;
            Assert.True((long)ww * hh * scale * scale <= small.MaxNativePixels, $"a {ww}×{hh} window's ×{scale} output exceeds the limit");
            return BoxFilter(x, 3, ww, hh, scale);
        }, small, default);
        Assert.Equal(3 * w * scale * h * scale, whole.Length);
        Assert.True(calls > 4, $"{calls} tiles");
        Assert.Equal(NativeSize.Plan(spec, w, h, small).Tiles, calls);
        // The same arithmetic per output pixel: equal bit for bit, not just close.
        Assert.Equal(whole, tiled);
    }

    [Theory]
    [InlineData(1, 3, 103, 77)]
    [InlineData(2, 3, 62, 50)]
    [InlineData(4, 1, 61, 45)]
    public void Tiles_written_straight_into_the_image_give_the_bytes_of_the_float_output(int scale, int channels, int w, int h)
    {
        // Sizes that are not multiples of 2 are padded and cropped back: the tiles at the right and bottom edges.
        var spec = new ImageSpec(channels, 16, 16, SizeMultiple: 2, TileMargin: 1, OutputScale: scale == 1 ? null : scale);
        var image = Noise(channels, w, h, 4);
        var small = new InferenceLimits { MaxNativePixels = 24 * 24 * scale * scale };
        Assert.True(NativeSize.Plan(spec, w, h, small).Tiles > 4);
        float[] Filter(float[] x, int ww, int hh) => BoxFilter(x, channels, ww, hh, scale);
        var floats = NativeSize.Run(spec, image, w, h, Filter, small, default);
        using var expected = ImageCodec.FromTensor(floats, spec with { Width = w * scale, Height = h * scale });
        using var direct = NativeSize.RunTiledToImage(spec, image, w, h, Filter, small, default);
        Assert.Equal((w * scale, h * scale), (direct.Width, direct.Height));
        for (int y = 0; y < expected.Height; y++)
            for (int x = 0; x < expected.Width; x++)
                Assert.True(expected[x, y] == direct[x, y], $"pixel ({x}, {y}): {direct[x, y]} instead of {expected[x, y]}");
    }

    [Fact]
    public void Tiles_without_the_margin_leave_seams()
    {
        var spec = new ImageSpec(3, 16, 16, SizeMultiple: 2, TileMargin: 0);
        var image = Noise(3, 64, 64, 2);
        var whole = NativeSize.Run(spec, image, 64, 64, (x, w, h) => BoxFilter(x, 3, w, h, 1), InferenceLimits.Default, default);
        var tiled = NativeSize.Run(spec, image, 64, 64, (x, w, h) => BoxFilter(x, 3, w, h, 1), new InferenceLimits { MaxNativePixels = 20 * 20 }, default);
        Assert.True(MaxAbsDiff(whole, tiled) > 0.01f);
    }

    [Fact]
    public void Sizes_are_padded_to_the_multiple_and_cropped_back()
    {
        var spec = new ImageSpec(1, 8, 8, SizeMultiple: 8);
        var image = Noise(1, 13, 5, 3);
        (int W, int H) seen = default;
        var output = NativeSize.Run(spec, image, 13, 5, (x, w, h) => { seen = (w, h); return x; }, InferenceLimits.Default, default);
        Assert.Equal((16, 8), seen);
        Assert.Equal(image, output); // identity network: the crop gives back exactly the image
        var padded = NativeSize.PadEdges(image, 1, 13, 5, 16, 8);
        Assert.Equal(image[12], padded[15]);            // last column repeated
        Assert.Equal(image[4 * 13 + 3], padded[7 * 16 + 3]); // last row repeated
    }

    [Fact]
    public void Plan_scales_down_a_model_that_cannot_be_tiled()
    {
        var spec = new ImageSpec(3, 256, 256, SizeMultiple: 4);
        var limits = new InferenceLimits { MaxNativePixels = 1024 * 1024 };
        Assert.Equal(new NativePlan(1024, 768, 1024, 768, 1, false), NativeSize.Plan(spec, 1024, 768, limits));
        var big = NativeSize.Plan(spec, 4000, 3000, limits);
        Assert.True(big.ScaledDown && !big.Tiled);
        Assert.True((long)big.RunWidth * big.RunHeight <= limits.MaxNativePixels);
        Assert.Equal(4000.0 / 3000, (double)big.RunWidth / big.RunHeight, 2);
        var tiled = NativeSize.Plan(spec with { TileMargin = 16 }, 4000, 3000, limits);
        Assert.True(tiled.Tiled && !tiled.ScaledDown);
        Assert.Equal((4000, 3000), (tiled.RunWidth, tiled.RunHeight));
    }

    [Theory]
    [InlineData(null, true, SizeMode.Auto, null)]
    [InlineData("native", true, SizeMode.Auto, null)]
    [InlineData("fit", true, SizeMode.Model, null)]
    [InlineData("CROP", false, SizeMode.Model, null)]
    [InlineData("", false, SizeMode.Auto, null)]
    [InlineData("native", false, SizeMode.Auto, "this model takes 64×64 images only")]
    [InlineData("huge", true, SizeMode.Auto, "size must be native, fit, crop or stretch")]
    public void Size_words_choose_native_or_the_models_size(string? word, bool anySize, SizeMode mode, string? problem)
    {
        var spec = new ImageSpec(3, 64, 64, SizeMultiple: anySize ? 4 : null);
        var error = NativeSize.ParseSize(word, spec, ResizePolicy.Fit, out _, out var parsed);
        if (problem is null) { Assert.Null(error); Assert.Equal(mode, parsed); }
        else Assert.Contains(problem, error);
    }

    // ---- graphs exported for any size ------------------------------------------------------------------------------

    /// <summary>ONNX Runtime on the exported any-size graph at a size the network was not built for vs the TorchSharp
    /// network's own forward there.</summary>
    private float ExportedAnySizeDiff(string what, PackagedGraph graph, Func<Tensor, Tensor> forward, int channels, int w, int h, float[]? label = null)
    {
        var x = Noise(channels, w, h, 4);
        using var session = new InferenceSession(OnnxExporter.ToBytes(graph.Model));
        var inputs = new List<(string Name, long[] Shape, float[] Data)> { ("image", [1, channels, h, w], x) };
        if (label is not null) inputs.Add(("label", [1, label.Length], label));
        var values = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Data, i.Shape)).ToList();
        float[] onnx;
        long[] shape;
        try
        {
            using var run = new RunOptions();
            using var results = session.Run(run, inputs.Select(i => i.Name).ToArray(), values, [session.OutputNames[0]]);
            shape = results[0].GetTensorTypeAndShape().Shape;
            onnx = results[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally { foreach (var v in values) v.Dispose(); }
        Assert.Equal(new long[] { 1, channels, h, w }, shape);
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var reference = forward(torch.tensor(x, [1, channels, h, w])).contiguous().data<float>().ToArray();
        float d = MaxAbsDiff(reference, onnx);
        log.WriteLine($"{what} at {w}×{h}: max |Δ| {d:E2}");
        return d;
    }

    [Fact]
    public void Resnet_and_unet_graphs_exported_for_any_size_match_the_network_at_other_sizes()
    {
        torch.manual_seed(5);
        using var resnet = new ResnetGenerator(3, 3, 8, NormKind.Instance, false, 2);
        resnet.eval();
        var resnetGraph = TranslationExport.ImageToImageGraph(resnet, 3, 3, 64, anySize: true);
        Assert.True(ExportedAnySizeDiff("resnet_2blocks", resnetGraph, resnet.forward, 3, 100, 76) <= 1e-4f);
        using var unet = new UnetGenerator(3, 3, 5, 4, NormKind.Instance);
        unet.eval();
        var unetGraph = TranslationExport.ImageToImageGraph(unet, 3, 3, 32, anySize: true);
        Assert.True(ExportedAnySizeDiff("unet_32", unetGraph, unet.forward, 3, 96, 64) <= 1e-4f);
    }

    [Fact]
    public void Stargan_graph_exported_for_any_size_tiles_its_label_over_the_image_size()
    {
        torch.manual_seed(6);
        using var g = new StarGanGenerator(4, 8, 2, 3);
        g.eval();
        float[] label = [0, 0, 1, 0];
        var graph = TranslationExport.StarGanGraph(g, 3, 4, 64, anySize: true);
        Assert.True(ExportedAnySizeDiff("stargan", graph, x => g.forward(x, torch.tensor(label, [1, 4])), 3, 92, 60, label) <= 1e-4f);
    }

    // ---- an imported model served at native size -------------------------------------------------------------------

    [Fact]
    public void Imported_cyclegan_returns_a_1024x768_image_at_1024x768()
    {
        using var tmp = new TempDir();
        var request = new ImportRequest(PeerFixtures.File("cyclegan_resnet9_ngf8", "latest_net_G.pth"), "horse2zebra", tmp.Path, 64, null);
        var result = CheckpointImporters.Get("cyclegan").Import(request, new StringWriter());
        var manifest = ModelManifest.Load(Path.Combine(result.ModelDir, "model.json"));
        Assert.Equal(4, manifest.Image.SizeMultiple);
        Assert.Null(manifest.Image.TileMargin); // instance norm: whole images only

        using var model = OnnxModel.Load(result.ModelDir, new SessionFactory());
        using var photo = new Image<Rgb24>(1024, 768);
        photo.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++) row[x] = new Rgb24((byte)(x / 4), (byte)(y / 3), (byte)((x + y) / 7));
            }
        });
        using var output = GanPipelines.Translate(model, photo, ResizePolicy.Fit, null, default);
        Assert.Equal((1024, 768), (output.Width, output.Height));
        using var odd = ImageCodec.Resize(photo, 301, 199, ResizePolicy.Stretch);
        using var oddOutput = GanPipelines.Translate(model, odd, ResizePolicy.Fit, null, default);
        Assert.Equal((301, 199), (oddOutput.Width, oddOutput.Height));
        using var fixedSize = GanPipelines.Translate(model, photo, ResizePolicy.Fit, null, default, size: SizeMode.Model);
        Assert.Equal((64, 64), (fixedSize.Width, fixedSize.Height));
    }
}
