using System.IO.Compression;

namespace GanService.Training.Data;

/// <summary>
/// IDX files (LeCun's MNIST format, also Fashion-MNIST): big-endian header 0x00 0x00 type ndim, then ndim int32 sizes,
/// then the data. Plain or gzipped (".gz", detected by the magic bytes 1f 8b). Images: ubyte, ndim 3 (N, H, W);
/// labels: ubyte, ndim 1.
/// </summary>
public static class IdxDataset
{
    public static readonly string[] FashionMnistClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static readonly string[] MnistClasses = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    public const string FashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    public static (int[] Dims, byte[] Data) ReadRaw(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            bytes = ms.ToArray();
        }
        return Parse(bytes, path);
    }

    public static (int[] Dims, byte[] Data) Parse(byte[] bytes, string source = "idx")
    {
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0) throw new InvalidDataException($"{source}: not an IDX file");
        if (bytes[2] != 0x08) throw new InvalidDataException($"{source}: IDX element type 0x{bytes[2]:x2} is not unsigned byte");
        int ndim = bytes[3];
        if (ndim < 1 || bytes.Length < 4 + 4 * ndim) throw new InvalidDataException($"{source}: truncated IDX header");
        var dims = new int[ndim];
        long total = 1;
        for (int i = 0; i < ndim; i++)
        {
            dims[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (dims[i] < 0) throw new InvalidDataException($"{source}: negative dimension");
            total *= dims[i];
        }
        int offset = 4 + 4 * ndim;
        if (bytes.Length - offset != total) throw new InvalidDataException($"{source}: {bytes.Length - offset} data bytes, header says {total}");
        return (dims, bytes[offset..]);
    }

    /// <summary>Loads images (and labels when given) as a (N, 1, H, W) set.</summary>
    public static LabelledImageSet Load(string imagesPath, string? labelsPath, string[]? classNames = null, int limit = 0)
    {
        var (dims, data) = ReadRaw(imagesPath);
        if (dims.Length != 3) throw new InvalidDataException($"{imagesPath}: image IDX must have 3 dims, has {dims.Length}");
        int n = limit > 0 ? Math.Min(limit, dims[0]) : dims[0];
        var pixels = torch.tensor(data.AsSpan(0, n * dims[1] * dims[2]).ToArray(), [n, 1, dims[1], dims[2]], ScalarType.Byte);
        Tensor? labels = null;
        string[] names = [];
        if (labelsPath is not null)
        {
            var (ld, l) = ReadRaw(labelsPath);
            if (ld.Length != 1 || ld[0] != dims[0]) throw new InvalidDataException($"{labelsPath}: expected {dims[0]} labels");
            labels = torch.tensor(l.AsSpan(0, n).ToArray().Select(b => (long)b).ToArray(), ScalarType.Int64);
            int k = l.Max() + 1;
            names = classNames is not null && classNames.Length >= k ? classNames[..k] : Enumerable.Range(0, k).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }
        return new LabelledImageSet(pixels, labels, names);
    }

    /// <summary>A folder holding train-images-idx3-ubyte[.gz] / train-labels-idx1-ubyte[.gz] (or t10k-…).</summary>
    public static LabelledImageSet LoadFolder(string folder, bool train = true, string[]? classNames = null, int limit = 0)
    {
        string prefix = train ? "train" : "t10k";
        string Find(string stem) =>
            new[] { stem, stem + ".gz" }.Select(f => Path.Combine(folder, f)).FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"{folder}: no {stem}[.gz]");
        var images = Find($"{prefix}-images-idx3-ubyte");
        string? labels = null;
        try { labels = Find($"{prefix}-labels-idx1-ubyte"); } catch (FileNotFoundException) { }
        classNames ??= folder.Contains("fashion", StringComparison.OrdinalIgnoreCase) ? FashionMnistClasses : MnistClasses;
        return Load(images, labels, classNames, limit);
    }
}
