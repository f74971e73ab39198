using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.Contracts;

/// <summary>The image ↔ tensor paths read and write pixel rows directly (issue 16); they must give exactly what the
/// interleaved-copy path through <see cref="PixelNormalization"/> gives.</summary>
public sealed class ImageCodecTests
{
    private static Image<Rgb24> Noise(int width, int height, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[width * height * 3];
        random.NextBytes(bytes);
        return Image.LoadPixelData<Rgb24>(bytes, width, height);
    }

    private static ImageSpec Spec(int channels, int width, int height, float min = -1f, float max = 1f) =>
        new(channels, height, width, min, max);

    [Theory]
    [InlineData(3, -1f, 1f)]
    [InlineData(1, -1f, 1f)]
    [InlineData(3, 0f, 1f)]
    public void ToTensor_equals_the_interleaved_copy_path(int channels, float min, float max)
    {
        using var image = Noise(13, 7, channels);
        var spec = Spec(channels, 13, 7, min, max);
        var rgb = new byte[13 * 7 * 3];
        image.CopyPixelDataTo(rgb);
        var hwc = channels == 3 ? rgb
            : Enumerable.Range(0, 13 * 7).Select(i => (byte)Math.Clamp(Math.Round(0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]), 0, 255)).ToArray();
        var expected = new float[13 * 7 * channels];
        PixelNormalization.ToTensor(hwc, expected, channels, 7, 13, min, max);
        Assert.Equal(expected, ImageCodec.ToTensor(image, spec));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    public void FromTensor_equals_the_interleaved_copy_path_including_clamping_and_nan(int channels)
    {
        var random = new Random(5);
        var chw = Enumerable.Range(0, 11 * 6 * channels).Select(_ => (float)(random.NextDouble() * 2.4 - 1.2)).ToArray();
        chw[0] = float.NaN;
        chw[1] = 1f / 255f - 1f; // a half-way value after scaling: rounds away from zero
        var spec = Spec(channels, 11, 6);
        var hwc = new byte[11 * 6 * channels];
        PixelNormalization.ToBytes(chw, hwc, channels, 6, 11);
        using var image = ImageCodec.FromTensor(chw, spec);
        var rgb = new byte[11 * 6 * 3];
        image.CopyPixelDataTo(rgb);
        var expected = channels == 3 ? hwc : hwc.SelectMany(v => new[] { v, v, v }).ToArray();
        Assert.Equal(expected, rgb);
    }

    [Theory]
    [InlineData(ResizePolicy.Fit)]
    [InlineData(ResizePolicy.Crop)]
    [InlineData(ResizePolicy.Stretch)]
    public void Resizing_to_the_same_size_keeps_every_pixel_so_translation_may_skip_it(ResizePolicy policy)
    {
        using var image = Noise(24, 24, 9);
        using var resized = ImageCodec.Resize(image, 24, 24, policy);
        var spec = Spec(3, 24, 24);
        Assert.Equal(ImageCodec.ToTensor(image, spec), ImageCodec.ToTensor(resized, spec));
    }

    [Fact]
    public void Grid_places_every_tile_pixel_exactly_between_white_padding()
    {
        var tiles = Enumerable.Range(0, 5).Select(i => Noise(6, 4, 20 + i)).ToList();
        using var grid = ImageCodec.Grid(tiles, 3, padding: 2);
        Assert.Equal((3 * 6 + 4 * 2, 2 * 4 + 3 * 2), (grid.Width, grid.Height));
        var covered = new bool[grid.Width, grid.Height];
        for (int i = 0; i < tiles.Count; i++)
        {
            int left = 2 + (i % 3) * 8, top = 2 + (i / 3) * 6;
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 6; x++)
                {
                    Assert.Equal(tiles[i][x, y], grid[left + x, top + y]);
                    covered[left + x, top + y] = true;
                }
        }
        for (int y = 0; y < grid.Height; y++)
            for (int x = 0; x < grid.Width; x++)
                if (!covered[x, y]) Assert.Equal(new Rgb24(255, 255, 255), grid[x, y]);
        foreach (var t in tiles) t.Dispose();
    }

    [Fact]
    public void Png_compression_level_changes_the_bytes_not_the_pixels()
    {
        using var image = Noise(32, 32, 2);
        // Smooth rows compress at higher levels; noise does not. Half and half shows both.
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < 16; y++) rows.GetRowSpan(y).Fill(new Rgb24((byte)(y * 8), 40, 90));
        });
        var fast = ImageCodec.Encode(image, OutputFormat.Png, 1);
        var best = ImageCodec.Encode(image, OutputFormat.Png, 9);
        Assert.NotEqual(fast, best);
        using Image<Rgb24> a = Image.Load<Rgb24>(fast), b = Image.Load<Rgb24>(best);
        var (pa, pb) = (new byte[32 * 32 * 3], new byte[32 * 32 * 3]);
        a.CopyPixelDataTo(pa);
        b.CopyPixelDataTo(pb);
        Assert.Equal(pa, pb);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageCodec.Encode(image, OutputFormat.Png, 10));
    }
}
