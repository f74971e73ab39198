using System.Diagnostics;
using GanService.Contracts;
using GanService.Contracts.Intake;
using GanService.Fuzzing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Api.Tests.Intake;

/// <summary>The structural check on its own, without HTTP: what it accepts decodes to the same pixels as before, what
/// it refuses it refuses for the stated reason, and nothing takes long.</summary>
public sealed class ImageIntakeTests
{
    private static readonly ImageLimits Limits = new(MaxPixels: 4_000_000);

    [Fact]
    public void Every_valid_seed_passes_and_decodes_to_the_same_pixels_as_imagesharp_on_the_original()
    {
        foreach (var seed in HostileImages.Seeds())
        {
            var image = ImageIntake.Check(seed.Bytes, Limits);
            using var ours = ImageCodec.Decode(seed.Bytes, Limits);
            using var reference = Image.Load<Rgb24>(seed.Bytes);
            Assert.Equal((reference.Width, reference.Height), (image.Width, image.Height));
            Assert.True(Fixtures.TestHttp.Pixels(reference).SequenceEqual(Fixtures.TestHttp.Pixels(ours)), seed.Name);
        }
    }

    [Theory]
    [InlineData(1, 1, false)]
    [InlineData(8, 8, true)]
    [InlineData(13, 7, true)]
    [InlineData(1, 9, true)]
    [InlineData(3, 2, true)]
    public void Exact_adam7_data_passes_and_one_byte_less_or_more_is_refused(int width, int height, bool interlaced)
    {
        ImageIntake.Check(new PngBuilder { Width = width, Height = height, Interlaced = interlaced }.Build(), Limits);
        var shortBy = Assert.Throws<ImageRejectedException>(() => ImageIntake.Check(new PngBuilder { Width = width, Height = height, Interlaced = interlaced, RawDelta = -1 }.Build(), Limits));
        Assert.Contains("1 bytes short", shortBy.Message);
        var longBy = Assert.Throws<ImageRejectedException>(() => ImageIntake.Check(new PngBuilder { Width = width, Height = height, Interlaced = interlaced, RawDelta = 1 }.Build(), Limits));
        Assert.Contains("more than", longBy.Message);
    }

    [Fact]
    public void Expected_raw_size_of_an_interlaced_8x8_rgb_image_counts_every_pass()
    {
        // Passes of 8×8: 1×1, 1×1, 2×1, 2×2, 4×2, 4×4, 8×4 → rows × (1 + 3·width).
        long expected = 1 * 4 + 1 * 4 + 1 * 7 + 2 * 7 + 2 * 13 + 4 * 13 + 4 * 25;
        Assert.Equal(expected, PngChunks.ExpectedRawBytes(8, 8, 24, interlaced: true));
        Assert.Equal(8 * 25, PngChunks.ExpectedRawBytes(8, 8, 24, interlaced: false));
    }

    [Fact]
    public void Compressed_text_and_icc_chunks_are_dropped_from_the_bytes_handed_on()
    {
        var png = new PngBuilder { BeforeImageData = [("zTXt", [.. "C"u8, 0, 0, .. PngBuilder.Zlib(new byte[100])]), ("iCCP", [.. "P"u8, 0, 0, .. PngBuilder.Zlib(new byte[100])]), ("tEXt", "a\0b"u8.ToArray())] }.Build();
        var clean = ImageIntake.Check(png, Limits).Bytes;
        foreach (var type in new[] { "zTXt", "iCCP", "tEXt" }) Assert.DoesNotContain(type, System.Text.Encoding.Latin1.GetString(clean));
        Assert.True(clean.Length < png.Length);
    }

    [Theory]
    [InlineData(4_001, 1_000)]
    [InlineData(100_000, 100_000)]
    public void Header_size_over_the_pixel_cap_is_too_large_before_any_data_is_read(int width, int height)
    {
        var png = new PngBuilder { Width = width, Height = height, ImageData = [1, 2, 3] }.Build();
        Assert.Equal(ImageRejection.TooLarge, Assert.Throws<ImageRejectedException>(() => ImageIntake.Check(png, Limits)).Reason);
    }

    [Fact]
    public void Every_generated_case_is_accepted_or_refused_in_bounded_time_without_other_exceptions()
    {
        var slowest = TimeSpan.Zero;
        string slowestName = "";
        foreach (var c in HostileImages.Generate(600))
        {
            var clock = Stopwatch.StartNew();
            try { using var _ = ImageCodec.Decode(c.Bytes, Limits); }
            catch (ImageRejectedException) { }
            if (clock.Elapsed > slowest) (slowest, slowestName) = (clock.Elapsed, $"{c.Category}: {c.Name}");
        }
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"slowest: {slowestName} took {slowest.TotalMilliseconds:F0} ms");
    }
}
