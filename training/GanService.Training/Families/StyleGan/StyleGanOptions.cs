using System.Text.Json.Serialization;
using GanService.Training.Families.ProGan;

namespace GanService.Training.Families.StyleGan;

/// <summary>
/// A StyleGAN run (Karras, Laine, Aila 2018, "A Style-Based Generator Architecture for Generative Adversarial
/// Networks"); stored in the checkpoint. Defaults follow NVlabs/stylegan (networks_stylegan.py G_style / G_mapping /
/// G_synthesis, train.py's FFHQ config) unless a comment says why not: 8-layer mapping with lr multiplier 0.01,
/// progressive growing in phases of 600k images, non-saturating logistic loss with R1 γ 10, style mixing 0.9, Adam lr
/// 1e-3 β (0, 0.99) ε 1e-8. Widths are slimmer than NVlabs' so a CPU run is affordable; the paper's sizes are one
/// <c>--set</c> away: <c>--set size=1024 zDim=512 wDim=512 fmapBase=8192 fmapMax=512</c>.
/// </summary>
public sealed record StyleGanOptions : Training.RunOptions
{
    public int Size { get; init; } = 32;                   // final resolution, a power of two ≥ 8 (grown from 4²)
    public int Channels { get; init; } = 3;
    public int ZDim { get; init; } = 128;                  // NVlabs 512; 128 keeps a CPU run affordable
    public int WDim { get; init; } = 128;                  // NVlabs 512 (dlatent_size)
    public int MappingLayers { get; init; } = 8;           // NVlabs mapping_layers
    public double MappingLrMultiplier { get; init; } = 0.01;
    public int FmapBase { get; init; } = 2048;             // channels(res) = min(fmapBase / res, fmapMax); NVlabs 8192 / 512
    public int FmapMax { get; init; } = 128;
    public long PhaseImages { get; init; } = 600_000;      // NVlabs lod_training_kimg = lod_transition_kimg = 600

    /// <summary>"ns" (NVlabs G_logistic_nonsaturating + D_logistic_simplegp, R1 on reals; the FFHQ setting) or
    /// "wgan-gp" (NVlabs G_wgan + D_wgan_gp with the ε-drift term, as ProGAN; used for some of the paper's sets).</summary>
    public string Loss { get; init; } = "ns";
    public double R1Gamma { get; init; } = 10;             // NVlabs r1_gamma for FFHQ (ns only)
    public double GpLambda { get; init; } = 10;            // wgan-gp only
    public double DriftEpsilon { get; init; } = 1e-3;      // wgan-gp only
    public double StyleMixingProb { get; init; } = 0.9;
    public double LrG { get; init; } = 1e-3;
    public double LrD { get; init; } = 1e-3;
    public double Beta1 { get; init; } = 0;
    public double Beta2 { get; init; } = 0.99;
    public double AdamEps { get; init; } = 1e-8;
    public int MbstdGroup { get; init; } = 4;
    public double EmaBeta { get; init; } = 0.999;          // NVlabs G_smoothing_kimg 10: 0.5^(16/10000) ≈ 0.9989 at batch 16
    public bool Mirror { get; init; } = true;
    public int SampleCount { get; init; } = 32;            // fixed seeds 0 … n−1 in every sample grid (ψ 1, const noise)

    [JsonPropertyName("batchSize")] public int Batch { get; init; } = 16;
    public int Epochs { get; init; } = 1000;
    public int? ImageLimit { get; init; }

    /// <summary>The growing machinery this family shares with ProGAN: its schedule, widths and discriminator read these.</summary>
    [JsonIgnore]
    public ProGanOptions Growth => new()
    {
        Size = Size, Channels = Channels, ZDim = ZDim, FmapBase = FmapBase, FmapMax = FmapMax, PhaseImages = PhaseImages,
        MbstdGroup = MbstdGroup, Batch = Batch, Seed = Seed,
    };

    /// <summary>Levels 0 (4²) … MaxLevel (<see cref="Size"/>).</summary>
    [JsonIgnore] public int MaxLevel => Growth.MaxLevel;

    /// <summary>Style inputs of the synthesis network: two per level (NVlabs num_layers = 2·log2(size) − 2).</summary>
    [JsonIgnore] public int NumWs => 2 * (MaxLevel + 1);

    public long Width(int level) => Growth.Width(level);
}
