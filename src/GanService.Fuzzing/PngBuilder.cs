using System.Buffers.Binary;
using System.IO.Compression;
using GanService.Contracts.Intake;

namespace GanService.Fuzzing;

/// <summary>
/// Writes PNG files field by field, including the ones encoders refuse to write: Adam7 interlace, image data that is
/// short or long by a chosen number of bytes, extra chunks anywhere, any IHDR values. Pixels are a deterministic
/// pattern; every row uses filter type 0 unless told otherwise.
/// </summary>
public sealed class PngBuilder
{
    public int Width { get; init; } = 8;
    public int Height { get; init; } = 8;
    public int Depth { get; init; } = 8;
    /// <summary>0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA.</summary>
    public int ColourType { get; init; } = 2;
    public bool Interlaced { get; init; }
    /// <summary>PLTE payload (3 bytes an entry); written when not null.</summary>
    public byte[]? Palette { get; init; }
    public byte[]? Transparency { get; init; }
    /// <summary>Bytes added to (positive) or removed from (negative) the exact inflated size the header implies.</summary>
    public int RawDelta { get; init; }
    /// <summary>Filter type byte written at the start of every row.</summary>
    public byte Filter { get; init; }
    /// <summary>IDAT payload to use as is instead of the compressed pattern (e.g. a bomb).</summary>
    public byte[]? ImageData { get; init; }
    /// <summary>Number of IDAT chunks the compressed data is split across.</summary>
    public int IdatChunks { get; init; } = 1;
    public IReadOnlyList<(string Type, byte[] Data)> BeforeImageData { get; init; } = [];
    public IReadOnlyList<(string Type, byte[] Data)> AfterImageData { get; init; } = [];

    public static int Channels(int colourType) => colourType switch { 2 => 3, 4 => 2, 6 => 4, _ => 1 };

    /// <summary>The inflated image data: per (sub-)image row, a filter byte and the row's pattern bytes.</summary>
    public byte[] Raw()
    {
        int bits = Channels(ColourType) * Depth;
        long exact = PngChunks.ExpectedRawBytes(Width, Height, bits, Interlaced);
        var raw = new byte[Math.Max(0, exact + RawDelta)];
        long i = 0;
        foreach (var (w, h) in PngChunks.SubImages(Width, Height, Interlaced))
            for (long row = 0; row < h; row++)
            {
                if (i < raw.Length) raw[i] = Filter;
                long rowBytes = PngChunks.RowBytes(w, bits);
                for (long b = 1; b <= rowBytes && i + b < raw.Length; b++)
                    raw[i + b] = ColourType == 3 ? (byte)((row + b) % Math.Max(1, (Palette?.Length ?? 3) / 3)) : (byte)(row * 37 + b * 11);
                i += 1 + rowBytes;
            }
        for (long j = exact; j < raw.Length; j++) raw[j] = (byte)j;
        return raw;
    }

    public byte[] Header()
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, Width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), Height);
        (ihdr[8], ihdr[9], ihdr[12]) = ((byte)Depth, (byte)ColourType, (byte)(Interlaced ? 1 : 0));
        return ihdr;
    }

    public byte[] Build()
    {
        using var output = new MemoryStream();
        output.Write(PngChunks.Signature);
        PngChunks.Write(output, "IHDR", Header());
        foreach (var (type, data) in BeforeImageData) PngChunks.Write(output, type, data);
        if (Palette is not null) PngChunks.Write(output, "PLTE", Palette);
        if (Transparency is not null) PngChunks.Write(output, "tRNS", Transparency);
        var compressed = ImageData ?? Zlib(Raw());
        int parts = Math.Clamp(IdatChunks, 1, Math.Max(1, compressed.Length));
        for (int k = 0; k < parts; k++)
        {
            int from = compressed.Length * k / parts, to = compressed.Length * (k + 1) / parts;
            PngChunks.Write(output, "IDAT", compressed.AsSpan(from, to - from));
        }
        foreach (var (type, data) in AfterImageData) PngChunks.Write(output, type, data);
        PngChunks.Write(output, "IEND", []);
        return output.ToArray();
    }

    public static byte[] Zlib(ReadOnlySpan<byte> raw, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var buffer = new MemoryStream();
        using (var z = new ZLibStream(buffer, level, leaveOpen: true)) z.Write(raw);
        return buffer.ToArray();
    }

    /// <summary>A zlib stream that inflates to <paramref name="inflatedBytes"/> zero bytes (a compression bomb: ~1000:1).</summary>
    public static byte[] ZlibOfZeros(long inflatedBytes)
    {
        using var buffer = new MemoryStream();
        using (var z = new ZLibStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (long left = inflatedBytes; left > 0; left -= zeros.Length) z.Write(zeros, 0, (int)Math.Min(zeros.Length, left));
        }
        return buffer.ToArray();
    }
}
