using System.Buffers.Binary;
using System.IO.Compression;

namespace GanService.Contracts.Intake;

/// <summary>
/// PNG: chunk walk (lengths inside the file, CRCs, IHDR first and sane, only the known critical chunks, PLTE/tRNS
/// consistent with the colour type), then the IDAT stream inflated with a cap of exactly the bytes the IHDR implies
/// (Adam7 included) and every row's filter byte checked. The file handed on keeps only IHDR, PLTE, tRNS, IDAT and IEND:
/// the ancillary chunks that decompress (zTXt, iTXt, iCCP) and all other metadata are dropped.
/// </summary>
internal static class PngIntake
{
    private const string Format = "PNG";

    private static ImageRejectedException Bad(string detail) => ImageIntake.Bad(Format, detail);

    public static CheckedImage Check(byte[] d, ImageLimits limits)
    {
        int p = PngChunks.Signature.Length;
        Range? ihdr = null, plte = null, trns = null;
        var idat = new List<Range>();
        bool idatClosed = false, sawEnd = false;
        int width = 0, height = 0, depth = 0, colour = 0;
        bool interlaced = false;
        while (!sawEnd)
        {
            if (d.Length - p < 12) throw Bad(p == d.Length ? "it ends before its IEND chunk" : $"it ends inside the chunk header at byte {p}");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(p));
            if (length > (uint)(d.Length - p - 12)) throw Bad($"the chunk at byte {p} declares {length:N0} bytes, more than the file holds");
            var typeBytes = d.AsSpan(p + 4, 4);
            foreach (var c in typeBytes)
                if (!char.IsAsciiLetter((char)c)) throw Bad($"the chunk at byte {p} has an invalid type");
            string type = System.Text.Encoding.ASCII.GetString(typeBytes);
            var dataRange = new Range(p + 8, p + 8 + (int)length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(p + 8 + (int)length));
            if (PngChunks.Crc32(d.AsSpan(p + 4, 4 + (int)length)) != crc) throw Bad($"the CRC of chunk {type} at byte {p} is wrong");
            var data = d.AsSpan(dataRange);
            if (ihdr is null && type != "IHDR") throw Bad("the first chunk is not IHDR");
            if (idat.Count > 0 && type != "IDAT") idatClosed = true;
            switch (type)
            {
                case "IHDR":
                    if (ihdr is not null) throw Bad("it has two IHDR chunks");
                    if (length != 13) throw Bad($"IHDR has {length} bytes, not 13");
                    uint w = BinaryPrimitives.ReadUInt32BigEndian(data), h = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
                    if (w > int.MaxValue || h > int.MaxValue) throw Bad($"IHDR gives a size of {w}×{h}");
                    ImageIntake.CheckSize(Format, w, h, limits);
                    (width, height, depth, colour) = ((int)w, (int)h, data[8], data[9]);
                    if (Channels(colour, depth) == 0) throw Bad($"bit depth {depth} with colour type {colour} is not a PNG combination");
                    if (data[10] != 0 || data[11] != 0) throw Bad("IHDR names an unknown compression or filter method");
                    if (data[12] > 1) throw Bad($"IHDR names an unknown interlace method {data[12]}");
                    interlaced = data[12] == 1;
                    ihdr = new Range(p, p + 12 + 13);
                    break;
                case "PLTE":
                    if (plte is not null) throw Bad("it has two PLTE chunks");
                    if (idat.Count > 0) throw Bad("PLTE comes after the image data");
                    if (colour is 0 or 4) throw Bad("a greyscale image has a PLTE chunk");
                    if (length == 0 || length % 3 != 0 || length / 3 > 256) throw Bad($"PLTE has {length} bytes; it needs 1…256 entries of 3");
                    if (colour == 3 && length / 3 > 1 << depth) throw Bad($"PLTE has {length / 3} entries, more than bit depth {depth} can index");
                    // A palette is only needed to index colour type 3; for truecolour it is a suggestion the decoder does not need.
                    if (colour == 3) plte = new Range(p, p + 12 + (int)length);
                    break;
                case "tRNS":
                    if (idat.Count > 0) throw Bad("tRNS comes after the image data");
                    int expected = colour switch { 0 => 2, 2 => 6, _ => -1 };
                    if (colour == 3)
                    {
                        if (plte is null) throw Bad("tRNS comes before PLTE");
                        if (length > (plte.Value.End.Value - plte.Value.Start.Value - 12) / 3) throw Bad("tRNS has more entries than PLTE");
                    }
                    else if (expected < 0) throw Bad($"colour type {colour} has its own alpha and takes no tRNS chunk");
                    else if (length != expected) throw Bad($"tRNS has {length} bytes; colour type {colour} needs {expected}");
                    trns = new Range(p, p + 12 + (int)length);
                    break;
                case "IDAT":
                    if (idatClosed) throw Bad("its IDAT chunks are not consecutive");
                    idat.Add(dataRange);
                    break;
                case "IEND":
                    sawEnd = true;
                    break;
                case "acTL" or "fcTL" or "fdAT":
                    throw ImageIntake.Animated();
                default:
                    // Critical chunks (upper-case first letter) must be understood; ancillary ones (zTXt, iTXt, iCCP …) are dropped.
                    if (char.IsAsciiLetterUpper(type[0])) throw Bad($"it has an unknown critical chunk {type}");
                    break;
            }
            p += 12 + (int)length;
        }
        if (colour == 3 && plte is null) throw Bad("a palette image has no PLTE chunk");
        if (idat.Count == 0) throw Bad("it has no image data (IDAT)");

        int bitsPerPixel = Channels(colour, depth) * depth;
        CheckImageData(d, idat, width, height, bitsPerPixel, interlaced);
        return new CheckedImage(ImageFormat.Png, width, height, Rebuild(d, ihdr!.Value, plte, trns, idat));
    }

    /// <summary>Samples per pixel for a valid (colour type, bit depth); 0 for a combination PNG does not define.</summary>
    private static int Channels(int colour, int depth) => colour switch
    {
        0 when depth is 1 or 2 or 4 or 8 or 16 => 1,
        2 when depth is 8 or 16 => 3,
        3 when depth is 1 or 2 or 4 or 8 => 1,
        4 when depth is 8 or 16 => 2,
        6 when depth is 8 or 16 => 4,
        _ => 0,
    };

    /// <summary>Inflates the concatenated IDAT data, never more than the exact size the header implies plus one byte (to
    /// see that it is too long), and checks each row's filter byte. Memory: one 64 KiB buffer, whatever the image.</summary>
    private static void CheckImageData(byte[] d, List<Range> idat, int width, int height, int bitsPerPixel, bool interlaced)
    {
        long expected = PngChunks.ExpectedRawBytes(width, height, bitsPerPixel, interlaced);
        var rows = PngChunks.SubImages(width, height, interlaced).Select(s => (RowLength: 1 + PngChunks.RowBytes(s.Width, bitsPerPixel), s.Height)).ToList();
        int sub = 0;
        long rowInSub = 0, offsetInRow = 0, total = 0;
        var buffer = new byte[64 * 1024];
        try
        {
            using var zlib = new ZLibStream(new SegmentStream(d, idat), CompressionMode.Decompress);
            while (true)
            {
                int want = (int)Math.Min(buffer.Length, expected - total + 1);
                int read = zlib.Read(buffer, 0, want);
                if (read == 0) break;
                if (total + read > expected)
                    throw Bad($"its image data inflates to more than the {expected:N0} bytes a {width}×{height}{(interlaced ? " interlaced" : "")} image needs");
                for (int i = 0; i < read;)
                {
                    if (offsetInRow == 0 && buffer[i] > 4) throw Bad($"row {rowInSub} has an unknown filter type {buffer[i]}");
                    long step = Math.Min(read - i, rows[sub].RowLength - offsetInRow);
                    i += (int)step;
                    offsetInRow += step;
                    if (offsetInRow == rows[sub].RowLength)
                    {
                        offsetInRow = 0;
                        if (++rowInSub == rows[sub].Height && sub + 1 < rows.Count) { sub++; rowInSub = 0; }
                    }
                }
                total += read;
            }
        }
        // InvalidDataException for a bad stream; ZLibException (an IOException) for states zlib itself reports as errors.
        catch (Exception e) when (e is InvalidDataException or IOException) { throw Bad($"its image data is not a valid zlib stream ({e.Message})"); }
        if (total < expected)
            throw Bad($"its image data is {expected - total:N0} bytes short of the {expected:N0} bytes a {width}×{height}{(interlaced ? " interlaced" : "")} image needs");
    }

    private static byte[] Rebuild(byte[] d, Range ihdr, Range? plte, Range? trns, List<Range> idat)
    {
        using var output = new MemoryStream(d.Length);
        output.Write(PngChunks.Signature);
        output.Write(d.AsSpan(ihdr));
        if (plte is { } p) output.Write(d.AsSpan(p));
        if (trns is { } t) output.Write(d.AsSpan(t));
        foreach (var r in idat) PngChunks.Write(output, "IDAT", d.AsSpan(r));
        PngChunks.Write(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>The IDAT payloads read as one stream without copying them together.</summary>
    private sealed class SegmentStream(byte[] data, List<Range> segments) : Stream
    {
        private int _segment, _offset;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> destination)
        {
            while (_segment < segments.Count)
            {
                var span = data.AsSpan(segments[_segment])[_offset..];
                if (span.IsEmpty) { _segment++; _offset = 0; continue; }
                int n = Math.Min(span.Length, destination.Length);
                span[..n].CopyTo(destination);
                _offset += n;
                return n;
            }
            return 0;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
