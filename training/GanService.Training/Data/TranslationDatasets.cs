using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace GanService.Training.Data;

public enum Direction { AtoB, BtoA }

/// <summary>One decoded training example. A is the input domain, B the target (pix2pix) or the other domain (CycleGAN);
/// Label the domain / attribute vector (StarGAN), (K) floats 0/1.</summary>
public sealed record DataSample(float[] A, float[]? B, float[]? Label, string Path);

/// <summary>An indexable image dataset. <see cref="Load"/> must be thread-safe and deterministic in (index, epoch).</summary>
public interface IImageDataset
{
    int Count { get; }
    ImageTransform Transform { get; }
    DataSample Load(int index, int epoch);
}

/// <summary>
/// pix2pix pairs. Either one image per pair with A and B side by side (A|B, junyanz AlignedDataset), or two folders
/// A/ and B/ holding files with the same names. Looks in DIR/phase if it exists, else DIR. The same crop and flip are
/// applied to both halves.
/// </summary>
public sealed class AlignedDataset : IImageDataset
{
    private readonly string[] _a;
    private readonly string[]? _b;
    private readonly Direction _direction;
    private readonly int _seed;

    public ImageTransform Transform { get; }
    public int Count => _a.Length;
    public bool SeparateFolders => _b is not null;

    public AlignedDataset(string root, ImageTransform transform, Direction direction = Direction.AtoB, int seed = 0, string phase = "train")
    {
        (Transform, _direction, _seed) = (transform, direction, seed);
        string dir = ImageFolders.Phase(root, phase);
        string aDir = Path.Combine(dir, "A"), bDir = Path.Combine(dir, "B");
        if (Directory.Exists(aDir) || Directory.Exists(bDir))
        {
            const string expected = "A/ and B/ folders holding images with matching file names";
            var a = ImageFolders.List(aDir, expected);
            var bByName = ImageFolders.List(bDir, expected).ToDictionary(f => Path.GetFileName(f), StringComparer.Ordinal);
            var missing = a.Where(f => !bByName.ContainsKey(Path.GetFileName(f))).Take(3).ToArray();
            if (missing.Length > 0)
                throw new DatasetLayoutException($"'{aDir}' has images without a same-named partner in '{bDir}', e.g. {string.Join(", ", missing.Select(Path.GetFileName))}; expected {expected}");
            _a = a;
            _b = a.Select(f => bByName[Path.GetFileName(f)]).ToArray();
        }
        else _a = ImageFolders.List(dir, $"aligned pairs: images with A and B side by side (A|B) in '{dir}', or A/ and B/ sub-folders");
    }

    public DataSample Load(int index, int epoch)
    {
        var rng = ImageFolders.SampleRandom(_seed, epoch, index);
        var geometry = Transform.Draw(rng);
        float[] a, b;
        if (_b is null)
        {
            using var ab = ImageFolders.Decode(_a[index]);
            if (ab.Width < 2) throw new InvalidDataException($"{_a[index]} is too narrow to hold A|B");
            int w2 = ab.Width / 2;
            using var left = ab.Clone(c => c.Crop(new Rectangle(0, 0, w2, ab.Height)));
            using var right = ab.Clone(c => c.Crop(new Rectangle(w2, 0, w2, ab.Height)));
            (a, b) = (Transform.Apply(left, geometry), Transform.Apply(right, geometry));
        }
        else
        {
            using var ia = ImageFolders.Decode(_a[index]);
            using var ib = ImageFolders.Decode(_b[index]);
            (a, b) = (Transform.Apply(ia, geometry), Transform.Apply(ib, geometry));
        }
        return _direction == Direction.AtoB ? new DataSample(a, b, null, _a[index]) : new DataSample(b, a, null, _a[index]);
    }
}

/// <summary>
/// CycleGAN unpaired domains (junyanz UnalignedDataset): DIR/{phase}A and DIR/{phase}B. Length = max(|A|, |B|); A is
/// index mod |A|, B a random (seeded) image, so the pairing changes every epoch. Each image gets its own crop/flip.
/// </summary>
public sealed class UnalignedDataset : IImageDataset
{
    private readonly string[] _a, _b;
    private readonly int _seed;

    public ImageTransform Transform { get; }
    public int Count => Math.Max(_a.Length, _b.Length);
    public int CountA => _a.Length;
    public int CountB => _b.Length;

    public UnalignedDataset(string root, ImageTransform transform, Direction direction = Direction.AtoB, int seed = 0, string phase = "train")
    {
        (Transform, _seed) = (transform, seed);
        if (!Directory.Exists(root)) throw new DatasetLayoutException($"data folder '{root}' does not exist; expected {phase}A/ and {phase}B/ inside it");
        string expected = $"unaligned domains: '{root}' with {phase}A/ and {phase}B/ folders of images";
        var a = ImageFolders.List(Path.Combine(root, phase + "A"), expected);
        var b = ImageFolders.List(Path.Combine(root, phase + "B"), expected);
        (_a, _b) = direction == Direction.AtoB ? (a, b) : (b, a);
    }

    public DataSample Load(int index, int epoch)
    {
        var rng = ImageFolders.SampleRandom(_seed, epoch, index);
        string pa = _a[index % _a.Length], pb = _b[rng.Next(_b.Length)];
        using var ia = ImageFolders.Decode(pa);
        using var ib = ImageFolders.Decode(pb);
        return new DataSample(Transform.Apply(ia, Transform.Draw(rng)), Transform.Apply(ib, Transform.Draw(rng)), null, pa);
    }
}

/// <summary>
/// StarGAN labelled images. Either one sub-folder per domain (RaFD style: label = one-hot over the sorted folder names),
/// or an attribute list (CelebA list_attr_celeba.txt: line 1 the count, line 2 the attribute names, then
/// "file v1 v2 …" with 1 / −1) plus the image folder, keeping the selected attributes (multi-hot).
/// </summary>
public sealed class LabelledDataset : IImageDataset
{
    private readonly string[] _files;
    private readonly float[][] _labels;
    private readonly int _seed;

    public ImageTransform Transform { get; }
    public IReadOnlyList<string> Domains { get; }
    /// <summary>True for attribute lists (several labels can be on at once → BCE); false for folders (one → CE).</summary>
    public bool MultiLabel { get; }
    public int Count => _files.Length;

    private LabelledDataset(string[] files, float[][] labels, string[] domains, bool multiLabel, ImageTransform transform, int seed)
        => (_files, _labels, Domains, MultiLabel, Transform, _seed) = (files, labels, domains, multiLabel, transform, seed);

    public static LabelledDataset FromFolders(string root, ImageTransform transform, int seed = 0, string phase = "train")
    {
        string dir = ImageFolders.Phase(root, phase);
        const string expected = "one sub-folder of images per domain (at least two)";
        var domains = Directory.GetDirectories(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        if (domains.Length < 2) throw new DatasetLayoutException($"'{dir}' has {domains.Length} sub-folder(s); expected {expected}");
        var files = new List<string>();
        var labels = new List<float[]>();
        for (int d = 0; d < domains.Length; d++)
            foreach (var f in ImageFolders.List(Path.Combine(dir, domains[d]!), expected))
            {
                files.Add(f);
                var l = new float[domains.Length];
                l[d] = 1;
                labels.Add(l);
            }
        return new LabelledDataset([.. files], [.. labels], domains!, false, transform, seed);
    }

    public static LabelledDataset FromAttributeFile(string imageDir, string attrFile, IReadOnlyList<string> selected, ImageTransform transform, int seed = 0)
    {
        if (!File.Exists(attrFile)) throw new DatasetLayoutException($"attribute file '{attrFile}' does not exist");
        if (!Directory.Exists(imageDir)) throw new DatasetLayoutException($"image folder '{imageDir}' does not exist");
        var lines = File.ReadAllLines(attrFile).Where(l => l.Trim().Length > 0).ToArray();
        const string expected = "CelebA list_attr format: a count line, a line of attribute names, then 'file.jpg 1 -1 …' rows";
        if (lines.Length < 3) throw new DatasetLayoutException($"'{attrFile}' is too short; expected {expected}");
        var names = lines[1].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (selected.Count == 0) selected = names;
        var columns = selected.Select(s => Array.IndexOf(names, s)).ToArray();
        var unknown = selected.Where((s, i) => columns[i] < 0).ToArray();
        if (unknown.Length > 0) throw new DatasetLayoutException($"'{attrFile}' has no attribute(s) {string.Join(", ", unknown)}; it has {string.Join(", ", names)}");
        var files = new List<string>();
        var labels = new List<float[]>();
        for (int i = 2; i < lines.Length; i++)
        {
            var p = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (p.Length != names.Length + 1) throw new DatasetLayoutException($"'{attrFile}' line {i + 1} has {p.Length - 1} values, expected {names.Length}; {expected}");
            files.Add(Path.Combine(imageDir, p[0]));
            labels.Add(columns.Select(c => int.Parse(p[c + 1], CultureInfo.InvariantCulture) == 1 ? 1f : 0f).ToArray());
        }
        return new LabelledDataset([.. files], [.. labels], [.. selected], true, transform, seed);
    }

    public DataSample Load(int index, int epoch)
    {
        var rng = ImageFolders.SampleRandom(_seed, epoch, index);
        using var img = ImageFolders.Decode(_files[index]);
        return new DataSample(Transform.Apply(img, Transform.Draw(rng)), null, _labels[index], _files[index]);
    }
}
