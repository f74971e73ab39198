using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace GanService.Training.Data.Emoji;

/// <summary>
/// Writes the emoji datasets in the layouts the loaders read (../shared/DATA.md), every image named by its emoji key
/// and split by <see cref="EmojiKey.IsTest"/>, so a held-out emoji is held out in every style and every layout:
/// - aligned: train|test/A/, train|test/B/ (same file names; pix2pix);
/// - unaligned: trainA/, trainB/ (each style's own training emoji), testA/, testB/ (the test emoji both styles draw, so
///   the output for testA/x.png can be compared with testB/x.png);
/// - domains: train/&lt;style&gt;/, test/&lt;style&gt;/ (test: the emoji every style draws);
/// - captions: train|test/&lt;key&gt;.png + captions.tsv (file, key, annotation, caption).
/// Each folder also gets dataset.json (what was built, counts, the split rule), ATTRIBUTION.md and one LICENSE-*.txt per source.
/// </summary>
public static class EmojiDatasets
{
    public const string SplitRule = "test = FNV-1a-32(emoji code points as lower-case hex joined by '-', without FE0F and without skin-tone modifiers) % 10 == 0";

    public sealed record Result(int Train, int Test);

    public static Result Aligned(IEmojiStyle a, IEmojiStyle b, string outDir, int size, int parallelism = 2, TextWriter? log = null)
    {
        var keys = a.Keys.Intersect(b.Keys).Order(StringComparer.Ordinal).ToArray();
        var (train, test) = Split(keys);
        var jobs = new List<(IEmojiStyle, string, string)>();
        foreach (var (phase, set) in new[] { ("train", train), ("test", test) })
            foreach (var k in set)
            {
                jobs.Add((a, k, Path.Combine(outDir, phase, "A", k + ".png")));
                jobs.Add((b, k, Path.Combine(outDir, phase, "B", k + ".png")));
            }
        Write(jobs, size, parallelism, log);
        Describe(outDir, "aligned", [a, b], size, train.Length, test.Length, $"A = {a.Name}, B = {b.Name}, pairs by file name");
        return new Result(train.Length, test.Length);
    }

    /// <summary>
    /// Super-resolution pairs with exact ground truth: each emoji rendered at <paramref name="size"/> (phase/HR) and the
    /// same image downsampled ×<paramref name="scale"/> with a known kernel (phase/LR: ImageSharp's bicubic, Keys a = −0.5,
    /// the kernel of the papers' MATLAB imresize), same file names. The split is the emoji split every layout uses. With
    /// <paramref name="degradeSeed"/>, LR is the degraded variant instead (<see cref="SrDegradation"/>: blur, downsample,
    /// noise, JPEG, seeded per file; the parameters in phase/LR/degradations.csv).
    /// </summary>
    public static Result SuperResolution(IEmojiStyle style, string outDir, int size, int scale, int parallelism = 2, TextWriter? log = null, int? degradeSeed = null)
    {
        if (scale is < 2 or > 8 || size % scale != 0) throw new ArgumentException($"--scale {scale} must be 2…8 and divide --size {size}");
        var (train, test) = Split(style.Keys);
        var jobs = new List<(IEmojiStyle, string, string)>();
        foreach (var (phase, set) in new[] { ("train", train), ("test", test) })
            jobs.AddRange(set.Select(k => (style, k, Path.Combine(outDir, phase, "HR", k + ".png"))));
        Write(jobs, size, parallelism, log);
        var degradations = new Dictionary<string, StringBuilder>();
        foreach (var (_, _, hrPath) in jobs)
        {
            var lrDir = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(hrPath))!, "LR");
            var lrPath = Path.Combine(lrDir, Path.GetFileName(hrPath));
            Directory.CreateDirectory(lrDir);
            using var hr = Image.Load<Rgb24>(hrPath);
            if (degradeSeed is { } seed)
            {
                var (p, rng) = SrDegradation.Draw(Path.GetFileName(hrPath), seed);
                using var degraded = SrDegradation.Apply(hr, scale, p, rng);
                degraded.SaveAsPng(lrPath);
                if (!degradations.TryGetValue(lrDir, out var csv)) degradations[lrDir] = csv = new StringBuilder("file,blur_sigma,noise_sigma,jpeg_quality\n");
                csv.Append(Path.GetFileName(lrPath)).Append(',').Append(p.ToCsv()).Append('\n');
                continue;
            }
            using var lr = Downsample(hr, scale);
            lr.SaveAsPng(lrPath);
        }
        foreach (var (dir, csv) in degradations) File.WriteAllText(Path.Combine(dir, SrDegradation.CsvFile), csv.ToString());
        Describe(outDir, "sr", [style], size, train.Length, test.Length,
            $"HR = {style.Name} at {size}², LR = HR downsampled ×{scale} (bicubic, Keys a = −0.5), same file names" +
            (degradeSeed is { } s ? $"; LR degraded (seed {s}): {SrDegradation.Description}" : ""));
        return new Result(train.Length, test.Length);
    }

    /// <summary>The LR image of a pair: ×<paramref name="scale"/> smaller with the bicubic kernel.</summary>
    public static Image<Rgb24> Downsample(Image<Rgb24> hr, int scale) =>
        hr.Clone(c => c.Resize(hr.Width / scale, hr.Height / scale, KnownResamplers.Bicubic));

    public static Result Unaligned(IEmojiStyle a, IEmojiStyle b, string outDir, int size, int parallelism = 2, TextWriter? log = null)
    {
        var trainA = a.Keys.Where(k => !EmojiKey.IsTest(k)).Order(StringComparer.Ordinal).ToArray();
        var trainB = b.Keys.Where(k => !EmojiKey.IsTest(k)).Order(StringComparer.Ordinal).ToArray();
        var test = a.Keys.Intersect(b.Keys).Where(EmojiKey.IsTest).Order(StringComparer.Ordinal).ToArray();
        var jobs = new List<(IEmojiStyle, string, string)>();
        jobs.AddRange(trainA.Select(k => (a, k, Path.Combine(outDir, "trainA", k + ".png"))));
        jobs.AddRange(trainB.Select(k => (b, k, Path.Combine(outDir, "trainB", k + ".png"))));
        jobs.AddRange(test.Select(k => (a, k, Path.Combine(outDir, "testA", k + ".png"))));
        jobs.AddRange(test.Select(k => (b, k, Path.Combine(outDir, "testB", k + ".png"))));
        Write(jobs, size, parallelism, log);
        Describe(outDir, "unaligned", [a, b], size, trainA.Length + trainB.Length, 2 * test.Length,
            $"A = {a.Name} ({trainA.Length} train), B = {b.Name} ({trainB.Length} train); testA/testB hold the same {test.Length} emoji in both styles");
        return new Result(trainA.Length + trainB.Length, 2 * test.Length);
    }

    public static Result Domains(IReadOnlyList<IEmojiStyle> styles, string outDir, int size, int parallelism = 2, TextWriter? log = null)
    {
        var common = styles.Skip(1).Aggregate((IEnumerable<string>)styles[0].Keys, (acc, s) => acc.Intersect(s.Keys))
            .Where(EmojiKey.IsTest).Order(StringComparer.Ordinal).ToArray();
        var jobs = new List<(IEmojiStyle, string, string)>();
        int train = 0;
        foreach (var s in styles)
        {
            var own = s.Keys.Where(k => !EmojiKey.IsTest(k)).Order(StringComparer.Ordinal).ToArray();
            train += own.Length;
            jobs.AddRange(own.Select(k => (s, k, Path.Combine(outDir, "train", s.Name, k + ".png"))));
            jobs.AddRange(common.Select(k => (s, k, Path.Combine(outDir, "test", s.Name, k + ".png"))));
        }
        Write(jobs, size, parallelism, log);
        Describe(outDir, "domains", styles, size, train, common.Length * styles.Count,
            $"one folder per style; test/ holds the same {common.Length} emoji in every style");
        return new Result(train, common.Length * styles.Count);
    }

    public static Result Captions(IEmojiStyle colour, IReadOnlyList<OpenMojiEntry> catalogue, string outDir, int size, int parallelism = 2, TextWriter? log = null)
    {
        var entries = catalogue.GroupBy(e => e.Key).Select(g => g.First()).Where(e => colour.Keys.Contains(e.Key))
            .OrderBy(e => e.Key, StringComparer.Ordinal).ToArray();
        var jobs = new List<(IEmojiStyle, string, string)>();
        int train = 0, test = 0;
        foreach (var (phase, set) in new[] { ("train", entries.Where(e => !EmojiKey.IsTest(e.Key)).ToArray()), ("test", entries.Where(e => EmojiKey.IsTest(e.Key)).ToArray()) })
        {
            Directory.CreateDirectory(Path.Combine(outDir, phase));
            var tsv = new StringBuilder("file\tkey\tannotation\tcaption\n");
            foreach (var e in set)
            {
                jobs.Add((colour, e.Key, Path.Combine(outDir, phase, e.Key + ".png")));
                tsv.Append(e.Key).Append(".png\t").Append(e.Key).Append('\t').Append(Clean(e.Annotation)).Append('\t').Append(Clean(e.Caption)).Append('\n');
            }
            File.WriteAllText(Path.Combine(outDir, phase, EmojiCaptionSet.FileName), tsv.ToString());
            if (phase == "train") train = set.Length; else test = set.Length;
        }
        Write(jobs, size, parallelism, log);
        Describe(outDir, "captions", [colour], size, train, test, "images + captions.tsv (caption = annotation, tags, group and subgroup words)");
        return new Result(train, test);
    }

    /// <summary>
    /// One folder per OpenMoji group (smileys-emotion, people-body, animals-nature, food-drink, …) under train/ and
    /// test/, split by emoji as everywhere: the classes of a content classifier, whose features say what an emoji shows
    /// rather than how it is drawn (the style classifier's). Emoji without a group in the catalogue are left out, and so
    /// is the "component" group (skin-tone swatches and hair pieces: modifiers, 9 in all, none of them held out).
    /// </summary>
    public static Result Groups(IEmojiStyle colour, IReadOnlyList<OpenMojiEntry> catalogue, string outDir, int size, int parallelism = 2, TextWriter? log = null)
    {
        var entries = catalogue.GroupBy(e => e.Key).Select(g => g.First())
            .Where(e => colour.Keys.Contains(e.Key) && !string.IsNullOrWhiteSpace(e.Group) && GroupFolder(e.Group) != "component")
            .OrderBy(e => e.Key, StringComparer.Ordinal).ToArray();
        var jobs = entries.Select(e => (colour, e.Key,
            Path.Combine(outDir, EmojiKey.IsTest(e.Key) ? "test" : "train", GroupFolder(e.Group), e.Key + ".png"))).ToList();
        Write(jobs, size, parallelism, log);
        int test = entries.Count(e => EmojiKey.IsTest(e.Key));
        Describe(outDir, "groups", [colour], size, entries.Length - test, test,
            $"one folder per OpenMoji group ({string.Join(", ", entries.Select(e => GroupFolder(e.Group)).Distinct().Order(StringComparer.Ordinal))})");
        return new Result(entries.Length - test, test);
    }

    /// <summary>A group name as a folder name: lower case, letters, digits and '-'.</summary>
    public static string GroupFolder(string group) =>
        new string(group.Trim().ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');

    private static string Clean(string s) => s.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');

    /// <summary>Train and test keys by <see cref="EmojiKey.IsTest"/>, each in ordinal order.</summary>
    public static (string[] Train, string[] Test) Split(IEnumerable<string> keys)
    {
        var all = keys.Order(StringComparer.Ordinal).ToArray();
        return (all.Where(k => !EmojiKey.IsTest(k)).ToArray(), all.Where(EmojiKey.IsTest).ToArray());
    }

    private static void Write(List<(IEmojiStyle Style, string Key, string Path)> jobs, int size, int parallelism, TextWriter? log)
    {
        foreach (var dir in jobs.Select(j => Path.GetDirectoryName(j.Path)!).Distinct()) Directory.CreateDirectory(dir);
        int done = 0;
        var errors = new ConcurrentQueue<Exception>();
        Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, (j, state) =>
        {
            try
            {
                using var img = j.Style.Render(j.Key, size);
                img.SaveAsPng(j.Path);
                int n = Interlocked.Increment(ref done);
                if (n % 1000 == 0) log?.WriteLine($"  {n}/{jobs.Count} images");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                errors.Enqueue(e);
                state.Stop();
            }
        });
        if (errors.TryDequeue(out var first)) throw first;
    }

    private static void Describe(string outDir, string layout, IReadOnlyList<IEmojiStyle> styles, int size, int train, int test, string content)
    {
        Directory.CreateDirectory(outDir);
        var distinct = styles.DistinctBy(s => s.Name).ToArray();
        foreach (var s in distinct) s.WriteLicence(outDir);
        var md = new StringBuilder("# Attribution\n\nImages rendered on white by `gan datasets emoji` from:\n\n");
        foreach (var s in distinct) md.Append($"- {s.Name}: {s.Attribution} (source {s.SourceId}; licence text in LICENSE-{s.Name}.txt)\n");
        md.Append("\nModels trained on these images, and their outputs, are derived works: keep this attribution with them.\n");
        File.WriteAllText(Path.Combine(outDir, "ATTRIBUTION.md"), md.ToString());
        var json = new
        {
            layout,
            size,
            styles = distinct.Select(s => new { name = s.Name, source = s.SourceId, attribution = s.Attribution }),
            content,
            split = SplitRule,
            train,
            test,
        };
        File.WriteAllText(Path.Combine(outDir, "dataset.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
    }
}

/// <summary>A built captions folder (train/ or test/): image files and their captions.</summary>
public sealed record EmojiCaption(string File, string Key, string Annotation, string Caption);

public static class EmojiCaptionSet
{
    public const string FileName = "captions.tsv";

    /// <summary>Reads DIR/phase/captions.tsv; File is the full image path.</summary>
    public static IReadOnlyList<EmojiCaption> Read(string root, string phase = "train")
    {
        string dir = ImageFolders.Phase(root, phase), tsv = Path.Combine(dir, FileName);
        if (!System.IO.File.Exists(tsv)) throw new DatasetLayoutException($"'{tsv}' does not exist; expected a folder built by `gan datasets emoji-captions`");
        var lines = System.IO.File.ReadAllLines(tsv);
        if (lines.Length == 0 || lines[0] != "file\tkey\tannotation\tcaption") throw new DatasetLayoutException($"'{tsv}' lacks the header 'file\\tkey\\tannotation\\tcaption'");
        return lines.Skip(1).Where(l => l.Length > 0).Select(l =>
        {
            var p = l.Split('\t');
            if (p.Length != 4) throw new DatasetLayoutException($"'{tsv}': line '{l}' does not have 4 tab-separated fields");
            return new EmojiCaption(Path.Combine(dir, p[0]), p[1], p[2], p[3]);
        }).ToArray();
    }
}
