using System.Buffers.Binary;

namespace GanService.Contracts.Intake;

/// <summary>
/// JPEG: marker walk from SOI to EOI. Every segment length inside the file; exactly one frame (SOF) before the first scan,
/// its size known (no DNL) and under the pixel cap, its components sane; DQT/DHT tables that fit their segments; scans
/// bounded in number (each progressive scan is a pass over the whole coefficient buffer). The file handed on keeps the
/// segments the pixels need and drops the metadata ones (EXIF, ICC, XMP, IPTC, comments).
/// </summary>
internal static class JpegIntake
{
    private const string Format = "JPEG";

    /// <summary>Progressive JPEGs use ~10 scans; libjpeg-turbo's tools cap hostile ones the same way.</summary>
    public const int MaxScans = 100;

    private static ImageRejectedException Bad(string detail) => ImageIntake.Bad(Format, detail);

    public static CheckedImage Check(byte[] d, ImageLimits limits)
    {
        var keep = new List<Range>();
        int p = 2, scans = 0, width = 0, height = 0, components = 0;
        bool frame = false;
        while (true)
        {
            if (p >= d.Length) throw Bad("it ends before its EOI marker");
            if (d[p] != 0xFF) throw Bad($"byte {p} should start a marker");
            int start = p;
            while (p < d.Length && d[p] == 0xFF) p++; // fill bytes
            if (p >= d.Length) throw Bad("it ends before its EOI marker");
            byte marker = d[p++];
            if (marker == 0xD9) break; // EOI
            if (marker is >= 0xD0 and <= 0xD7 or 0x01) continue; // standalone RSTn / TEM
            if (marker is 0xD8 or 0x00) throw Bad($"marker FF{marker:X2} at byte {start} is out of place");
            if (d.Length - p < 2) throw Bad($"segment FF{marker:X2} at byte {start} is cut off");
            int length = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(p));
            if (length < 2 || length > d.Length - p) throw Bad($"segment FF{marker:X2} at byte {start} declares {length} bytes, more than the file holds");
            var seg = d.AsSpan(p + 2, length - 2);
            p += length;
            switch (marker)
            {
                case 0xC0 or 0xC1 or 0xC2:
                    if (frame) throw Bad("it has more than one frame (SOF)");
                    (width, height, components) = Frame(seg, limits);
                    frame = true;
                    break;
                case 0xC3 or >= 0xC5 and <= 0xC7 or >= 0xC9 and <= 0xCB or >= 0xCD and <= 0xCF:
                    throw Bad($"frame type SOF{marker - 0xC0} (lossless, hierarchical or arithmetic) is not supported; send baseline or progressive JPEG");
                case 0xC4: Huffman(seg); break;
                case 0xDB: Quantization(seg); break;
                case 0xDD:
                    if (seg.Length != 2) throw Bad("DRI is not 4 bytes long");
                    break;
                case 0xDA:
                    if (!frame) throw Bad("a scan (SOS) comes before the frame (SOF)");
                    if (++scans > MaxScans) throw Bad($"it has more than {MaxScans} scans");
                    int n = seg.Length > 0 ? seg[0] : 0;
                    if (n is < 1 or > 4 || n > components || seg.Length != 4 + 2 * n) throw Bad($"SOS at byte {start} is malformed");
                    p = SkipEntropyData(d, p);
                    break;
                case 0xDC: throw Bad("the height is given later by a DNL marker, which is not supported");
            }
            // Metadata segments (APP1…APP13, APP15: EXIF, ICC, XMP, IPTC …; COM) are parsed by decoders but not needed for pixels.
            bool metadata = marker is >= 0xE1 and <= 0xED or 0xEF or 0xFE;
            if (!metadata) keep.Add(new Range(start, p));
        }
        if (!frame) throw Bad("it has no frame (SOF)");
        if (scans == 0) throw Bad("it has no scan (SOS)");
        using var output = new MemoryStream(d.Length);
        output.Write([0xFF, 0xD8]);
        foreach (var r in keep) output.Write(d.AsSpan(r));
        output.Write([0xFF, 0xD9]);
        return new CheckedImage(ImageFormat.Jpeg, width, height, output.ToArray());
    }

    private static (int Width, int Height, int Components) Frame(ReadOnlySpan<byte> seg, ImageLimits limits)
    {
        if (seg.Length < 6) throw Bad("SOF is cut off");
        int precision = seg[0], height = BinaryPrimitives.ReadUInt16BigEndian(seg[1..]), width = BinaryPrimitives.ReadUInt16BigEndian(seg[3..]), n = seg[5];
        if (precision is not (8 or 12)) throw Bad($"sample precision {precision} is not 8 or 12");
        if (height == 0) throw Bad("the height is given later by a DNL marker, which is not supported");
        ImageIntake.CheckSize(Format, width, height, limits);
        if (n is not (1 or 3 or 4)) throw Bad($"it has {n} components; 1, 3 or 4 are supported");
        if (seg.Length != 6 + 3 * n) throw Bad("SOF's length does not match its component count");
        for (int i = 0; i < n; i++)
        {
            int h = seg[7 + 3 * i] >> 4, v = seg[7 + 3 * i] & 15, table = seg[8 + 3 * i];
            if (h is < 1 or > 4 || v is < 1 or > 4) throw Bad($"component {i} has sampling factors {h}×{v}");
            if (table > 3) throw Bad($"component {i} names quantization table {table}");
        }
        return (width, height, n);
    }

    private static void Huffman(ReadOnlySpan<byte> seg)
    {
        while (!seg.IsEmpty)
        {
            if (seg.Length < 17) throw Bad("DHT is cut off");
            int cls = seg[0] >> 4, id = seg[0] & 15, count = 0;
            if (cls > 1 || id > 3) throw Bad($"DHT names table class {cls} id {id}");
            foreach (var c in seg.Slice(1, 16)) count += c;
            if (count > 256 || 17 + count > seg.Length) throw Bad($"DHT declares {count} codes, more than it holds or than 256");
            seg = seg[(17 + count)..];
        }
    }

    private static void Quantization(ReadOnlySpan<byte> seg)
    {
        while (!seg.IsEmpty)
        {
            int precision = seg[0] >> 4, id = seg[0] & 15, size = precision == 0 ? 64 : 128;
            if (precision > 1 || id > 3) throw Bad($"DQT names precision {precision} table {id}");
            if (seg.Length < 1 + size) throw Bad("DQT is cut off");
            seg = seg[(1 + size)..];
        }
    }

    /// <summary>Returns the index of the marker that ends the entropy-coded data (stuffed FF00 and RSTn belong to it).</summary>
    private static int SkipEntropyData(byte[] d, int p)
    {
        while (true)
        {
            int ff = Array.IndexOf(d, (byte)0xFF, p);
            if (ff < 0 || ff + 1 >= d.Length) throw Bad("it ends inside a scan, before its EOI marker");
            byte next = d[ff + 1];
            if (next == 0x00 || next is >= 0xD0 and <= 0xD7 || next == 0xFF) { p = ff + 1 + (next == 0xFF ? 0 : 1); continue; }
            return ff;
        }
    }
}
