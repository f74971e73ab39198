using GanService.Contracts;

namespace GanService.Training.Data;

/// <summary>
/// A single folder of images (PNG/JPEG/WebP, any size; sub-folders included), decoded with the hardened ImageCodec,
/// centre-cropped to square and resized to (size, size), held in memory as one (N, C, S, S) tensor in [-1, 1].
/// Files are read in ordinal name order, so the dataset (and a seeded run) is reproducible.
/// </summary>
public sealed class StyleGanImageFolder : IDisposable
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".webp"];

    public Tensor Images { get; }
    public int Count => (int)Images.shape[0];
    public ImageSpec Spec { get; }

    private StyleGanImageFolder(Tensor images, ImageSpec spec) => (Images, Spec) = (images, spec);

    public static IReadOnlyList<string> ListFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => f, StringComparer.Ordinal).ToArray();

    public static StyleGanImageFolder Load(string directory, int size, int channels = 3, int? limit = null)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"image folder '{directory}' does not exist");
        var files = ListFiles(directory);
        if (limit is not null) files = files.Take(limit.Value).ToArray();
        if (files.Count == 0) throw new InvalidDataException($"no images (png, jpg, webp) in '{directory}'");
        var spec = new ImageSpec(channels, size, size);
        int plane = channels * size * size;
        var data = new float[files.Count * plane];
        var limits = new ImageLimits();
        Parallel.For(0, files.Count, i =>
        {
            using var img = ImageCodec.Decode(File.ReadAllBytes(files[i]), limits);
            using var resized = ImageCodec.Resize(img, size, size, ResizePolicy.Crop);
            ImageCodec.ToTensor(resized, spec).CopyTo(data, (long)i * plane);
        });
        return new StyleGanImageFolder(torch.tensor(data, [files.Count, channels, size, size]), spec);
    }

    /// <summary>From an existing tensor (N, C, S, S) in [-1, 1] (tests, generated data).</summary>
    public static StyleGanImageFolder FromTensor(Tensor images) =>
        new(images, new ImageSpec((int)images.shape[1], (int)images.shape[2], (int)images.shape[3]));

    /// <summary>A random minibatch (with optional horizontal flips, NVlabs --mirror).</summary>
    public Tensor Batch(int batchSize, bool mirror, Generator? generator = null)
    {
        var idx = torch.randint(0, Count, [batchSize], generator: generator);
        var x = Images.index_select(0, idx);
        if (!mirror) return x;
        var flip = torch.rand([batchSize, 1, 1, 1], generator: generator).lt(0.5);
        return torch.where(flip, x.flip(3), x);
    }

    /// <summary>An epoch = count / batch steps, each handed the folder (StyleGAN2 and ProGAN draw their real batch
    /// inside the step, where the references do).</summary>
    public Training.ITrainingData<StyleGanImageFolder> Steps(int batch) => new FolderSteps(this, batch);

    public void Dispose() => Images.Dispose();

    private sealed class FolderSteps(StyleGanImageFolder folder, int batch) : Training.ITrainingData<StyleGanImageFolder>
    {
        public long StepsPerEpoch { get; } = Math.Max(1, folder.Count / batch);
        public IEnumerable<StyleGanImageFolder> Epoch(int epoch) => Enumerable.Repeat(folder, (int)StepsPerEpoch);
        public StyleGanImageFolder SampleInput => folder;
    }
}
