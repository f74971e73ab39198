namespace GanService.Contracts.Intake;

public enum ImageFormat { Png, Jpeg, Webp }

/// <summary>An upload that passed the structural check: its format, header size and the bytes a decoder may see (for
/// PNG and JPEG a re-built file without the metadata the pixels do not need).</summary>
public sealed record CheckedImage(ImageFormat Format, int Width, int Height, byte[] Bytes);

/// <summary>
/// The structural check every image passes before any pixel decoder sees it. It walks the container itself, bounded by
/// the bytes it was given (chunk and segment lengths inside the file, PNG CRCs, sane headers, frame size under the pixel
/// cap), refuses animation, and for PNG inflates the image data with a hard cap equal to the exact size the header
/// implies — so a short interlaced stream or a decompression bomb is refused here, in bounded time and memory, instead
/// of hanging or exhausting the decoder (ImageSharp 2.1 spins forever on the first and inflates compressed text chunks
/// without a limit while merely identifying the image).
/// </summary>
public static class ImageIntake
{
    public static CheckedImage Check(byte[] data, ImageLimits limits)
    {
        if (data.AsSpan().StartsWith(PngChunks.Signature)) return PngIntake.Check(data, limits);
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return JpegIntake.Check(data, limits);
        if (data.Length >= 12 && data.AsSpan(0, 4).SequenceEqual("RIFF"u8) && data.AsSpan(8, 4).SequenceEqual("WEBP"u8)) return WebpIntake.Check(data, limits);
        throw new ImageRejectedException(ImageRejection.UnsupportedFormat, "not a PNG, JPEG or WebP image");
    }

    internal static ImageRejectedException Bad(string format, string detail) =>
        new(ImageRejection.Undecodable, $"the {format} is malformed: {detail}");

    /// <summary>Width × height against the pixel cap, from the header alone.</summary>
    internal static void CheckSize(string format, long width, long height, ImageLimits limits)
    {
        if (width <= 0 || height <= 0) throw Bad(format, $"its header gives a size of {width}×{height}");
        long pixels = width * height;
        if (pixels > limits.MaxPixels)
            throw new ImageRejectedException(ImageRejection.TooLarge, $"{width}×{height} = {pixels:N0} pixels exceeds the cap of {limits.MaxPixels:N0}");
    }

    internal static ImageRejectedException Animated() =>
        new(ImageRejection.MultipleFrames, "animated images (more than one frame) are not accepted");
}
