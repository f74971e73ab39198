using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Inference;

/// <summary>Images → the bytes a caller saves or sends: one layout and one encoder for the CLI and the API, so the same
/// seeds give the same file from `gan generate` and GET /generate.</summary>
public static class ImageGrid
{
    /// <summary>⌈√n⌉ columns: the grid GET /generate?count=n returns and `gan generate` writes by default.</summary>
    public static int DefaultColumns(int count) => (int)Math.Ceiling(Math.Sqrt(count));

    /// <summary>Tiles the images row-major (a single image is itself) and encodes them; the images are disposed.</summary>
    public static byte[] Encode(IReadOnlyList<Image<Rgb24>> images, int columns, OutputFormat format = OutputFormat.Png)
    {
        try
        {
            using var grid = ImageCodec.Grid(images, columns);
            return ImageCodec.Encode(grid, format);
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
    }
}
