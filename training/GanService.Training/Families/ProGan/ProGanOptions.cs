using System.Text.Json.Serialization;

namespace GanService.Training.Families.ProGan;

/// <summary>
/// A ProGAN run (Karras et al. 2018, "Progressive Growing of GANs for Improved Quality, Stability, and Variation");
/// stored in the checkpoint. Defaults follow the paper and tkarras/progressive_growing_of_gans unless a comment says
/// why not: WGAN-GP (λ 10) with the ε-drift term 1e-3, Adam lr 1e-3 β (0, 0.99) ε 1e-8, minibatch stddev (group 4),
/// phases of 800k images (fade-in, then stabilise), G EMA 0.999.
/// </summary>
public sealed record ProGanOptions : Training.RunOptions
{
    public int Size { get; init; } = 64;                   // final resolution, a power of two ≥ 8 (grown from 4²)
    public int Channels { get; init; } = 3;
    public int ZDim { get; init; } = 128;                  // paper 512; 128 keeps a CPU run affordable
    public int FmapBase { get; init; } = 2048;             // channels(res) = min(fmapBase / res, fmapMax); paper 8192 / 512
    public int FmapMax { get; init; } = 128;
    public long PhaseImages { get; init; } = 800_000;      // images per fade-in and per stabilisation phase (paper 800k)

    public double LrG { get; init; } = 1e-3;
    public double LrD { get; init; } = 1e-3;
    public double Beta1 { get; init; } = 0;
    public double Beta2 { get; init; } = 0.99;
    public double AdamEps { get; init; } = 1e-8;
    public double GpLambda { get; init; } = 10;
    public double DriftEpsilon { get; init; } = 1e-3;      // ε_drift · E[D(x)²] keeps the critic's output near 0
    public int MbstdGroup { get; init; } = 4;
    public double EmaBeta { get; init; } = 0.999;
    public bool Mirror { get; init; } = true;
    public int SampleCount { get; init; } = 32;            // fixed seeds 0 … n−1 in every sample grid

    [JsonPropertyName("batchSize")] public int Batch { get; init; } = 16;
    public int Epochs { get; init; } = 1000;
    public int? ImageLimit { get; init; }

    /// <summary>Levels 0 (4²) … MaxLevel (<see cref="Size"/>).</summary>
    [JsonIgnore]
    public int MaxLevel => Size >= 8 && (Size & (Size - 1)) == 0
        ? (int)Math.Round(Math.Log2(Size)) - 2
        : throw new ArgumentException($"ProGAN size must be a power of two ≥ 8, got {Size}");

    public long Width(int level) => Math.Min(FmapBase / (4L << level), FmapMax);
}

/// <summary>
/// The growing schedule as a pure function of the images shown so far, so a resumed run (which restores its step
/// count) continues exactly where it stopped. Phase 0 trains 4²; then every level has a fade-in phase (α from 0 to 1:
/// the new block's output blended with the upsampled output of the level below) and a stabilisation phase (α = 1),
/// each <see cref="ProGanOptions.PhaseImages"/> long; after the last level's stabilisation it stays there.
/// </summary>
public readonly record struct ProGanSchedule(int Level, double Alpha)
{
    public int Resolution => 4 << Level;

    public static ProGanSchedule At(long images, long phaseImages, int maxLevel)
    {
        if (phaseImages <= 0) throw new ArgumentException("phaseImages must be positive");
        long phase = images / phaseImages;
        if (phase >= 2L * maxLevel) return new(maxLevel, 1);
        int level = (int)((phase + 1) / 2);
        double alpha = phase % 2 == 1 ? (double)(images - phase * phaseImages) / phaseImages : 1;
        return new(level, alpha);
    }
}
