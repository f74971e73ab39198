using GanService.Contracts;
using GanService.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.Data;

/// <summary>Loaders on generated image folders: alignment under crop/flip, reproducibility, skipping corrupt files, layout errors.</summary>
public sealed class TranslationDataTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gan-data-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { if (Directory.Exists(_root)) Directory.Delete(_root, true); }

    private static Image<Rgb24> Noise(int w, int h, int seed)
    {
        var rng = new Random(seed);
        var img = new Image<Rgb24>(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) img[x, y] = new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
        return img;
    }

    private static void Save(Image<Rgb24> img, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, ImageCodec.Encode(img));
    }

    /// <summary>A|B images whose halves are the same random image, so any misaligned crop/flip shows as A ≠ B.</summary>
    private string AlignedPairs(int count, int size = 24)
    {
        var dir = Path.Combine(_root, "aligned", "train");
        for (int i = 0; i < count; i++)
        {
            using var half = Noise(size, size, i);
            using var ab = new Image<Rgb24>(2 * size, size);
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++) ab[x, y] = ab[x + size, y] = half[x, y];
            Save(ab, Path.Combine(dir, $"{i:D3}.png"));
        }
        return Path.Combine(_root, "aligned");
    }

    [Fact]
    public void Aligned_pairs_stay_aligned_under_random_crop_and_flip()
    {
        var ds = new AlignedDataset(AlignedPairs(6), new ImageTransform(24, 16, Flip: true));
        int flipped = 0;
        for (int epoch = 0; epoch < 4; epoch++)
            for (int i = 0; i < ds.Count; i++)
            {
                var s = ds.Load(i, epoch);
                Assert.Equal(3 * 16 * 16, s.A.Length);
                Assert.Equal(s.A, s.B!);
                Assert.All(s.A, v => Assert.InRange(v, -1f, 1f));
                var g = ds.Transform.Draw(ImageFolders.SampleRandom(0, epoch, i));
                if (g.Mirror) flipped++;
            }
        Assert.InRange(flipped, 3, 21); // the flip really happens (about half of 24)
    }

    [Fact]
    public void Crop_and_flip_geometry_is_applied_as_drawn()
    {
        using var img = Noise(8, 8, 1);
        var t = new ImageTransform(8, 4, Flip: true);
        var a = t.Apply(img, new ImageTransform.Geometry(2, 3, false));
        var b = t.Apply(img, new ImageTransform.Geometry(2, 3, true));
        // pixel (x=0, y=0) of the crop is source (2, 3); after the mirror it is at x = 3.
        var p = img[2, 3];
        Assert.Equal(p.R / 127.5f - 1f, a[0], 5);
        Assert.Equal(p.R / 127.5f - 1f, b[3], 5);
    }

    [Fact]
    public void Separate_A_and_B_folders_pair_by_file_name_and_direction_swaps()
    {
        for (int i = 0; i < 3; i++)
        {
            using var a = Noise(16, 16, i);
            using var b = Noise(16, 16, 100 + i);
            Save(a, Path.Combine(_root, "sep", "A", $"{i}.png"));
            Save(b, Path.Combine(_root, "sep", "B", $"{i}.png"));
        }
        var t = new ImageTransform(16, 16, Flip: false);
        var ab = new AlignedDataset(Path.Combine(_root, "sep"), t);
        var ba = new AlignedDataset(Path.Combine(_root, "sep"), t, Direction.BtoA);
        Assert.True(ab.SeparateFolders);
        var s1 = ab.Load(1, 0);
        var s2 = ba.Load(1, 0);
        Assert.Equal(s1.A, s2.B!);
        Assert.Equal(s1.B!, s2.A);
        Assert.NotEqual(s1.A, s1.B!);
    }

    [Fact]
    public void Inline_loading_yields_exactly_the_prefetched_batches()
    {
        var ds = new AlignedDataset(AlignedPairs(10), new ImageTransform(24, 16));
        var inline = new DataLoader(ds, 3, 5, workers: 0).Epoch(1).ToList();
        var prefetched = new DataLoader(ds, 3, 5, workers: 3).Epoch(1).ToList();
        Assert.Equal(prefetched.Select(b => b.Samples.Count), inline.Select(b => b.Samples.Count));
        var a = inline.SelectMany(b => b.Samples).ToArray();
        var p = prefetched.SelectMany(b => b.Samples).ToArray();
        for (int i = 0; i < a.Length; i++) { Assert.Equal(p[i].A, a[i].A); Assert.Equal(p[i].B, a[i].B); }
    }

    [Fact]
    public void Loader_is_reproducible_for_a_seed_and_changes_with_the_epoch()
    {
        var ds = new AlignedDataset(AlignedPairs(10), new ImageTransform(24, 16));
        float[][] Run(int seed, int epoch) => new DataLoader(ds, 3, seed, workers: 3, prefetch: 2).Epoch(epoch).SelectMany(b => b.Samples).Select(s => s.A).ToArray();
        var a = Run(7, 0);
        var b = Run(7, 0);
        Assert.Equal(10, a.Length);
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i]);
        var c = Run(7, 1);
        Assert.Contains(Enumerable.Range(0, 10), i => !a[i].SequenceEqual(c[i]));
        var loader = new DataLoader(ds, 4, 7);
        Assert.Equal(3, loader.BatchesPerEpoch);
        var batch = loader.Epoch(0).First();
        Assert.Equal(new long[] { 4, 3, 16, 16 }, batch.A().shape);
    }

    [Fact]
    public void Corrupt_and_unreadable_files_are_skipped_and_counted()
    {
        var root = AlignedPairs(5);
        File.WriteAllBytes(Path.Combine(root, "train", "bad1.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        File.WriteAllText(Path.Combine(root, "train", "bad2.jpg"), "not a jpeg at all");
        var log = new StringWriter();
        var loader = new DataLoader(new AlignedDataset(root, new ImageTransform(24, 24)), 2, 0, log: log);
        var samples = loader.Epoch(0).SelectMany(b => b.Samples).ToArray();
        Assert.Equal(5, samples.Length);
        Assert.Equal(2, loader.Skipped);
        Assert.Contains("skipped", log.ToString());
    }

    [Fact]
    public void Empty_or_wrongly_laid_out_folders_say_what_was_expected()
    {
        Directory.CreateDirectory(Path.Combine(_root, "empty"));
        var e1 = Assert.Throws<DatasetLayoutException>(() => new AlignedDataset(Path.Combine(_root, "empty"), new ImageTransform(8, 8)));
        Assert.Contains("A|B", e1.Message);
        using (var img = Noise(8, 8, 0)) Save(img, Path.Combine(_root, "unal", "trainA", "x.png"));
        var e2 = Assert.Throws<DatasetLayoutException>(() => new UnalignedDataset(Path.Combine(_root, "unal"), new ImageTransform(8, 8)));
        Assert.Contains("trainB", e2.Message);
        var e3 = Assert.Throws<DatasetLayoutException>(() => LabelledDataset.FromFolders(Path.Combine(_root, "empty"), new ImageTransform(8, 8)));
        Assert.Contains("sub-folder", e3.Message);
        Assert.Throws<DatasetLayoutException>(() => new AlignedDataset(Path.Combine(_root, "missing"), new ImageTransform(8, 8)));
    }

    [Fact]
    public void Unaligned_dataset_spans_the_larger_domain_and_swaps_with_direction()
    {
        for (int i = 0; i < 5; i++) using (var a = Noise(8, 8, i)) Save(a, Path.Combine(_root, "u", "trainA", $"{i}.png"));
        for (int i = 0; i < 2; i++) using (var b = Noise(8, 8, 50 + i)) Save(b, Path.Combine(_root, "u", "trainB", $"{i}.png"));
        var ds = new UnalignedDataset(Path.Combine(_root, "u"), new ImageTransform(8, 8, Flip: false));
        Assert.Equal(5, ds.Count);
        var rev = new UnalignedDataset(Path.Combine(_root, "u"), new ImageTransform(8, 8, Flip: false), Direction.BtoA);
        Assert.Equal((2, 5), (rev.CountA, rev.CountB));
        Assert.Equal(ds.Load(1, 0).A, new AlignedLike(Path.Combine(_root, "u", "trainA", "1.png")).Pixels);
    }

    private sealed class AlignedLike(string path)
    {
        public float[] Pixels { get { using var i = ImageFolders.Decode(path); return new ImageTransform(8, 8, false).Apply(i, default); } }
    }

    [Fact]
    public void Labelled_folders_give_one_hot_domains_and_attribute_files_multi_hot()
    {
        foreach (var (d, k) in new[] { ("red", 0), ("blue", 1), ("green", 2) })
            for (int i = 0; i < 2; i++) using (var img = Noise(8, 8, k * 10 + i)) Save(img, Path.Combine(_root, "dom", d, $"{i}.png"));
        var ds = LabelledDataset.FromFolders(Path.Combine(_root, "dom"), new ImageTransform(8, 8));
        Assert.Equal(["blue", "green", "red"], ds.Domains);
        Assert.False(ds.MultiLabel);
        Assert.Equal(6, ds.Count);
        Assert.Equal([1f, 0f, 0f], ds.Load(0, 0).Label!);
        Assert.Equal([0f, 0f, 1f], ds.Load(5, 0).Label!);

        var imgDir = Path.Combine(_root, "celeba");
        for (int i = 0; i < 2; i++) using (var img = Noise(8, 8, i)) Save(img, Path.Combine(imgDir, $"{i:D6}.png"));
        var attr = Path.Combine(_root, "list_attr.txt");
        File.WriteAllText(attr, "2\nBlack_Hair Blond_Hair Male Young\n000000.png  1 -1 -1  1\n000001.png -1  1  1 -1\n");
        var celeb = LabelledDataset.FromAttributeFile(imgDir, attr, ["Blond_Hair", "Male", "Young"], new ImageTransform(8, 8));
        Assert.True(celeb.MultiLabel);
        Assert.Equal([0f, 0f, 1f], celeb.Load(0, 0).Label!);
        Assert.Equal([1f, 1f, 0f], celeb.Load(1, 0).Label!);
        var e = Assert.Throws<DatasetLayoutException>(() => LabelledDataset.FromAttributeFile(imgDir, attr, ["Bald"], new ImageTransform(8, 8)));
        Assert.Contains("Bald", e.Message);
    }

    [Fact]
    public void Shapes_dataset_is_deterministic()
    {
        int n1 = SyntheticShapes.Write(Path.Combine(_root, "s1"), "aligned", 4, 32, 3, 1);
        SyntheticShapes.Write(Path.Combine(_root, "s2"), "aligned", 4, 32, 3, 1);
        Assert.Equal(5, n1);
        foreach (var f in Directory.GetFiles(Path.Combine(_root, "s1", "train")))
            Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(Path.Combine(_root, "s2", "train", Path.GetFileName(f))));
        SyntheticShapes.Write(Path.Combine(_root, "s3"), "aligned", 4, 32, 4, 1);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(_root, "s1", "train", "00000.png")), File.ReadAllBytes(Path.Combine(_root, "s3", "train", "00000.png")));
    }
}
