using System.Buffers.Binary;

namespace GanService.Contracts.Intake;

/// <summary>
/// WebP: RIFF size inside the file, every chunk inside the RIFF; a simple file (one VP8 or VP8L chunk) or an extended
/// one (VP8X, optional ALPH/ICCP/EXIF/XMP, one image chunk) whose canvas equals the bitstream's size; VP8 frame tag and
/// start code, VP8L signature and version checked; animation (VP8X flag, ANIM, ANMF) refused. Bytes after the RIFF
/// are not handed on.
/// </summary>
internal static class WebpIntake
{
    private const string Format = "WebP";

    private static ImageRejectedException Bad(string detail) => ImageIntake.Bad(Format, detail);

    public static CheckedImage Check(byte[] d, ImageLimits limits)
    {
        uint riff = BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(4));
        if (riff < 4 + 8 || riff > (uint)(d.Length - 8)) throw Bad($"the RIFF header declares {riff:N0} bytes; the file holds {d.Length - 8:N0}");
        int end = 8 + (int)riff, p = 12;
        (int W, int H)? canvas = null, bitstream = null;
        bool first = true;
        while (p < end)
        {
            if (end - p < 8) throw Bad($"a chunk header at byte {p} is cut off");
            string fourcc = System.Text.Encoding.ASCII.GetString(d, p, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(p + 4));
            if (size > (uint)(end - p - 8)) throw Bad($"chunk '{Printable(fourcc)}' at byte {p} declares {size:N0} bytes, more than the file holds");
            var data = d.AsSpan(p + 8, (int)size);
            switch (fourcc)
            {
                case "VP8X":
                    if (!first) throw Bad("VP8X is not the first chunk");
                    if (size < 10) throw Bad("VP8X is cut off");
                    if ((data[0] & 0x02) != 0) throw ImageIntake.Animated();
                    canvas = (1 + (data[4] | data[5] << 8 | data[6] << 16), 1 + (data[7] | data[8] << 8 | data[9] << 16));
                    ImageIntake.CheckSize(Format, canvas.Value.W, canvas.Value.H, limits);
                    break;
                case "ANIM" or "ANMF":
                    throw ImageIntake.Animated();
                case "VP8 " or "VP8L":
                    if (bitstream is not null) throw Bad("it has more than one image chunk");
                    if (!first && canvas is null) throw Bad($"{fourcc.Trim()} follows another chunk without a VP8X header");
                    bitstream = fourcc == "VP8L" ? Lossless(data) : Lossy(data);
                    ImageIntake.CheckSize(Format, bitstream.Value.W, bitstream.Value.H, limits);
                    break;
                case "ALPH" or "ICCP" or "EXIF" or "XMP ":
                    if (canvas is null) throw Bad($"chunk '{fourcc.Trim()}' needs a VP8X header");
                    break;
                default:
                    if (first) throw Bad($"the first chunk is '{Printable(fourcc)}', not VP8, VP8L or VP8X");
                    break; // unknown chunks are allowed by the format and ignored by decoders
            }
            first = false;
            p += 8 + (int)size + (int)(size & 1);
        }
        if (bitstream is not { } size2) throw Bad("it has no VP8 or VP8L image chunk");
        if (canvas is { } c && c != size2) throw Bad($"the canvas is {c.W}×{c.H} but the image chunk is {size2.W}×{size2.H}");
        return new CheckedImage(ImageFormat.Webp, size2.W, size2.H, end == d.Length ? d : d[..end]);
    }

    /// <summary>VP8 key frame: 3-byte frame tag, start code 9D 01 2A, 14-bit width and height (top 2 bits: scaling).</summary>
    private static (int, int) Lossy(ReadOnlySpan<byte> data)
    {
        if (data.Length < 10) throw Bad("the VP8 chunk is cut off");
        int tag = data[0] | data[1] << 8 | data[2] << 16;
        if ((tag & 1) != 0) throw Bad("the VP8 frame is not a key frame");
        if (((tag >> 1) & 7) > 3) throw Bad("the VP8 frame has an unknown version");
        if ((tag >> 5) > data.Length - 10) throw Bad("the VP8 first partition is larger than its chunk");
        if (data[3] != 0x9D || data[4] != 0x01 || data[5] != 0x2A) throw Bad("the VP8 start code is missing");
        return (BinaryPrimitives.ReadUInt16LittleEndian(data[6..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(data[8..]) & 0x3FFF);
    }

    /// <summary>VP8L: signature 0x2F, then 14-bit width−1, 14-bit height−1, alpha hint, 3-bit version (0).</summary>
    private static (int, int) Lossless(ReadOnlySpan<byte> data)
    {
        if (data.Length < 5) throw Bad("the VP8L chunk is cut off");
        if (data[0] != 0x2F) throw Bad("the VP8L signature is missing");
        uint bits = BinaryPrimitives.ReadUInt32LittleEndian(data[1..]);
        if (bits >> 29 != 0) throw Bad("the VP8L version is not 0");
        return ((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
    }

    private static string Printable(string fourcc) => new(fourcc.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
}
