using System.Text.Json.Serialization;
using GanService.Training.Losses;

namespace GanService.Training.Families.Encoders;

/// <summary>
/// A run of a GAN that also learns x → z: the adversarial autoencoder (<c>aae</c>, Makhzani et al. 2016) or ALI / BiGAN
/// (<c>ali</c>, Dumoulin et al. 2017; Donahue et al. 2017). Both use the DCGAN decoder as G (z → x) and the DCGAN
/// discriminator's convolutions + a Linear as the encoder E (x → z); they differ in what the discriminator sees
/// (AAE: z only, the prior's samples against E(x); ALI: (x, z) pairs, (x, E(x)) against (G(z), z)) and in AAE's
/// reconstruction term. Adam 2e-4, β1 0.5 as DCGAN (ALI's paper used 1e-4, β1 0.5 on larger nets).
/// </summary>
public sealed record EncoderGanOptions : Training.RunOptions, Training.IImageRunOptions
{
    public string Family { get; init; } = "aae";          // aae | ali
    [Training.OptionAlias("nz")] public int ZDim { get; init; } = 16; // options files from before read "nz"
    /// <summary>AAE's prior on z: gaussian = N(0, I); mixture10 = 10 Gaussians with means on a circle of radius 4 in the
    /// first two dimensions (σ 0.5 there) and N(0, 1) in the others (Makhzani et al. Fig. 3 uses a 2-D mixture of 10).</summary>
    public string Prior { get; init; } = "gaussian";
    public double ReconstructionWeight { get; init; } = 1.0; // AAE: weight of the mean squared reconstruction error
    public int ZHidden { get; init; } = 256;              // AAE's z discriminator / ALI's z and joint paths: MLP width
    public int Channels { get; init; } = 1;
    public int Size { get; init; } = 32;
    public int Ngf { get; init; } = 32;
    public int Ndf { get; init; } = 32;
    public string Loss { get; init; } = "ns";             // a name AdversarialLosses.Parse reads (f-GAN losses included)
    public double Lr { get; init; } = 2e-4;
    public double Beta1 { get; init; } = 0.5;
    public double Beta2 { get; init; } = 0.999;

    [JsonPropertyName("batchSize"), Training.OptionAlias("batch")] public int Batch { get; init; } = 64;
    public int Epochs { get; init; } = 5;
    public int ImageLimit { get; init; }

    [JsonIgnore] public AdversarialLossKind LossKind => AdversarialLosses.Parse(Loss);
    [JsonIgnore] public bool IsAli => Family == "ali";
}
