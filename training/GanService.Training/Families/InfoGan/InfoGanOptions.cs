using System.Text.Json.Serialization;
using GanService.Training.Losses;

namespace GanService.Training.Families.InfoGan;

/// <summary>
/// An InfoGAN run (Chen et al. 2016). Defaults follow the paper's MNIST setup where it fits a 32² DCGAN body: 62 noise
/// dimensions, one 10-way categorical code, two continuous codes drawn from U(−1, 1), λ = 1 for the mutual-information
/// term (the paper's value for MNIST), D lr 2e-4 and G lr 1e-3 with Adam β1 0.5, and the continuous codes' Q posterior
/// a factored Gaussian with σ fixed at 1 (so its log-likelihood is −½(c − μ)² up to a constant).
/// </summary>
public sealed record InfoGanOptions : Training.RunOptions, Training.IImageRunOptions
{
    [Training.OptionAlias("nz")] public int ZDim { get; init; } = 62; // incompressible noise z; options files from before read "nz"
    public int Categories { get; init; } = 10;           // one categorical code c ~ Cat(1/K)
    public int Continuous { get; init; } = 2;            // continuous codes c1…cn ~ U(−1, 1)
    public double Lambda { get; init; } = 1.0;           // weight of the categorical MI lower bound
    public double LambdaContinuous { get; init; } = 1.0; // weight of the continuous MI lower bound
    /// <summary>Range the served continuous codes accept: the paper varies them past the training range (−2 … 2) to show
    /// they extrapolate.</summary>
    public float ServedCodeRange { get; init; } = 2f;
    public int Channels { get; init; } = 1;
    public int Size { get; init; } = 32;
    public int Ngf { get; init; } = 32;
    public int Ndf { get; init; } = 32;
    public int QHidden { get; init; } = 128;             // Q head: Linear(F → 128) → BN → LeakyReLU → Linear(→ K + n)
    public string Loss { get; init; } = "ns";            // a name AdversarialLosses.Parse reads (f-GAN losses included)
    public double LrG { get; init; } = 1e-3;
    public double LrD { get; init; } = 2e-4;
    public double Beta1 { get; init; } = 0.5;
    public double Beta2 { get; init; } = 0.999;
    public double EmaBeta { get; init; } = 0.99;         // > 0: an EMA generator, used for samples and export

    [JsonPropertyName("batchSize"), Training.OptionAlias("batch")] public int Batch { get; init; } = 64;
    public int Epochs { get; init; } = 5;
    public int ImageLimit { get; init; }

    [JsonIgnore] public AdversarialLossKind LossKind => AdversarialLosses.Parse(Loss);
    /// <summary>G's input width: z, the one-hot categorical code and the continuous codes.</summary>
    [JsonIgnore] public int GeneratorInput => ZDim + Categories + Continuous;
    /// <summary>The query names the served model takes for its continuous codes: c1, c2, …</summary>
    public static string ContinuousName(int i) => $"c{i + 1}";
}
