using GanService.Cli.Commands;
using GanService.Contracts;
using GanService.Inference;
using GanService.Training.Export;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.Families.StyleGan2;

/// <summary>The ONNX Runtime side of `gan generate / style-mix / interpolate` on an exported (random-init) StyleGAN2:
/// the inference library's pipelines, opened as the CLI opens a model.</summary>
public sealed class StyleGanCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sg2-cli-" + Guid.NewGuid().ToString("N"));
    private readonly OnnxModel _model;

    public StyleGanCliTests()
    {
        var (draft, graphs) = FamilyRegistry.Get("stylegan2").BuildExport("sg-cli", null, new Dictionary<string, string>
        {
            ["size"] = "16", ["z_dim"] = "8", ["w_dim"] = "8", ["channel_base"] = "64", ["channel_max"] = "8", ["seed"] = "3",
        });
        ModelPackage.Write(_dir, draft, graphs);
        _model = ModelArguments.Open(_dir);
    }

    public void Dispose()
    {
        _model.Dispose();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    [Theory]
    [InlineData(NoiseMode.Const)]
    [InlineData(NoiseMode.Random)]
    [InlineData(NoiseMode.None)]
    public void Same_seeds_give_identical_png_bytes(NoiseMode mode)
    {
        uint[] seeds = [0, 1, 2, 10];
        var settings = new GenerateSettings(0.7f, Noise: mode);
        var a = GenerateCommand.RenderGrid(_model, seeds, settings);
        Assert.Equal(a, GenerateCommand.RenderGrid(_model, seeds, settings));
        Assert.NotEqual(a, GenerateCommand.RenderGrid(_model, [0, 1, 2, 11], settings));
    }

    [Fact]
    public void Psi_zero_collapses_every_seed_to_the_average_image()
    {
        var average = GanPipelines.Generate(_model, [4, 5], new GenerateSettings(0f), CancellationToken.None);
        Assert.True(Same(average[0], average[1]), "ψ = 0 must give every seed the average w's image");
        var full = GanPipelines.Generate(_model, [4, 5], new GenerateSettings(1f), CancellationToken.None);
        Assert.False(Same(full[0], full[1]));
    }

    [Fact]
    public void Style_mix_and_interpolation_have_the_expected_layout()
    {
        var settings = new GenerateSettings(1f);
        var tiles = GanPipelines.StyleMix(_model, [1, 2, 3], [4, 5], [0, 1, 2], settings, CancellationToken.None);
        Assert.Equal(4 * 3, tiles.Count); // (rows + 1) × (cols + 1), corner included
        using (var grid = ImageCodec.Grid(tiles, 3))
        {
            Assert.Equal(3 * 16 + 4 * 2, grid.Width);   // (cols + 1) tiles + padding
            Assert.Equal(4 * 16 + 5 * 2, grid.Height);
        }
        var ends = GanPipelines.Generate(_model, [1, 2, 4], settings, CancellationToken.None);
        Assert.True(Close(tiles[1], ends[2]) && Close(tiles[3], ends[0]), "the header row and column are the seeds' own images");
        Assert.False(Same(tiles[4], ends[0]), "a mixed cell differs from its row seed's image");
        var line = GanPipelines.Interpolate(_model, 1, 2, 5, settings, CancellationToken.None);
        Assert.Equal(5, line.Count);
        Assert.True(Close(line[0], ends[0]) && Close(line[4], ends[1]), "interpolation must start and end at the seeds' images");
        Assert.False(Same(line[2], ends[0]));
    }

    private static bool Same(Image<Rgb24> a, Image<Rgb24> b) => ImageCodec.Encode(a).AsSpan().SequenceEqual(ImageCodec.Encode(b));

    /// <summary>Equal up to one grey level: the same latent run in batches of different sizes may round differently.</summary>
    private static bool Close(Image<Rgb24> a, Image<Rgb24> b)
    {
        var pa = new Rgb24[a.Width * a.Height];
        var pb = new Rgb24[b.Width * b.Height];
        a.CopyPixelDataTo(pa);
        b.CopyPixelDataTo(pb);
        return pa.Length == pb.Length && pa.Zip(pb).All(p => Math.Abs(p.First.R - p.Second.R) <= 1 && Math.Abs(p.First.G - p.Second.G) <= 1 && Math.Abs(p.First.B - p.Second.B) <= 1);
    }
}
