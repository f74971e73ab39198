using System.Buffers.Binary;

namespace GanService.Contracts.Intake;

/// <summary>PNG chunk framing (length, type, data, CRC-32 over type + data): read by the intake check, written when it
/// re-builds a clean file and by the fuzzing corpus.</summary>
public static class PngChunks
{
    public static ReadOnlySpan<byte> Signature => [137, 80, 78, 71, 13, 10, 26, 10];

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>CRC-32 (ISO 3309, as PNG defines it).</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    /// <summary>Appends one chunk with its correct CRC.</summary>
    public static void Write(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)data.Length);
        for (int i = 0; i < 4; i++) header[4 + i] = (byte)type[i];
        output.Write(header);
        output.Write(data);
        uint crc = 0xFFFFFFFF;
        foreach (var b in header[4..]) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        foreach (var b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, ~crc);
        output.Write(tail);
    }

    /// <summary>Bytes one row of a (sub-)image takes after its filter-type byte.</summary>
    public static long RowBytes(long width, int bitsPerPixel) => (width * bitsPerPixel + 7) / 8;

    /// <summary>Adam7 passes: (x start, y start, x step, y step).</summary>
    public static readonly (int X, int Y, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    /// <summary>The sub-images the filtered data is made of: one (width, height) for a plain image, the non-empty Adam7
    /// passes for an interlaced one.</summary>
    public static IEnumerable<(long Width, long Height)> SubImages(long width, long height, bool interlaced)
    {
        if (!interlaced) { yield return (width, height); yield break; }
        foreach (var (x, y, dx, dy) in Adam7)
        {
            long w = width > x ? (width - x + dx - 1) / dx : 0, h = height > y ? (height - y + dy - 1) / dy : 0;
            if (w > 0 && h > 0) yield return (w, h);
        }
    }

    /// <summary>The exact size of the inflated image data (a filter byte per row plus the row's bytes, per sub-image).</summary>
    public static long ExpectedRawBytes(long width, long height, int bitsPerPixel, bool interlaced) =>
        SubImages(width, height, interlaced).Sum(s => s.Height * (1 + RowBytes(s.Width, bitsPerPixel)));
}
