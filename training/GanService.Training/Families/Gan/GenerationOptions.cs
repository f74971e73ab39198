using System.Text.Json.Serialization;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Training.Families.Gan;

/// <summary>
/// Everything that defines a GAN / DCGAN / cGAN run; stored in the checkpoint so export rebuilds exactly what was
/// trained. Defaults are DCGAN's (Radford et al. 2016: Adam 2e-4, β (0.5, 0.999), nz 100); the loss picks its own optimiser
/// defaults when <see cref="Lr"/> etc. are left null (WGAN: RMSprop 5e-5, clip 0.01, n_critic 5; WGAN-GP: Adam 1e-4,
/// β (0.5, 0.9), λ 10, n_critic 5, critic without BatchNorm).
/// </summary>
public sealed record GenerationOptions : RunOptions, IImageRunOptions
{
    public string Family { get; init; } = "dcgan";        // gan | dcgan | cgan
    public string Arch { get; init; } = "";                // mlp | dcgan ("" = gan → mlp, dcgan/cgan → dcgan)
    [OptionAlias("nz")] public int ZDim { get; init; } = 100; // latent size; options files from before read "nz"
    public int Channels { get; init; } = 1;
    public int Size { get; init; } = 32;                   // 32 or 64 for the conv nets; any for MLP
    public int Ngf { get; init; } = 64;
    public int Ndf { get; init; } = 64;
    public int[] GHidden { get; init; } = [256, 512, 1024]; // MLP generator widths (BN + ReLU after each)
    public int[] DHidden { get; init; } = [512, 256];       // MLP discriminator widths (LeakyReLU 0.2, or maxout)
    public int MaxoutPieces { get; init; }                 // > 0: MLP D uses LinearMaxout(k) instead of Linear + LReLU
    public int NumClasses { get; init; }                   // cgan: number of classes
    public string[] ClassNames { get; init; } = [];
    public int EmbedDim { get; init; }                     // 0 = NumClasses (one-hot-sized embedding)
    public string Conditioning { get; init; } = "concat";  // concat | projection (discriminator side)
    public string DNorm { get; init; } = "";               // batch | none ("" = none for wgan-gp, else batch)
    public bool SpectralNorm { get; init; }                // spectral norm on every D conv/linear
    public bool VirtualBatchNorm { get; init; }            // G uses VBN (reference batch) instead of BatchNorm

    public string Loss { get; init; } = "ns";              // a name AdversarialLosses.Parse reads (wgan = weight clipping)
    public double GpLambda { get; init; } = 10;
    public double ClipValue { get; init; } = 0.01;
    public double R1Gamma { get; init; }                   // > 0 adds γ/2 E‖∇D(x)‖² on reals
    public int R1Every { get; init; } = 1;                 // lazy R1: every k-th D step, γ·k
    public int? NCritic { get; init; }
    public double? Lr { get; init; }
    public double? Beta1 { get; init; }
    public double? Beta2 { get; init; }

    // Tricks (off by default)
    public double RealLabel { get; init; } = 1.0;          // 0.9 = one-sided label smoothing
    public double FeatureMatching { get; init; }           // weight of the feature-matching term in G's loss
    public int MinibatchKernels { get; init; }             // > 0 enables minibatch discrimination (B kernels, C = 5)
    public double HistoricalAveraging { get; init; }       // weight of the historical-averaging penalty (both players)
    public double InstanceNoise { get; init; }             // σ₀, annealed linearly to 0 over the run
    public int Pack { get; init; } = 1;                    // PacGAN degree m
    public double TopK { get; init; }                      // ν in (0, 1): top-k training keeps the best ν·B fakes in G's loss (0 = off)
    public double EmaBeta { get; init; }                   // > 0: keep an EMA generator (e.g. 0.999), used for samples/export

    // The options key is batchSize, as in every family; checkpoints that stored "batch" still read through the alias.
    [JsonPropertyName("batchSize"), OptionAlias("batch")] public int Batch { get; init; } = 64;
    public int Epochs { get; init; } = 5;
    public int ImageLimit { get; init; }                   // use only the first N images (0 = all)

    [JsonIgnore] public string ResolvedArch => Arch != "" ? Arch : Family == "gan" ? "mlp" : "dcgan";
    [JsonIgnore] public AdversarialLossKind LossKind => AdversarialLosses.Parse(Loss);
    [JsonIgnore] public bool IsWasserstein => AdversarialLosses.IsWasserstein(LossKind);
    [JsonIgnore] public string ResolvedDNorm => DNorm != "" ? DNorm : LossKind == AdversarialLossKind.WganGp ? "none" : "batch";
    [JsonIgnore] public int ResolvedNCritic => NCritic ?? (IsWasserstein ? 5 : 1);
    [JsonIgnore] public double ResolvedLr => Lr ?? LossKind switch { AdversarialLossKind.Wgan => 5e-5, AdversarialLossKind.WganGp => 1e-4, _ => 2e-4 };
    [JsonIgnore] public double ResolvedBeta1 => Beta1 ?? 0.5;
    [JsonIgnore] public double ResolvedBeta2 => Beta2 ?? (LossKind == AdversarialLossKind.WganGp ? 0.9 : 0.999);
    [JsonIgnore] public bool Conditional => NumClasses > 0;
}
