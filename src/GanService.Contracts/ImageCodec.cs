using GanService.Contracts.Intake;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace GanService.Contracts;

public enum ImageRejection { UnsupportedFormat, TooLarge, MultipleFrames, Undecodable }

/// <summary>Why an image was refused; the API maps each reason to its status (415, 413, 413, 422).</summary>
public sealed class ImageRejectedException(ImageRejection reason, string detail) : Exception(detail)
{
    public ImageRejection Reason { get; } = reason;
}

public enum OutputFormat { Png, Jpeg, Webp }

/// <summary>How an input image is brought to the model's size. Fit: scale to fit inside, letterbox with black (the
/// output keeps the letterbox). Crop: scale to cover, then centre-crop. Stretch: resize ignoring aspect.</summary>
public enum ResizePolicy { Fit, Crop, Stretch }

public sealed record ImageLimits(long MaxPixels = 16_000_000, int AllocationLimitMegabytes = 512);

/// <summary>
/// Hardened decode (PNG, JPEG, WebP only; a structural check of the container, the pixel cap and the single-frame check
/// before any pixel decoding; an allocation limit as a backstop) and deterministic encode. Both the CLI and the API use this so the same pixels give the same
/// PNG bytes.
/// </summary>
public static class ImageCodec
{
    /// <summary>zlib level of PNGs written without saying one (training samples, datasets): 6, zlib's own default.</summary>
    public const int DefaultPngCompressionLevel = 6;

    // One encoder per zlib level 0…9 (encoders are immutable and thread-safe).
    private static readonly PngEncoder[] Png = Enumerable.Range(0, 10)
        .Select(level => new PngEncoder { CompressionLevel = (PngCompressionLevel)level }).ToArray();
    private static readonly JpegEncoder Jpeg = new() { Quality = 90 };
    private static readonly WebpEncoder Webp = new() { Quality = 90, FileFormat = WebpFileFormatType.Lossy };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ImageLimits, Configuration> Configurations = new();

    /// <summary>One configuration (and so one pooled allocator) per set of limits, shared by every decode: a new
    /// allocator per image would leave a pool per request for the finalizer, and native heaps that never shrink.</summary>
    public static Configuration ConfigurationFor(ImageLimits limits) => Configurations.GetOrAdd(limits, CreateConfiguration);

    public static Configuration CreateConfiguration(ImageLimits limits)
    {
        var config = new Configuration(new PngConfigurationModule(), new JpegConfigurationModule(), new WebpConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = limits.AllocationLimitMegabytes }),
        };
        return config;
    }

    /// <summary>Checks format, structure, size and frame count without decoding pixels (<see cref="ImageIntake"/>);
    /// returns (format name, width, height).</summary>
    public static (string Format, int Width, int Height) Probe(byte[] data, ImageLimits limits)
    {
        var image = ImageIntake.Check(data, limits);
        return (image.Format.ToString().ToUpperInvariant(), image.Width, image.Height);
    }

    /// <summary>Structural check (<see cref="ImageIntake"/>), then decode the checked bytes to RGB with the decoder of
    /// the format the check found. <paramref name="cancellation"/> is passed to the decoder, which checks it between rows.</summary>
    public static Image<Rgb24> Decode(byte[] data, ImageLimits limits, CancellationToken cancellation = default)
    {
        var image = ImageIntake.Check(data, limits);
        var config = ConfigurationFor(limits);
        IImageDecoder decoder = image.Format switch
        {
            Intake.ImageFormat.Png => new PngDecoder(),
            Intake.ImageFormat.Jpeg => new JpegDecoder(),
            _ => new WebpDecoder(),
        };
        Image<Rgb24> decoded;
        try
        {
            using var stream = new MemoryStream(image.Bytes, writable: false);
            decoded = decoder.Decode<Rgb24>(config, stream, cancellation);
        }
        catch (InvalidMemoryOperationException e) { throw new ImageRejectedException(ImageRejection.TooLarge, $"decoding would exceed the memory limit: {e.Message}"); }
        catch (Exception e) when (e is InvalidImageContentException or ImageFormatException or UnknownImageFormatException or NotSupportedException
                                      or IndexOutOfRangeException or ArgumentException or InvalidDataException or EndOfStreamException)
        { throw new ImageRejectedException(ImageRejection.Undecodable, $"the image could not be decoded: {e.Message}"); }
        if (decoded.Frames.Count > 1 || decoded.Width != image.Width || decoded.Height != image.Height)
        {
            decoded.Dispose();
            throw new ImageRejectedException(ImageRejection.Undecodable, $"the decoded image does not match its {image.Width}×{image.Height} header");
        }
        return decoded;
    }

    /// <summary>Resizes to (width, height) under a policy. Returns a new image.</summary>
    public static Image<Rgb24> Resize(Image<Rgb24> source, int width, int height, ResizePolicy policy)
    {
        var mode = policy switch { ResizePolicy.Fit => ResizeMode.Pad, ResizePolicy.Crop => ResizeMode.Crop, _ => ResizeMode.Stretch };
        return source.Clone(ctx => ctx.Resize(new ResizeOptions
        {
            Size = new Size(width, height), Mode = mode, Position = AnchorPositionMode.Center,
            PadColor = Color.Black, Sampler = KnownResamplers.Bicubic,
        }));
    }

    /// <summary>Image → (C, H, W) floats for a model (grey models take the luminance), read straight from the image's
    /// pixel rows: no interleaved copy in between.</summary>
    public static float[] ToTensor(Image<Rgb24> image, ImageSpec spec)
    {
        if (image.Width != spec.Width || image.Height != spec.Height)
            throw new ArgumentException($"image is {image.Width}×{image.Height}, model wants {spec.Width}×{spec.Height}");
        int width = spec.Width, plane = spec.Width * spec.Height, channels = spec.Channels;
        var chw = new float[plane * channels];
        float min = spec.RangeMin, scale = PixelNormalization.ToTensorScale(spec.RangeMin, spec.RangeMax);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                int offset = y * width;
                for (int x = 0; x < row.Length; x++)
                {
                    var p = row[x];
                    if (channels == 1)
                        chw[offset + x] = Luminance(p) * scale + min;
                    else
                    {
                        chw[offset + x] = p.R * scale + min;
                        chw[plane + offset + x] = p.G * scale + min;
                        chw[2 * plane + offset + x] = p.B * scale + min;
                    }
                }
            }
        });
        return chw;
    }

    private static byte Luminance(Rgb24 p) => (byte)Math.Clamp(Math.Round(0.299 * p.R + 0.587 * p.G + 0.114 * p.B), 0, 255);

    /// <summary>(C, H, W) model output → RGB image (grey replicated to three channels), written straight into the
    /// image's pixel buffer when it is one block (a fresh image of a model's size is).</summary>
    public static Image<Rgb24> FromTensor(ReadOnlySpan<float> chw, ImageSpec spec)
    {
        int plane = spec.Width * spec.Height, channels = spec.Channels;
        if (chw.Length < plane * channels) throw new ArgumentException($"expected {plane * channels} values, got {chw.Length}");
        float min = spec.RangeMin, scale = PixelNormalization.ToBytesScale(spec.RangeMin, spec.RangeMax);
        var image = new Image<Rgb24>(spec.Width, spec.Height);
        if (!image.DangerousTryGetSinglePixelMemory(out var memory))
        {
            image.Dispose();
            return FromTensorCopied(chw, spec);
        }
        var pixels = memory.Span;
        for (int i = 0; i < plane; i++)
        {
            byte r = PixelNormalization.ToByte(chw[i], min, scale);
            pixels[i] = channels == 1 ? new Rgb24(r, r, r)
                : new Rgb24(r, PixelNormalization.ToByte(chw[plane + i], min, scale), PixelNormalization.ToByte(chw[2 * plane + i], min, scale));
        }
        return image;
    }

    /// <summary>The same through an interleaved copy, for images whose pixels ImageSharp keeps in several blocks.</summary>
    private static Image<Rgb24> FromTensorCopied(ReadOnlySpan<float> chw, ImageSpec spec)
    {
        int plane = spec.Width * spec.Height;
        var hwc = new byte[plane * spec.Channels];
        PixelNormalization.ToBytes(chw[..(plane * spec.Channels)], hwc, spec.Channels, spec.Height, spec.Width, spec.RangeMin, spec.RangeMax);
        if (spec.Channels == 1)
        {
            var rgb = new byte[plane * 3];
            for (int i = 0; i < plane; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = hwc[i];
            hwc = rgb;
        }
        return Image.LoadPixelData<Rgb24>(hwc, spec.Width, spec.Height);
    }

    /// <summary>Tiles equally sized images row-major into a grid with <paramref name="padding"/> pixels of white between.
    /// A single tile is returned as itself (a copy, no border), so one seed gives the same bytes from the CLI and the API.</summary>
    public static Image<Rgb24> Grid(IReadOnlyList<Image<Rgb24>> tiles, int columns, int padding = 2)
    {
        if (tiles.Count == 0) throw new ArgumentException("no images to tile");
        if (tiles.Count == 1) return tiles[0].Clone();
        columns = Math.Clamp(columns, 1, tiles.Count);
        int rows = (tiles.Count + columns - 1) / columns;
        int w = tiles[0].Width, h = tiles[0].Height;
        var grid = new Image<Rgb24>(columns * w + (columns + 1) * padding, rows * h + (rows + 1) * padding, new Rgb24(255, 255, 255));
        // Opaque tiles onto white: plain row copies (DrawImage would blend every pixel through floats for the same bytes,
        // several times slower for a 64-tile grid).
        for (int i = 0; i < tiles.Count; i++)
        {
            int left = padding + (i % columns) * (w + padding), top = padding + (i / columns) * (h + padding);
            grid.ProcessPixelRows(tiles[i], (target, source) =>
            {
                for (int y = 0; y < source.Height; y++)
                    source.GetRowSpan(y).CopyTo(target.GetRowSpan(top + y).Slice(left, w));
            });
        }
        return grid;
    }

    /// <summary>Encodes in <paramref name="format"/>; <paramref name="pngCompressionLevel"/> (zlib 0…9) changes a PNG's
    /// size and encode time, never its pixels.</summary>
    public static byte[] Encode(Image<Rgb24> image, OutputFormat format = OutputFormat.Png, int pngCompressionLevel = DefaultPngCompressionLevel)
    {
        if (pngCompressionLevel is < 0 or > 9) throw new ArgumentOutOfRangeException(nameof(pngCompressionLevel), pngCompressionLevel, "a zlib level is 0…9");
        // An RGB PNG rarely shrinks below a quarter of its raw pixels: start there, so the stream seldom regrows.
        using var ms = new MemoryStream(image.Width * image.Height * 3 / 4 + 1024);
        IImageEncoder encoder = format switch { OutputFormat.Jpeg => Jpeg, OutputFormat.Webp => Webp, _ => Png[pngCompressionLevel] };
        image.Save(ms, encoder);
        return ms.ToArray();
    }

    public static string ContentType(OutputFormat format) => format switch
    {
        OutputFormat.Jpeg => "image/jpeg",
        OutputFormat.Webp => "image/webp",
        _ => "image/png",
    };
}
