using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace GanService.Tests.Import;

/// <summary>
/// Reads the reference fixtures' .npy arrays: format version 1–3, little-endian float32 ('&lt;f4'), C order — the only
/// kind the fixtures hold, so anything else is an error rather than a conversion.
/// </summary>
public static partial class Npy
{
    public sealed record Array(int[] Shape, float[] Data)
    {
        public long Count => Data.LongLength;
    }

    public static Array Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual((ReadOnlySpan<byte>)[0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y']))
            throw new InvalidDataException($"{Path.GetFileName(path)}: not a .npy file");
        int major = bytes[6];
        int headerLength, headerStart;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); headerStart = 10; }
        else { headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)); headerStart = 12; }
        var header = Encoding.Latin1.GetString(bytes, headerStart, headerLength);

        var descr = DescrPattern().Match(header);
        if (!descr.Success || descr.Groups[1].Value != "<f4")
            throw new InvalidDataException($"{Path.GetFileName(path)}: dtype {descr.Groups[1].Value}, expected <f4");
        if (FortranPattern().Match(header) is { Success: true } f && f.Groups[1].Value == "True")
            throw new InvalidDataException($"{Path.GetFileName(path)}: Fortran order is not supported");
        var shapeText = ShapePattern().Match(header);
        if (!shapeText.Success) throw new InvalidDataException($"{Path.GetFileName(path)}: no shape in the header");
        var shape = shapeText.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse).ToArray();

        long count = shape.Aggregate(1L, (a, b) => a * b);
        int dataStart = headerStart + headerLength;
        if (bytes.Length - dataStart != count * 4)
            throw new InvalidDataException($"{Path.GetFileName(path)}: {bytes.Length - dataStart} data bytes for {count} floats");
        var data = new float[count];
        for (long i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + (int)(i * 4)));
        return new Array(shape, data);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
