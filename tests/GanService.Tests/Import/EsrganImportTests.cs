using GanService.Contracts;
using GanService.Inference;
using GanService.Training.Import;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;
using static GanService.Tests.Import.ImportTestData;

namespace GanService.Tests.Import;

/// <summary>
/// `gan import esrgan` on RRDBNets written by PyTorch in both key layouts (Import/Esrgan/make_esrgan_fixtures.py: BasicSR
/// with Real-ESRGAN's params_ema / params wrappers, ×4, ×2 and ×1, and the original ESRGAN repository's names in the
/// legacy container): ONNX Runtime at the fixture's own size must give PyTorch's output (max |Δ| ≤ 1e-4), and the model
/// is served at any size, tile by tile with the result of a whole run where the margin covers the receptive field.
/// </summary>
public class EsrganImportTests(ITestOutputHelper log)
{
    private const float Tolerance = 1e-4f;
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Import", "Esrgan");

    private static (ImportResult Result, ModelManifest Manifest) Import(TempDir tmp, string fixture, string format = "auto")
    {
        var request = new ImportRequest(Path.Combine(Folder, fixture + ".pth"), "upscaler", tmp.Path, Format: format);
        var result = CheckpointImporters.Get("esrgan").Import(request, new StringWriter());
        return (result, ModelManifest.Load(Path.Combine(result.ModelDir, "model.json")));
    }

    [Theory]
    [InlineData("realesrgan_x4plus_like", 4, "basicsr", "zip", "weights from 'params_ema'")]
    [InlineData("realesrgan_x2plus_like", 2, "basicsr", "zip", "weights from 'params'")]
    [InlineData("esrgan_x4_original", 4, "esrgan", "legacy", "esrgan key layout")]
    [InlineData("basicsr_x1_bare", 1, "basicsr", "zip", "RRDBNet ×1: nf 8, nb 1, gc 8")]
    public void Imports_and_matches_pytorch(string fixture, int scale, string layout, string container, string inferred)
    {
        using var tmp = new TempDir();
        var (result, m) = Import(tmp, fixture);
        Assert.Equal((layout, container), (m.Source!.Format, m.Source.Container));
        Assert.Contains(inferred, m.Source.Inferred!);
        Assert.Equal(new ImageSpec(3, EsrganImporter.DefaultSize, EsrganImporter.DefaultSize, 0f, 1f,
            SizeMultiple: 4 / scale, TileMargin: EsrganImporter.TileMargin, OutputScale: scale), m.Image);
        var x = NpyArray(Path.Combine(Folder, fixture + "_in.npy"));
        var expected = NpyArray(Path.Combine(Folder, fixture + "_out.npy"));
        var actual = RunOnnx(Path.Combine(result.ModelDir, "model.onnx"), ("image", x.Shape, x.Data));
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(x.Shape[2] * scale, actual.Shape[2]);
        float d = MaxAbsDiff(expected.Data, actual.Data);
        log.WriteLine($"{fixture}: {string.Join(" | ", result.Inferred)}; max |Δ| vs PyTorch {d:E2}");
        Assert.True(d <= Tolerance, $"max |Δ| {d}");
    }

    [Fact]
    public void A_file_that_is_not_an_rrdbnet_is_refused_naming_what_was_expected()
    {
        using var tmp = new TempDir();
        var request = new ImportRequest(PeerFixtures.File("cyclegan_resnet9_ngf8", "latest_net_G.pth"), "upscaler", tmp.Path);
        var e = Assert.Throws<CheckpointImportException>(() => CheckpointImporters.Get("esrgan").Import(request, new StringWriter()));
        Assert.Contains("not an RRDBNet", e.Message);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "upscaler")));
        Assert.Throws<ArgumentException>(() => Import(tmp, "realesrgan_x4plus_like", format: "esrgan"));
    }

    [Fact]
    public void Served_at_any_size_and_tiles_with_a_covering_margin_equal_a_whole_run()
    {
        using var tmp = new TempDir();
        var (result, m) = Import(tmp, "esrgan_x4_original");
        using var model = OnnxModel.Load(result.ModelDir, new SessionFactory());
        using var photo = new Image<Rgb24>(96, 72);
        photo.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++) row[x] = new Rgb24((byte)(x * 2), (byte)(y * 3), (byte)((x * y) % 256));
            }
        });
        using (var up = GanPipelines.Translate(model, photo, ResizePolicy.Fit, null, default))
            Assert.Equal((384, 288), (up.Width, up.Height));

        // The tiling itself, on the graph: a margin of 20 input pixels covers this one-block network's receptive field
        // (17 convs at the input's scale, 1 at ×2 and 3 at ×4: ≤ 18.25 input pixels), so tiles equal the whole run.
        var spec = m.Image;
        var pixels = ImageCodec.ToTensor(photo, spec with { Width = 96, Height = 72 });
        float[] Run(float[] window, int w, int h) => model.Main.Run([NamedTensor.Of("image", window, 1, 3, h, w)], default)["output"].Floats!;
        var whole = NativeSize.Run(spec, pixels, 96, 72, Run, InferenceLimits.Default, default);
        var small = new InferenceLimits { MaxNativePixels = 192 * 192 }; // ×4: windows of 48² input pixels
        var covered = NativeSize.Run(spec with { TileMargin = 20 }, pixels, 96, 72, Run, small, default);
        var shipped = NativeSize.Run(spec, pixels, 96, 72, Run, small, default);
        float exact = MaxAbsDiff(whole, covered), withShippedMargin = MaxAbsDiff(whole, shipped);
        log.WriteLine($"tiles vs whole: margin 20 max |Δ| {exact:E2}; margin {EsrganImporter.TileMargin} max |Δ| {withShippedMargin:E2}");
        Assert.True(exact <= 1e-5f, $"margin 20: max |Δ| {exact}");
    }
}

/// <summary>`gan import esrgan` then `gan upscale` from the command line, as a user runs them.</summary>
public sealed class UpscaleCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gan-upscale").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Import_then_upscale_writes_four_times_the_size_and_a_translator_is_refused()
    {
        var fixture = Path.Combine(AppContext.BaseDirectory, "Import", "Esrgan", "realesrgan_x4plus_like.pth");
        var models = Path.Combine(_dir, "models");
        var (exit, output, err) = GanService.Tests.Cli.CommandRunner.Run(GanService.Cli.Commands.ImportCommand.Create(),
            "esrgan", "--checkpoint", fixture, "--name", "upscale-x4", "--models", models, "--licence", "BSD-3-Clause");
        Assert.True(exit == 0, err);
        Assert.Contains("inferred: RRDBNet ×4: nf 8, nb 2, gc 8", output);
        string input = Path.Combine(_dir, "in.png"), result = Path.Combine(_dir, "out.png");
        using (var img = new Image<Rgb24>(30, 22, new Rgb24(40, 160, 220))) img.SaveAsPng(input);
        (exit, output, err) = GanService.Tests.Cli.CommandRunner.Run(GanService.Cli.Commands.TranslateCommand.CreateUpscale(),
            "--model", Path.Combine(models, "upscale-x4"), "--in", input, "--out", result);
        Assert.True(exit == 0, err);
        using (var up = Image.Load<Rgb24>(result)) Assert.Equal((120, 88), (up.Width, up.Height));

        var translator = Path.Combine(GanService.Tests.Repository.RepositoryLayoutTests.Root(), "models", "sketch2emoji");
        (exit, _, err) = GanService.Tests.Cli.CommandRunner.Run(GanService.Cli.Commands.TranslateCommand.CreateUpscale(),
            "--model", translator, "--in", input, "--out", result);
        Assert.Equal(2, exit);
        Assert.Contains("use gan translate", err);
    }
}
