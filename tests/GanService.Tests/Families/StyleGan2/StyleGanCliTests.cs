using GanService.Cli.Commands;
using GanService.Contracts;
using GanService.Training.Export;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.Families.StyleGan2;

/// <summary>The ONNX Runtime side of `gan generate / style-mix / interpolate` on an exported (random-init) StyleGAN2.</summary>
public sealed class StyleGanCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sg2-cli-" + Guid.NewGuid().ToString("N"));

    public StyleGanCliTests()
    {
        var (draft, graphs) = FamilyRegistry.Get("stylegan2").BuildExport("sg-cli", null, new Dictionary<string, string>
        {
            ["size"] = "16", ["z_dim"] = "8", ["w_dim"] = "8", ["channel_base"] = "64", ["channel_max"] = "8", ["seed"] = "3",
        });
        ModelPackage.Write(_dir, draft, graphs);
    }

    public void Dispose() { if (Directory.Exists(_dir)) Directory.Delete(_dir, true); }

    [Theory]
    [InlineData(StyleNoiseMode.Const)]
    [InlineData(StyleNoiseMode.Random)]
    [InlineData(StyleNoiseMode.None)]
    public void Same_seeds_give_identical_png_bytes(StyleNoiseMode mode)
    {
        uint[] seeds = [0, 1, 2, 10];
        var a = StyleGanCommands.GenerateGrid(_dir, seeds, 0.7f, mode);
        var b = StyleGanCommands.GenerateGrid(_dir, seeds, 0.7f, mode);
        Assert.Equal(a, b);
        Assert.NotEqual(a, StyleGanCommands.GenerateGrid(_dir, [0, 1, 2, 11], 0.7f, mode));
    }

    [Fact]
    public void Psi_zero_collapses_every_seed_to_the_average_image()
    {
        using var m = new StyleGanOnnxModel(_dir);
        var ws = m.Ws([4, 5], 0f);
        int stride = m.NumWs * m.WDim;
        Assert.Equal(ws.AsSpan(0, stride).ToArray(), ws.AsSpan(stride, stride).ToArray());
        var full = m.Ws([4, 5], 1f);
        Assert.NotEqual(full.AsSpan(0, stride).ToArray(), full.AsSpan(stride, stride).ToArray());
    }

    [Fact]
    public void Style_mix_and_interpolation_have_the_expected_layout()
    {
        using var m = new StyleGanOnnxModel(_dir);
        using var grid = m.StyleMixGrid([1, 2, 3], [4, 5], [0, 1, 2], 1f, StyleNoiseMode.Const);
        Assert.Equal(3 * 16 + 4 * 2, grid.Width);   // (cols + 1) tiles + padding
        Assert.Equal(4 * 16 + 5 * 2, grid.Height);
        var line = m.Interpolate(1, 2, 5, 1f, StyleNoiseMode.Const);
        var ends = m.Generate([1, 2], 1f, StyleNoiseMode.Const);
        Assert.Equal(5, line.Count);
        Assert.True(Same(line[0], ends[0]) && Same(line[4], ends[1]), "interpolation must start and end at the seeds' images");
        Assert.False(Same(line[2], ends[0]));
    }

    private static bool Same(Image<Rgb24> a, Image<Rgb24> b) => ImageCodec.Encode(a).AsSpan().SequenceEqual(ImageCodec.Encode(b));
}
