using System.Buffers.Binary;
using System.Text;
using GanService.Contracts.Intake;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Fuzzing;

/// <summary>One hostile (or valid) upload: which family of mutation made it, a name that says exactly what was done, the
/// bytes and the media type a client would declare.</summary>
public sealed record FuzzCase(string Category, string Name, byte[] Bytes, string MediaType);

/// <summary>
/// Structure-aware hostile inputs: mutations of valid PNG, JPEG and WebP files that know where the chunks, segments and
/// headers are — truncation at every chunk/segment boundary, corrupted lengths and CRCs, Adam7 data short or long,
/// compression bombs in every compressed PNG field (IDAT, zTXt, iTXt, iCCP), huge and zero dimensions, palette errors,
/// animation (APNG, animated WebP), then seeded random byte flips. Deterministic for a seed. Categories are interleaved,
/// so any prefix of <see cref="Generate"/> covers all of them.
/// </summary>
public static class HostileImages
{
    /// <summary>Inflated size of every bomb: far beyond any image under the test caps, a few dozen KiB compressed.</summary>
    public const long BombBytes = 256L << 20;

    public static IEnumerable<FuzzCase> Generate(int count, int seed = 1)
    {
        IEnumerable<FuzzCase>[] families =
        [
            Valid(), PngTruncations(), PngChunkCorruption(), PngHeaders(), PngImageData(),
            PngBombs(), PngPalettes(), Animation(), JpegStructure(), WebpStructure(),
        ];
        var structured = families.Select(f => f.ToList()).ToList();
        int produced = 0;
        for (int round = 0; structured.Any(c => round < c.Count); round++)
            foreach (var category in structured)
            {
                if (round >= category.Count) continue;
                if (produced++ == count) yield break;
                yield return category[round];
            }
        var random = new Random(seed);
        var seeds = Seeds().ToList();
        while (produced++ < count) yield return Flip(seeds[random.Next(seeds.Count)], random);
    }

    /// <summary>The valid files every mutation starts from.</summary>
    public static IEnumerable<FuzzCase> Seeds()
    {
        yield return new("valid", "png rgb 24×16", new PngBuilder { Width = 24, Height = 16 }.Build(), "image/png");
        yield return new("valid", "png rgb 13×7 interlaced", new PngBuilder { Width = 13, Height = 7, Interlaced = true }.Build(), "image/png");
        yield return new("valid", "png palette 4-bit 9×9 interlaced", new PngBuilder { Width = 9, Height = 9, ColourType = 3, Depth = 4, Interlaced = true, Palette = Palette(5) }.Build(), "image/png");
        yield return new("valid", "png grey 16-bit 10×6", new PngBuilder { Width = 10, Height = 6, ColourType = 0, Depth = 16 }.Build(), "image/png");
        yield return new("valid", "png 12×12 (ImageSharp)", Encode((img, s) => img.SaveAsPng(s)), "image/png");
        yield return new("valid", "jpeg 4:2:0 (ImageSharp)", Encode((img, s) => img.SaveAsJpeg(s, new JpegEncoder { Quality = 80 })), "image/jpeg");
        yield return new("valid", "jpeg 4:4:4 (ImageSharp)", Encode((img, s) => img.SaveAsJpeg(s, new JpegEncoder { Quality = 95, ColorType = JpegColorType.YCbCrRatio444 })), "image/jpeg");
        yield return new("valid", "webp lossy (ImageSharp)", Encode((img, s) => img.SaveAsWebp(s, new WebpEncoder { FileFormat = WebpFileFormatType.Lossy })), "image/webp");
        yield return new("valid", "webp lossless (ImageSharp)", Encode((img, s) => img.SaveAsWebp(s, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless })), "image/webp");
    }

    private static IEnumerable<FuzzCase> Valid() => Seeds();

    private static byte[] Palette(int entries) => [.. Enumerable.Range(0, entries * 3).Select(i => (byte)(i * 53))];

    private static byte[] Encode(Action<Image<Rgb24>, Stream> save)
    {
        using var image = new Image<Rgb24>(12, 12);
        for (int y = 0; y < 12; y++)
            for (int x = 0; x < 12; x++) image[x, y] = new Rgb24((byte)(x * 20), (byte)(y * 20), (byte)((x + y) * 10));
        using var ms = new MemoryStream();
        save(image, ms);
        return ms.ToArray();
    }

    // ---- PNG -------------------------------------------------------------------------------------------------------

    private sealed record Chunk(string Type, int Start, int Length)
    {
        public int DataStart => Start + 8;
        public int End => Start + 12 + Length;
    }

    private static List<Chunk> Chunks(byte[] png)
    {
        var list = new List<Chunk>();
        for (int p = 8; p + 12 <= png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(p));
            if (length < 0 || length > png.Length - p - 12) break; // a damaged length: the rest is not chunks
            list.Add(new Chunk(Encoding.ASCII.GetString(png, p + 4, 4), p, length));
            p += 12 + length;
        }
        return list;
    }

    private static byte[] FixCrc(byte[] png, Chunk c)
    {
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(c.DataStart + c.Length), PngChunks.Crc32(png.AsSpan(c.Start + 4, 4 + c.Length)));
        return png;
    }

    private static IEnumerable<byte[]> PngSeeds() => Seeds().Where(s => s.MediaType == "image/png").Select(s => s.Bytes);

    private static IEnumerable<FuzzCase> PngTruncations()
    {
        foreach (var (png, n) in PngSeeds().Select((p, i) => (p, i)))
            foreach (var c in Chunks(png))
            {
                yield return new("png-truncate", $"seed {n}: cut before {c.Type}", png[..c.Start], "image/png");
                yield return new("png-truncate", $"seed {n}: cut inside {c.Type}", png[..(c.DataStart + c.Length / 2)], "image/png");
                yield return new("png-truncate", $"seed {n}: cut before {c.Type} CRC", png[..(c.DataStart + c.Length)], "image/png");
            }
    }

    private static IEnumerable<FuzzCase> PngChunkCorruption()
    {
        var png = PngSeeds().First();
        foreach (var c in Chunks(png))
        {
            foreach (uint length in new uint[] { (uint)c.Length + 1, (uint)Math.Max(0, c.Length - 1), 0, 0x7FFFFFFF, 0xFFFFFFFF, 0x80000000 })
            {
                var m = (byte[])png.Clone();
                BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(c.Start), length);
                yield return new("png-chunk", $"{c.Type} length {length}", m, "image/png");
            }
            var crc = (byte[])png.Clone();
            crc[c.DataStart + c.Length] ^= 0x5A;
            yield return new("png-chunk", $"{c.Type} CRC wrong", crc, "image/png");
            var renamed = (byte[])png.Clone();
            "QQQQ"u8.CopyTo(renamed.AsSpan(c.Start + 4));
            yield return new("png-chunk", $"{c.Type} renamed to an unknown critical chunk", FixCrc(renamed, c), "image/png");
            var ancillary = (byte[])png.Clone();
            "qqQQ"u8.CopyTo(ancillary.AsSpan(c.Start + 4));
            yield return new("png-chunk", $"{c.Type} renamed to an ancillary chunk", FixCrc(ancillary, c), "image/png");
            yield return new("png-chunk", $"{c.Type} removed", [.. png[..c.Start], .. png[c.End..]], "image/png");
            yield return new("png-chunk", $"{c.Type} twice", [.. png[..c.End], .. png[c.Start..c.End], .. png[c.End..]], "image/png");
        }
        var chunks = Chunks(png);
        var idat = chunks.First(c => c.Type == "IDAT");
        yield return new("png-chunk", "IDAT before IHDR", [.. png[..8], .. png[idat.Start..idat.End], .. png[8..idat.Start], .. png[idat.End..]], "image/png");
        yield return new("png-chunk", "IDAT split by tEXt", new PngBuilder { Width = 24, Height = 16, IdatChunks = 3 }.Build() is var split ? Interleave(split) : [], "image/png");
        yield return new("png-chunk", "signature only", png[..8], "image/png");
        yield return new("png-chunk", "signature damaged", [.. png[..7], 0, .. png[8..]], "image/png");
        yield return new("png-chunk", "100 000 empty tEXt chunks", new PngBuilder { BeforeImageData = [.. Enumerable.Repeat(("tEXt", new byte[] { (byte)'a', 0 }), 100_000)] }.Build(), "image/png");
        yield return new("png-chunk", "garbage after IEND", [.. png, .. new byte[4096]], "image/png");
    }

    /// <summary>A PNG whose IDAT chunks have a tEXt chunk between them (IDATs must be consecutive).</summary>
    private static byte[] Interleave(byte[] png)
    {
        var idats = Chunks(png).Where(c => c.Type == "IDAT").ToList();
        using var text = new MemoryStream();
        PngChunks.Write(text, "tEXt", "k\0v"u8);
        return [.. png[..idats[1].Start], .. text.ToArray(), .. png[idats[1].Start..]];
    }

    private static IEnumerable<FuzzCase> PngHeaders()
    {
        foreach (var (w, h) in new[] { (0, 8), (8, 0), (int.MaxValue, 1), (1, int.MaxValue), (100_000, 100_000), (65_535, 65_535), (4_001, 4_000), (1_000_000, 1) })
            yield return new("png-header", $"IHDR {w}×{h} with 8×8 data", WithHeader(new PngBuilder(), w, h), "image/png");
        yield return new("png-header", "IHDR width 2^31 (negative as int)", WithHeaderRaw(new PngBuilder(), 0x80000000, 8), "image/png");
        foreach (var (colour, depth) in new[] { (2, 4), (3, 16), (0, 3), (6, 1), (7, 8), (4, 4), (2, 0), (2, 255) })
            yield return new("png-header", $"colour type {colour} depth {depth}", new PngBuilder { ColourType = colour, Depth = depth, Palette = colour == 3 ? Palette(4) : null }.Build(), "image/png");
        foreach (var (offset, value, what) in new[] { (10, 1, "compression method 1"), (11, 1, "filter method 1"), (12, 2, "interlace method 2") })
        {
            var header = new PngBuilder().Header();
            header[offset] = (byte)value;
            yield return new("png-header", what, Replace(new PngBuilder().Build(), "IHDR", header), "image/png");
        }
        yield return new("png-header", "IHDR of 12 bytes", Replace(new PngBuilder().Build(), "IHDR", new PngBuilder().Header()[..12]), "image/png");
        yield return new("png-header", "IHDR of 14 bytes", Replace(new PngBuilder().Build(), "IHDR", [.. new PngBuilder().Header(), 0]), "image/png");
    }

    private static byte[] WithHeader(PngBuilder b, int w, int h) => WithHeaderRaw(b, (uint)w, (uint)h);

    private static byte[] WithHeaderRaw(PngBuilder b, uint w, uint h)
    {
        var header = b.Header();
        BinaryPrimitives.WriteUInt32BigEndian(header, w);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), h);
        return Replace(b.Build(), "IHDR", header);
    }

    /// <summary>Replaces the payload of the first chunk of a type (new length, correct CRC).</summary>
    private static byte[] Replace(byte[] png, string type, byte[] data)
    {
        var c = Chunks(png).First(x => x.Type == type);
        using var chunk = new MemoryStream();
        PngChunks.Write(chunk, type, data);
        return [.. png[..c.Start], .. chunk.ToArray(), .. png[c.End..]];
    }

    private static IEnumerable<FuzzCase> PngImageData()
    {
        foreach (bool interlaced in new[] { true, false })
            foreach (var (w, h) in new[] { (8, 8), (1, 1), (33, 17) })
                foreach (int delta in new[] { -10, -1, 1, 10, -1000 })
                    yield return new("png-data", $"{w}×{h}{(interlaced ? " interlaced" : "")} data {(delta < 0 ? "short" : "long")} by {Math.Abs(delta)}",
                        new PngBuilder { Width = w, Height = h, Interlaced = interlaced, RawDelta = delta }.Build(), "image/png");
        yield return new("png-data", "filter type 5 on every row", new PngBuilder { Filter = 5 }.Build(), "image/png");
        yield return new("png-data", "filter type 255, interlaced", new PngBuilder { Filter = 255, Interlaced = true }.Build(), "image/png");
        yield return new("png-data", "IDAT not zlib (raw bytes)", new PngBuilder { ImageData = new PngBuilder().Raw() }.Build(), "image/png");
        var zlib = PngBuilder.Zlib(new PngBuilder().Raw());
        var adler = (byte[])zlib.Clone();
        adler[^1] ^= 0xFF;
        yield return new("png-data", "IDAT Adler-32 wrong", new PngBuilder { ImageData = adler }.Build(), "image/png");
        yield return new("png-data", "IDAT zlib stream cut short", new PngBuilder { ImageData = zlib[..(zlib.Length / 2)] }.Build(), "image/png");
        yield return new("png-data", "IDAT empty", new PngBuilder { ImageData = [] }.Build(), "image/png");
        yield return new("png-data", "IDAT split into one chunk per byte", new PngBuilder { Width = 16, Height = 16, IdatChunks = 10_000 }.Build(), "image/png");
        yield return new("png-data", "short interlaced data split across IDATs", new PngBuilder { Interlaced = true, RawDelta = -10, IdatChunks = 4 }.Build(), "image/png");
    }

    private static byte[]? _bomb;
    private static byte[] Bomb => _bomb ??= PngBuilder.ZlibOfZeros(BombBytes);

    private static IEnumerable<FuzzCase> PngBombs()
    {
        yield return new("png-bomb", "zTXt inflating to 256 MiB", new PngBuilder { BeforeImageData = [("zTXt", [.. "Comment"u8, 0, 0, .. Bomb])] }.Build(), "image/png");
        yield return new("png-bomb", "iTXt (compressed) inflating to 256 MiB", new PngBuilder { BeforeImageData = [("iTXt", [.. "Comment"u8, 0, 1, 0, 0, 0, .. Bomb])] }.Build(), "image/png");
        yield return new("png-bomb", "iCCP inflating to 256 MiB", new PngBuilder { BeforeImageData = [("iCCP", [.. "icc"u8, 0, 0, .. Bomb])] }.Build(), "image/png");
        yield return new("png-bomb", "zTXt bomb after IDAT", new PngBuilder { AfterImageData = [("zTXt", [.. "Comment"u8, 0, 0, .. Bomb])] }.Build(), "image/png");
        yield return new("png-bomb", "8×8 IDAT inflating to 256 MiB", new PngBuilder { ImageData = Bomb }.Build(), "image/png");
        yield return new("png-bomb", "8×8 interlaced IDAT inflating to 256 MiB", new PngBuilder { Interlaced = true, ImageData = Bomb }.Build(), "image/png");
        yield return new("png-bomb", "1000×1000 RGBA IDAT inflating to 256 MiB", new PngBuilder { Width = 1000, Height = 1000, ColourType = 6, ImageData = Bomb }.Build(), "image/png");
        yield return new("png-bomb", "ten zTXt bombs", new PngBuilder { BeforeImageData = [.. Enumerable.Repeat(("zTXt", (byte[])[.. "c"u8, 0, 0, .. Bomb]), 10)] }.Build(), "image/png");
    }

    private static IEnumerable<FuzzCase> PngPalettes()
    {
        yield return new("png-palette", "palette image without PLTE", new PngBuilder { ColourType = 3 }.Build(), "image/png");
        yield return new("png-palette", "PLTE of 300 entries", new PngBuilder { ColourType = 3, Palette = Palette(300) }.Build(), "image/png");
        yield return new("png-palette", "PLTE of 17 entries at 4 bits", new PngBuilder { ColourType = 3, Depth = 4, Palette = Palette(17) }.Build(), "image/png");
        yield return new("png-palette", "PLTE of 7 bytes", new PngBuilder { ColourType = 3, Palette = [1, 2, 3, 4, 5, 6, 7] }.Build(), "image/png");
        yield return new("png-palette", "PLTE empty", new PngBuilder { ColourType = 3, Palette = [] }.Build(), "image/png");
        yield return new("png-palette", "PLTE in a greyscale image", new PngBuilder { ColourType = 0, Palette = Palette(4) }.Build(), "image/png");
        yield return new("png-palette", "indices beyond a 2-entry palette", new PngBuilder { ColourType = 3, Palette = Palette(2), Width = 16, Height = 16 } is var b ? IndicesBeyond(b) : [], "image/png");
        yield return new("png-palette", "tRNS longer than PLTE", new PngBuilder { ColourType = 3, Palette = Palette(2), Transparency = [1, 2, 3, 4] }.Build(), "image/png");
        yield return new("png-palette", "tRNS in an RGBA image", new PngBuilder { ColourType = 6, Transparency = [0, 0, 0, 0, 0, 0] }.Build(), "image/png");
        yield return new("png-palette", "tRNS of 5 bytes in an RGB image", new PngBuilder { Transparency = [0, 0, 0, 0, 0] }.Build(), "image/png");
        yield return new("png-palette", "PLTE after IDAT", new PngBuilder { ColourType = 3, AfterImageData = [("PLTE", Palette(4))] }.Build(), "image/png");
    }

    private static byte[] IndicesBeyond(PngBuilder b)
    {
        var raw = b.Raw();
        for (int i = 0; i < raw.Length; i++) if (i % (b.Width + 1) != 0) raw[i] = 250;
        return new PngBuilder { ColourType = 3, Palette = b.Palette, Width = b.Width, Height = b.Height, ImageData = PngBuilder.Zlib(raw) }.Build();
    }

    private static IEnumerable<FuzzCase> Animation()
    {
        byte[] actl = [0, 0, 0, 2, 0, 0, 0, 0];
        byte[] fctl = new byte[26];
        yield return new("animation", "APNG acTL + fcTL", new PngBuilder { BeforeImageData = [("acTL", actl), ("fcTL", fctl)] }.Build(), "image/png");
        yield return new("animation", "APNG fdAT after IDAT", new PngBuilder { AfterImageData = [("fcTL", fctl), ("fdAT", new byte[12])] }.Build(), "image/png");
        yield return new("animation", "APNG acTL after IDAT", new PngBuilder { AfterImageData = [("acTL", actl)] }.Build(), "image/png");
        var webp = Seeds().First(s => s.Name.StartsWith("webp lossy", StringComparison.Ordinal)).Bytes;
        yield return new("animation", "WebP VP8X animation flag", Extended(webp, flags: 0x02, extra: []), "image/webp");
        yield return new("animation", "WebP ANIM + ANMF chunks", Extended(webp, flags: 0, extra: [("ANIM", new byte[6]), ("ANMF", new byte[16])]), "image/webp");
    }

    // ---- JPEG ------------------------------------------------------------------------------------------------------

    private sealed record Segment(byte Marker, int Start, int End);

    /// <summary>Segments of a valid JPEG; a scan's segment runs to the next marker (it includes the entropy data).</summary>
    private static List<Segment> Segments(byte[] jpeg)
    {
        var list = new List<Segment> { new(0xD8, 0, 2) };
        for (int p = 2; p + 1 < jpeg.Length;)
        {
            byte marker = jpeg[p + 1];
            if (marker == 0xD9) { list.Add(new(marker, p, p + 2)); break; }
            int end = p + 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(p + 2));
            if (marker == 0xDA)
                while (end + 1 < jpeg.Length && !(jpeg[end] == 0xFF && jpeg[end + 1] != 0 && jpeg[end + 1] is not (>= 0xD0 and <= 0xD7))) end++;
            list.Add(new(marker, p, end));
            p = end;
        }
        return list;
    }

    private static IEnumerable<FuzzCase> JpegStructure()
    {
        var seeds = Seeds().Where(s => s.MediaType == "image/jpeg").Select(s => s.Bytes).ToList();
        foreach (var (jpeg, n) in seeds.Select((j, i) => (j, i)))
            foreach (var s in Segments(jpeg))
            {
                yield return new("jpeg", $"seed {n}: cut before FF{s.Marker:X2}", jpeg[..s.Start], "image/jpeg");
                yield return new("jpeg", $"seed {n}: cut inside FF{s.Marker:X2}", jpeg[..((s.Start + s.End) / 2)], "image/jpeg");
            }
        var baseline = seeds[0];
        foreach (var s in Segments(baseline).Where(s => s.End - s.Start >= 4))
            foreach (ushort length in new ushort[] { 0, 1, 2, 0xFFFF, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(baseline.AsSpan(s.Start + 2)) + 1) })
            {
                var m = (byte[])baseline.Clone();
                BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(s.Start + 2), length);
                yield return new("jpeg", $"FF{s.Marker:X2} length {length}", m, "image/jpeg");
            }
        var sof = Segments(baseline).First(s => s.Marker == 0xC0);
        foreach (var (w, h) in new[] { (0, 12), (12, 0), (65_535, 65_535), (4_001, 4_000), (1, 65_535) })
        {
            var m = (byte[])baseline.Clone();
            BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(sof.Start + 5), (ushort)h);
            BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(sof.Start + 7), (ushort)w);
            yield return new("jpeg", $"SOF {w}×{h}", m, "image/jpeg");
        }
        foreach (var (offset, value, what) in new[] { (4, 16, "precision 16"), (9, 0, "0 components"), (11, 0x00, "sampling 0×0"), (11, 0x55, "sampling 5×5"), (12, 9, "quantization table 9") })
        {
            var m = (byte[])baseline.Clone();
            m[sof.Start + offset] = (byte)value;
            yield return new("jpeg", $"SOF {what}", m, "image/jpeg");
        }
        var segments = Segments(baseline);
        var sos = segments.First(s => s.Marker == 0xDA);
        var dht = segments.First(s => s.Marker == 0xC4);
        var dqt = segments.First(s => s.Marker == 0xDB);
        yield return new("jpeg", "no SOF", [.. baseline[..sof.Start], .. baseline[sof.End..]], "image/jpeg");
        yield return new("jpeg", "two SOFs", [.. baseline[..sof.End], .. baseline[sof.Start..sof.End], .. baseline[sof.End..]], "image/jpeg");
        yield return new("jpeg", "SOF changed to SOF3 (lossless)", Patched(baseline, sof.Start + 1, 0xC3), "image/jpeg");
        yield return new("jpeg", "SOF changed to SOF9 (arithmetic)", Patched(baseline, sof.Start + 1, 0xC9), "image/jpeg");
        yield return new("jpeg", "no DHT", [.. baseline[..dht.Start], .. baseline[dht.End..]], "image/jpeg");
        yield return new("jpeg", "no DQT", [.. baseline[..dqt.Start], .. baseline[dqt.End..]], "image/jpeg");
        yield return new("jpeg", "DHT counts sum past 256", Patched(baseline, dht.Start + 5, 0xFF), "image/jpeg");
        yield return new("jpeg", "DQT table id 9", Patched(baseline, dqt.Start + 4, 0x09), "image/jpeg");
        yield return new("jpeg", "scan before frame", [.. baseline[..sof.Start], .. baseline[sos.Start..sos.End], .. baseline[sof.Start..sos.Start], .. baseline[sos.End..]], "image/jpeg");
        yield return new("jpeg", "500 copies of the scan", [.. baseline[..sos.End], .. Enumerable.Repeat(baseline[sos.Start..sos.End], 500).SelectMany(b => b), .. baseline[sos.End..]], "image/jpeg");
        yield return new("jpeg", "no EOI", baseline[..^2], "image/jpeg");
        yield return new("jpeg", "SOI only", baseline[..2], "image/jpeg");
        yield return new("jpeg", "second SOI", [.. baseline[..2], .. baseline], "image/jpeg");
        yield return new("jpeg", "DNL marker", [.. baseline[..sos.End], 0xFF, 0xDC, 0, 4, 0, 12, .. baseline[sos.End..]], "image/jpeg");
        yield return new("jpeg", "64 KiB EXIF + 100 ICC segments", [.. baseline[..2], .. App(0xE1, 65_000), .. Enumerable.Range(0, 100).SelectMany(_ => App(0xE2, 65_000)), .. baseline[2..]], "image/jpeg");
        yield return new("jpeg", "entropy data all 0xFF", [.. baseline[..(sos.Start + 14)], .. Enumerable.Repeat((byte)0xFF, 5000), .. baseline[sos.End..]], "image/jpeg");
        yield return new("jpeg", "entropy data all zero", [.. baseline[..(sos.Start + 14)], .. new byte[5000], .. baseline[sos.End..]], "image/jpeg");
    }

    private static byte[] Patched(byte[] data, int offset, byte value)
    {
        var m = (byte[])data.Clone();
        m[offset] = value;
        return m;
    }

    private static byte[] App(byte marker, int length)
    {
        var segment = new byte[length + 2];
        (segment[0], segment[1]) = (0xFF, marker);
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)length);
        return segment;
    }

    // ---- WebP ------------------------------------------------------------------------------------------------------

    private sealed record RiffChunk(string FourCc, int Start, int Size)
    {
        public int End => Start + 8 + Size + (Size & 1);
    }

    private static List<RiffChunk> RiffChunks(byte[] webp)
    {
        var list = new List<RiffChunk>();
        for (int p = 12; p + 8 <= webp.Length;)
        {
            int size = BinaryPrimitives.ReadInt32LittleEndian(webp.AsSpan(p + 4));
            list.Add(new RiffChunk(Encoding.ASCII.GetString(webp, p, 4), p, size));
            p += 8 + size + (size & 1);
        }
        return list;
    }

    /// <summary>Wraps a simple WebP's image chunk in an extended (VP8X) file with extra chunks.</summary>
    private static byte[] Extended(byte[] simple, byte flags, IReadOnlyList<(string FourCc, byte[] Data)> extra, int canvasW = 12, int canvasH = 12)
    {
        var image = RiffChunks(simple)[0];
        using var body = new MemoryStream();
        body.Write("WEBP"u8);
        var vp8x = new byte[10];
        vp8x[0] = flags;
        WriteU24(vp8x.AsSpan(4), canvasW - 1);
        WriteU24(vp8x.AsSpan(7), canvasH - 1);
        WriteRiff(body, "VP8X", vp8x);
        foreach (var (fourcc, data) in extra) WriteRiff(body, fourcc, data);
        body.Write(simple.AsSpan(image.Start, image.End - image.Start));
        var payload = body.ToArray();
        return [.. "RIFF"u8, .. BitConverter.GetBytes(payload.Length), .. payload];
    }

    private static void WriteU24(Span<byte> at, int value) => (at[0], at[1], at[2]) = ((byte)value, (byte)(value >> 8), (byte)(value >> 16));

    private static void WriteRiff(Stream s, string fourcc, byte[] data)
    {
        s.Write(Encoding.ASCII.GetBytes(fourcc));
        s.Write(BitConverter.GetBytes(data.Length));
        s.Write(data);
        if ((data.Length & 1) != 0) s.WriteByte(0);
    }

    private static IEnumerable<FuzzCase> WebpStructure()
    {
        var seeds = Seeds().Where(s => s.MediaType == "image/webp").Select(s => s.Bytes).ToList();
        foreach (var (webp, n) in seeds.Select((w, i) => (w, i)))
        {
            foreach (int cut in new[] { 4, 8, 12, 16, 20, 30, webp.Length / 2, webp.Length - 1 })
                yield return new("webp", $"seed {n}: cut at {cut}", webp[..cut], "image/webp");
            foreach (int riff in new[] { 0, 4, webp.Length, webp.Length - 7, int.MaxValue, -1 })
            {
                var m = (byte[])webp.Clone();
                BinaryPrimitives.WriteInt32LittleEndian(m.AsSpan(4), riff);
                yield return new("webp", $"seed {n}: RIFF size {riff}", m, "image/webp");
            }
            var chunk = RiffChunks(webp)[0];
            foreach (int size in new[] { 0, 3, chunk.Size + 1, chunk.Size + 100, int.MaxValue })
            {
                var m = (byte[])webp.Clone();
                BinaryPrimitives.WriteInt32LittleEndian(m.AsSpan(chunk.Start + 4), size);
                yield return new("webp", $"seed {n}: {chunk.FourCc.Trim()} size {size}", m, "image/webp");
            }
            yield return new("webp", $"seed {n}: in VP8X with ICCP/EXIF/XMP", Extended(webp, 0x2C, [("ICCP", new byte[100]), ("EXIF", new byte[100]), ("XMP ", new byte[99])]), "image/webp");
            yield return new("webp", $"seed {n}: VP8X canvas 16383×16383", Extended(webp, 0, [], 16_383, 16_383), "image/webp");
            yield return new("webp", $"seed {n}: VP8X canvas 13×12 (mismatch)", Extended(webp, 0, [], 13, 12), "image/webp");
            yield return new("webp", $"seed {n}: VP8X canvas 2^24×2^24", Extended(webp, 0, [], 1 << 24, 1 << 24), "image/webp");
        }
        var lossy = seeds[0];
        var vp8 = RiffChunks(lossy)[0];
        foreach (var (w, h) in new[] { (0, 12), (12, 0), (16_383, 16_383), (4_001, 4_000) })
        {
            var m = (byte[])lossy.Clone();
            BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(vp8.Start + 14), (ushort)w);
            BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(vp8.Start + 16), (ushort)h);
            yield return new("webp", $"VP8 {w}×{h}", m, "image/webp");
        }
        yield return new("webp", "VP8 not a key frame", Patched(lossy, vp8.Start + 8, (byte)(lossy[vp8.Start + 8] | 1)), "image/webp");
        yield return new("webp", "VP8 start code wrong", Patched(lossy, vp8.Start + 11, 0x00), "image/webp");
        yield return new("webp", "VP8 first partition larger than the chunk", Patched(lossy, vp8.Start + 10, 0xFF), "image/webp");
        var lossless = seeds[1];
        var vp8l = RiffChunks(lossless)[0];
        yield return new("webp", "VP8L signature wrong", Patched(lossless, vp8l.Start + 8, 0x2E), "image/webp");
        yield return new("webp", "VP8L version 7", Patched(lossless, vp8l.Start + 12, (byte)(lossless[vp8l.Start + 12] | 0xE0)), "image/webp");
        foreach (var (w, h) in new[] { (16_384, 16_384), (4_001, 4_000), (1, 1) })
        {
            var m = (byte[])lossless.Clone();
            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(m.AsSpan(vp8l.Start + 9)) & 0xF0000000;
            bits |= (uint)(w - 1) | (uint)(h - 1) << 14;
            BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(vp8l.Start + 9), bits);
            yield return new("webp", $"VP8L {w}×{h}", m, "image/webp");
        }
        yield return new("webp", "two image chunks", WithRiffSize([.. lossy[..vp8.End], .. lossy[vp8.Start..vp8.End]]), "image/webp");
        yield return new("webp", "first chunk unknown", WithRiffSize([.. lossy[..12], .. "JUNK"u8, 4, 0, 0, 0, 1, 2, 3, 4, .. lossy[12..]]), "image/webp");
        yield return new("webp", "ALPH without VP8X", WithRiffSize([.. lossy[..12], .. "ALPH"u8, 2, 0, 0, 0, 0, 0, .. lossy[12..]]), "image/webp");
    }

    private static byte[] WithRiffSize(byte[] webp)
    {
        BinaryPrimitives.WriteInt32LittleEndian(webp.AsSpan(4), webp.Length - 8);
        return webp;
    }

    // ---- random ----------------------------------------------------------------------------------------------------

    /// <summary>1–8 random bytes of a seed set to random values; for PNG the CRCs are then repaired half the time, so
    /// the damage reaches past the CRC check into the headers and the compressed data.</summary>
    private static FuzzCase Flip(FuzzCase seed, Random random)
    {
        var m = (byte[])seed.Bytes.Clone();
        int flips = random.Next(1, 9);
        var at = new List<int>();
        for (int i = 0; i < flips; i++)
        {
            int p = random.Next(m.Length);
            m[p] = (byte)random.Next(256);
            at.Add(p);
        }
        bool repaired = seed.MediaType == "image/png" && random.Next(2) == 0;
        if (repaired)
            foreach (var c in Chunks(m)) FixCrc(m, c);
        return new FuzzCase("random", $"{seed.Name}: bytes {string.Join(',', at)} changed{(repaired ? ", CRCs repaired" : "")}", m, seed.MediaType);
    }
}
