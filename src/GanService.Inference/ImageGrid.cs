using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Inference;

/// <summary>Images → the bytes a caller saves or sends: one layout and one encoder for the CLI and the API, so the same
/// seeds give the same file from `gan generate` and GET /generate.</summary>
public static class ImageGrid
{
    /// <summary>
    /// zlib level of the PNGs the CLI writes and the API sends unless Gan:PngCompressionLevel says otherwise. 1 (fastest):
    /// generated images are noisy, so higher levels buy little — measured (bench/io.md), zlib's default 6 makes a 256²
    /// output 10 % smaller and a 64-image grid 4 % smaller for ~5× the encode time. One constant for both, so the CLI and
    /// the API keep writing identical bytes.
    /// </summary>
    public const int DefaultPngCompressionLevel = 1;

    /// <summary>⌈√n⌉ columns: the grid GET /generate?count=n returns and `gan generate` writes by default.</summary>
    public static int DefaultColumns(int count) => (int)Math.Ceiling(Math.Sqrt(count));

    /// <summary>Tiles the images row-major (a single image is itself) and encodes them; the images are disposed.
    /// <paramref name="timings"/> gets the time as <see cref="StageTimings.Encode"/>.</summary>
    public static byte[] Encode(IReadOnlyList<Image<Rgb24>> images, int columns, OutputFormat format = OutputFormat.Png,
        int pngCompressionLevel = DefaultPngCompressionLevel, StageTimings? timings = null)
    {
        try
        {
            using var _ = StageTimings.Measure(timings, StageTimings.Encode);
            // One image is encoded as it is; the grid of one would only be a copy of it.
            if (images.Count == 1) return ImageCodec.Encode(images[0], format, pngCompressionLevel);
            using var grid = ImageCodec.Grid(images, columns);
            return ImageCodec.Encode(grid, format, pngCompressionLevel);
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
    }
}
