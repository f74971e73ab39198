using System.Text.Json.Serialization;

namespace GanService.Training.Families.BigGan;

/// <summary>
/// A BigGAN run (Brock et al. 2019, "Large Scale GAN Training for High Fidelity Natural Image Synthesis") at small
/// scale; stored in the checkpoint so export rebuilds exactly what was trained. Defaults follow the paper and
/// ajbrock/BigGAN-PyTorch unless a comment says why not: hinge loss, Adam β (0, 0.999) ε 1e-6, G lr 1e-4 and D lr
/// 4e-4 with 2 D steps per G step, orthogonal init, orthogonal regularisation β 1e-4 on G, G EMA.
/// </summary>
public sealed record BigGanOptions : Training.RunOptions, Training.IImageRunOptions
{
    public int Size { get; init; } = 32;                   // image size, a power of two ≥ 8 (28² IDX images are padded to 32)
    public int Channels { get; init; } = 1;                // 1 grey or 3 RGB
    public int ZDim { get; init; } = 120;                  // split into (blocks + 1) equal chunks: 32² has 3 blocks → 4 × 30
    public int SharedDim { get; init; } = 128;             // the shared class embedding (BigGAN 128)
    public int GCh { get; init; } = 16;                    // width unit; BigGAN uses 64 (CIFAR) — 16 to train on a CPU
    public int DCh { get; init; } = 16;
    public int AttentionResolution { get; init; } = 16;    // where the one self-attention block sits in G and D (0 = none)
    public string Init { get; init; } = "ortho";           // ortho | N02
    public int NumClasses { get; init; } = 10;
    public string[] ClassNames { get; init; } = [];

    public double LrG { get; init; } = 1e-4;
    public double LrD { get; init; } = 4e-4;
    public double Beta1 { get; init; } = 0;
    public double Beta2 { get; init; } = 0.999;
    public double AdamEps { get; init; } = 1e-6;
    public int DSteps { get; init; } = 2;                  // D steps per G step
    public double OrthoBeta { get; init; } = 1e-4;         // orthogonal regularisation on G (0 = off)
    public double EmaBeta { get; init; } = 0.999;          // BigGAN 0.9999 over ~100k+ steps; 0.999 suits a short CPU run

    [JsonPropertyName("batchSize")] public int Batch { get; init; } = 64;
    public int Epochs { get; init; } = 100;
    public int ImageLimit { get; init; }                   // use only the first N images (0 = all)

    /// <summary>G widths from the 4×4 start to the last block: ×4 at 4² and 8², ×2 at 16², ×1 at 32² and above (BigGAN
    /// narrows toward the output the same way, from ch·16 at 4² for 128²).</summary>
    public long[] GeneratorWidths()
    {
        int blocks = Blocks();
        return Enumerable.Range(0, blocks + 1).Select(i => (long)GCh * Math.Max(1, 4 >> Math.Max(0, i - 1))).ToArray();
    }

    /// <summary>D widths per block: ×1, ×2, ×4, … from the image down to 4×4, then one more block at 4×4.</summary>
    public long[] DiscriminatorWidths()
    {
        int blocks = Blocks();
        return Enumerable.Range(0, blocks + 1).Select(i => (long)DCh * (1L << Math.Min(i, blocks - 1))).ToArray();
    }

    /// <summary>Upsampling blocks from 4×4 to <see cref="Size"/>.</summary>
    public int Blocks()
    {
        if (Size < 8 || (Size & (Size - 1)) != 0) throw new ArgumentException($"BigGAN size must be a power of two ≥ 8, got {Size}");
        return (int)Math.Round(Math.Log2(Size)) - 2;
    }
}
