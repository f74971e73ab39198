using GanService.Contracts;
using GanService.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Training.Families.StackGan;

/// <summary>
/// Images with their captions, in memory: pixels (N, 3, S, S) uint8 and, per image, one or more captions (a step draws
/// one of them, as StackGAN draws one of a bird's ten sentences). On disk: a folder with <c>captions.tsv</c>, one line
/// per image, <c>file&lt;TAB&gt;caption[&lt;TAB&gt;caption…]</c>, the file relative to the folder; lines starting with
/// '#' are comments.
/// </summary>
public sealed class CaptionedImages : IDisposable
{
    public const string CaptionsFile = "captions.tsv";

    public Tensor Pixels { get; }                     // (N, 3, S, S) uint8
    public IReadOnlyList<string[]> Captions { get; }  // per image, ≥ 1 caption
    public IReadOnlyList<string> Names { get; }       // file names (figures, reports)

    public CaptionedImages(Tensor pixels, IReadOnlyList<string[]> captions, IReadOnlyList<string>? names = null)
    {
        if (pixels.dtype != ScalarType.Byte || pixels.dim() != 4 || pixels.shape[1] != 3) throw new ArgumentException("pixels must be (N, 3, S, S) uint8");
        if (captions.Count != pixels.shape[0] || captions.Any(c => c.Length == 0)) throw new ArgumentException("one or more captions per image");
        (Pixels, Captions, Names) = (pixels, captions, names ?? Enumerable.Range(0, captions.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
    }

    public long Count => Pixels.shape[0];
    public int Size => (int)Pixels.shape[2];

    /// <summary>(B, 3, S, S) in [-1, 1].</summary>
    public Tensor Batch(Tensor indices) => Pixels.index_select(0, indices).to_type(ScalarType.Float32) / 127.5f - 1f;

    /// <summary>Reads DIR/captions.tsv (or DIR/<paramref name="phase"/>/captions.tsv) and its images, centre-cropped and
    /// resized to <paramref name="size"/>.</summary>
    public static CaptionedImages Load(string dir, int size, int limit = 0, string phase = "train")
    {
        if (!File.Exists(Path.Combine(dir, CaptionsFile))) dir = ImageFolders.Phase(dir, phase);
        var index = Path.Combine(dir, CaptionsFile);
        if (!File.Exists(index)) throw new DatasetLayoutException($"'{dir}' has no {CaptionsFile} (lines: file<TAB>caption[<TAB>caption…])");
        var rows = File.ReadLines(index).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList();
        bool[] captionColumn = [];
        if (rows.Count > 0 && rows[0][0] == "file")
        {
            captionColumn = rows[0].Select((name, k) => k > 0 && name != "key").ToArray();
            rows.RemoveAt(0);
        }
        rows = rows.Select(r => r.Where((_, k) => k == 0 || k >= captionColumn.Length || captionColumn[k]).ToArray()).ToList();
        if (rows.Any(r => r.Length < 2)) throw new InvalidDataException($"{index}: every line needs a file and at least one caption");
        if (limit > 0) rows = rows.Take(limit).ToList();
        if (rows.Count == 0) throw new InvalidDataException($"{index}: no images listed");
        var spec = new ImageSpec(3, size, size);
        int plane = 3 * size * size;
        var pixels = new byte[rows.Count * plane];
        var limits = new ImageLimits();
        Parallel.For(0, rows.Count, i =>
        {
            var path = Path.GetFullPath(Path.Combine(dir, rows[i][0]));
            using var img = ImageCodec.Decode(File.ReadAllBytes(path), limits);
            using var resized = ImageCodec.Resize(img, size, size, ResizePolicy.Crop);
            var chw = ImageCodec.ToTensor(resized, spec);
            for (int j = 0; j < plane; j++) pixels[(long)i * plane + j] = (byte)Math.Clamp(Math.Round((chw[j] + 1) * 127.5), 0, 255);
        });
        return new CaptionedImages(torch.tensor(pixels, [rows.Count, 3, size, size], ScalarType.Byte),
            rows.Select(r => r.Skip(1).Where(c => c.Trim().Length > 0).ToArray()).ToList(), rows.Select(r => r[0]).ToList());
    }

    /// <summary>Writes images and captions.tsv (the synthetic set, or any in-memory set) into <paramref name="dir"/>.</summary>
    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        var lines = new List<string>();
        var spec = new ImageSpec(3, Size, Size);
        for (int i = 0; i < Count; i++)
        {
            using var scope = torch.NewDisposeScope();
            var name = $"{i:D5}.png";
            var chw = (Pixels[i].to_type(ScalarType.Float32) / 127.5f - 1f).data<float>().ToArray();
            using var img = ImageCodec.FromTensor(chw, spec);
            File.WriteAllBytes(Path.Combine(dir, name), ImageCodec.Encode(img));
            lines.Add(name + "\t" + string.Join('\t', Captions[i]));
        }
        lines.Insert(0, "file\t" + string.Join('\t', Captions[0].Select((_, k) => k == 0 ? "caption" : $"caption{k + 1}")));
        File.WriteAllLines(Path.Combine(dir, CaptionsFile), lines);
    }

    /// <summary>Token ids (B, L) and lengths (B,) for one caption per image; <paramref name="pick"/> chooses among an
    /// image's captions. Words the vocabulary lacks are dropped and a caption keeps its first L known words; a caption
    /// with none left becomes the first caption of the image that has one (the vocabulary is built from these captions).</summary>
    public (Tensor Ids, Tensor Lengths) Tokens(IReadOnlyList<long> indices, TextTokenizer tokenizer, Func<int, int> pick)
    {
        int l = tokenizer.Spec.MaxTokens;
        var ids = new long[indices.Count * l];
        var lengths = new long[indices.Count];
        for (int b = 0; b < indices.Count; b++)
        {
            var options = Captions[(int)indices[b]];
            var read = tokenizer.Read(options[pick(options.Length)]);
            if (read.Ids.Length == 0) read = options.Select(tokenizer.Read).FirstOrDefault(r => r.Ids.Length > 0) ?? read;
            int n = Math.Min(l, read.Ids.Length);
            Array.Copy(read.Ids, 0, ids, b * l, n);
            lengths[b] = n;
        }
        return (torch.tensor(ids, [indices.Count, l], ScalarType.Int64), torch.tensor(lengths, ScalarType.Int64));
    }

    /// <summary>Token tensors for given texts (sample grids, figures, metrics).</summary>
    public static (Tensor Ids, Tensor Lengths) Tokens(IReadOnlyList<string> texts, TextTokenizer tokenizer)
    {
        int l = tokenizer.Spec.MaxTokens;
        var ids = new long[texts.Count * l];
        var lengths = new long[texts.Count];
        for (int b = 0; b < texts.Count; b++)
        {
            var read = tokenizer.Read(texts[b]);
            int n = Math.Min(l, read.Ids.Length);
            Array.Copy(read.Ids, 0, ids, b * l, n);
            lengths[b] = n;
        }
        return (torch.tensor(ids, [texts.Count, l], ScalarType.Int64), torch.tensor(lengths, ScalarType.Int64));
    }

    public void Dispose() => Pixels.Dispose();

    /// <summary>The colours and shapes of <see cref="Shapes"/>.</summary>
    public static readonly (string Name, Rgb24 Color)[] ShapeColors = [("red", SyntheticShapes.Red), ("green", SyntheticShapes.Green), ("blue", SyntheticShapes.Blue)];
    public static readonly (string Name, ShapeKind Kind)[] ShapeKinds = [("circle", ShapeKind.Circle), ("square", ShapeKind.Square), ("triangle", ShapeKind.Triangle)];

    /// <summary>
    /// A deterministic synthetic captioned set: image i is a filled shape of kind i mod 3 in colour (i / 3) mod 3 on
    /// white, at a random size/position/rotation from (seed, i), captioned "red circle", "a blue square", … — enough
    /// structure for a learning test to check that the text moves colour and shape.
    /// </summary>
    public static CaptionedImages Shapes(int count, int size, int seed)
    {
        int plane = 3 * size * size;
        var pixels = new byte[count * plane];
        var captions = new List<string[]>();
        for (int i = 0; i < count; i++)
        {
            var (kindName, kind) = ShapeKinds[i % 3];
            var (colorName, color) = ShapeColors[i / 3 % 3];
            var shape = SyntheticShapes.Draw(seed, i, size) with { Kind = kind };
            using var img = SyntheticShapes.Render(shape, size, color);
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    var p = img[x, y];
                    pixels[i * plane + y * size + x] = p.R;
                    pixels[i * plane + size * size + y * size + x] = p.G;
                    pixels[i * plane + 2 * size * size + y * size + x] = p.B;
                }
            captions.Add([$"{colorName} {kindName}", $"a {colorName} {kindName}"]);
        }
        return new CaptionedImages(torch.tensor(pixels, [count, 3, size, size], ScalarType.Byte), captions);
    }
}
