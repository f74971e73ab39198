using GanService.Contracts;
using GanService.Training.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace GanService.Training.Data;

/// <summary>One super-resolution step's input: which pairs, and for each where its crop sits (as fractions of the room
/// the image leaves, so the draw needs no image size) and how it is flipped or transposed. The images are decoded by
/// <see cref="Load"/>, in the step: a resume skips inputs without reading them.</summary>
public sealed record SrBatch(SuperResolutionPairs Source, int[] Indices, float[] Top, float[] Left, bool[] FlipH, bool[] FlipV, bool[] Transpose)
{
    public int Count => Indices.Length;

    /// <summary>(LR (B, C, h, w), HR (B, C, h·s, w·s)) in [0, 1] on <paramref name="device"/>.</summary>
    public (Tensor Lr, Tensor Hr) Load(Device device) => Source.Load(this, device);
}

/// <summary>
/// Paired super-resolution data as BasicSR's PairedImageDataset reads it: DIR/LR/x.png and DIR/HR/x.png (the `sr` layout
/// of `gan datasets emoji`, HR = LR × scale), a random HR crop of <c>hrCrop</c>² with the LR crop it came from
/// (paired_random_crop: the LR position times the scale, so the pair stays exact), random horizontal / vertical flips
/// and a transpose (BasicSR's augment with use_flip and use_rot: the eight symmetries of the square). One shuffled pass
/// per epoch, drawn from (seed, epoch), so a resumed epoch sees the same inputs in the same order; images left over at
/// an epoch's end are not used that epoch. Images are read from disk per step (a 256² emoji set is 0.8 GB as bytes).
/// </summary>
public sealed class SuperResolutionPairs : ITrainingData<SrBatch>
{
    private readonly string[] _lr;
    private readonly string[] _hr;
    private readonly int _batch;
    private readonly int _seed;
    private readonly bool _flip;
    private readonly bool _rotate;

    public SuperResolutionPairs(string root, int scale, int hrCrop, int batch, int seed, bool flip = true, bool rotate = true, int sampleCount = 4, int limit = 0)
    {
        if (hrCrop % scale != 0) throw new ArgumentException($"the HR crop {hrCrop} must be a multiple of the scale {scale}");
        string lr = Path.Combine(root, "LR"), hr = Path.Combine(root, "HR");
        if (!Directory.Exists(lr) || !Directory.Exists(hr))
            throw new DirectoryNotFoundException($"'{root}' needs LR/ and HR/ with the same file names (gan datasets emoji --layout sr: DIR/train)");
        var pairs = Directory.EnumerateFiles(lr, "*.png").Order(StringComparer.Ordinal)
            .Select(f => (Lr: f, Hr: Path.Combine(hr, Path.GetFileName(f)))).Where(p => File.Exists(p.Hr)).ToList();
        if (limit > 0) pairs = pairs.Take(limit).ToList();
        if (pairs.Count < batch) throw new InvalidDataException($"'{root}': {pairs.Count} LR/HR pairs, fewer than one batch of {batch}");
        (_lr, _hr) = (pairs.Select(p => p.Lr).ToArray(), pairs.Select(p => p.Hr).ToArray());
        (Scale, HrCrop, _batch, _seed, _flip, _rotate) = (scale, hrCrop, batch, seed, flip, rotate);
        StepsPerEpoch = pairs.Count / batch;
        var samples = Families.Translation.TranslationData.SampleIndices(pairs.Count, sampleCount);
        // The sample grid: centred crops, as they are.
        SampleInput = new SrBatch(this, samples, [.. samples.Select(_ => 0.5f)], [.. samples.Select(_ => 0.5f)],
            new bool[samples.Length], new bool[samples.Length], new bool[samples.Length]);
    }

    public int Count => _lr.Length;
    public int Scale { get; }
    public int HrCrop { get; }
    public long StepsPerEpoch { get; }
    public SrBatch SampleInput { get; }

    public IEnumerable<SrBatch> Epoch(int epoch)
    {
        using var rng = new torch.Generator((ulong)_seed * 1_000_003UL + (ulong)epoch + 1);
        long[] perm;
        float[] draws; // five per image: top, left, and the three symmetries (each on with probability ½ when enabled)
        using (var p = torch.randperm(Count, generator: rng)) perm = p.data<long>().ToArray();
        using (var d = torch.rand([Count, 5], generator: rng)) draws = d.data<float>().ToArray();
        for (long step = 0; step < StepsPerEpoch; step++)
        {
            var idx = new int[_batch];
            var (top, left) = (new float[_batch], new float[_batch]);
            var (h, v, t) = (new bool[_batch], new bool[_batch], new bool[_batch]);
            for (int b = 0; b < _batch; b++)
            {
                long k = step * _batch + b;
                idx[b] = (int)perm[k];
                top[b] = draws[k * 5];
                left[b] = draws[k * 5 + 1];
                h[b] = _flip && draws[k * 5 + 2] < 0.5f;
                v[b] = _rotate && draws[k * 5 + 3] < 0.5f;
                t[b] = _rotate && draws[k * 5 + 4] < 0.5f;
            }
            yield return new SrBatch(this, idx, top, left, h, v, t);
        }
    }

    /// <summary>Decodes and crops the batch's pairs: (LR, HR) in [0, 1] on <paramref name="device"/>.</summary>
    public (Tensor Lr, Tensor Hr) Load(SrBatch b, Device device)
    {
        using var scope = torch.NewDisposeScope();
        int lrCrop = HrCrop / Scale;
        var lrs = new List<Tensor>();
        var hrs = new List<Tensor>();
        for (int i = 0; i < b.Count; i++)
        {
            using var lr = Image.Load<Rgb24>(_lr[b.Indices[i]]);
            using var hr = Image.Load<Rgb24>(_hr[b.Indices[i]]);
            if (hr.Width != lr.Width * Scale || hr.Height != lr.Height * Scale)
                throw new InvalidDataException($"{Path.GetFileName(_hr[b.Indices[i]])}: HR is {hr.Width}×{hr.Height}, LR ×{Scale} is {lr.Width * Scale}×{lr.Height * Scale}");
            if (lr.Width < lrCrop || lr.Height < lrCrop)
                throw new InvalidDataException($"{Path.GetFileName(_lr[b.Indices[i]])}: LR is {lr.Width}×{lr.Height}, smaller than the {lrCrop}² crop (HR crop {HrCrop} / scale {Scale})");
            // paired_random_crop: an LR position, the HR crop at that position × scale.
            int y = (int)(b.Top[i] * (lr.Height - lrCrop + 1 - 1e-6f)), x = (int)(b.Left[i] * (lr.Width - lrCrop + 1 - 1e-6f));
            var (lrT, hrT) = (Crop(lr, x, y, lrCrop), Crop(hr, x * Scale, y * Scale, HrCrop));
            if (b.FlipH[i]) (lrT, hrT) = (lrT.flip(2), hrT.flip(2));
            if (b.FlipV[i]) (lrT, hrT) = (lrT.flip(1), hrT.flip(1));
            if (b.Transpose[i]) (lrT, hrT) = (lrT.transpose(1, 2), hrT.transpose(1, 2));
            lrs.Add(lrT);
            hrs.Add(hrT);
        }
        var lrBatch = torch.stack(lrs).to(device);
        var hrBatch = torch.stack(hrs).to(device);
        return (lrBatch.MoveToOuterDisposeScope(), hrBatch.MoveToOuterDisposeScope());
    }

    /// <summary>A size² crop at (x, y) as (3, size, size) in [0, 1].</summary>
    private static Tensor Crop(Image<Rgb24> image, int x, int y, int size)
    {
        using var crop = image.Clone(c => c.Crop(new Rectangle(x, y, size, size)));
        return torch.tensor(ImageCodec.ToTensor(crop, new ImageSpec(3, size, size, 0f, 1f)), [3, size, size]);
    }
}
