using System.Text.Json.Serialization;
using GanService.Training.Tricks;

namespace GanService.Training.Families.StackGan;

/// <summary>
/// `gan train stackgan`: text → 32² (Stage I) → 64² (Stage II) on captioned images. Defaults follow
/// hanzhanggit/StackGAN-Pytorch where they cost little on a CPU (z 100, condition 128, KL coefficient 2, Adam 2e-4
/// β₁ 0.5, batch 64) and are narrower where they do not (widths, residual blocks). One run trains three phases in order,
/// by step count: the text and image encoders by the matching loss, then Stage I, then Stage II (Stage I frozen, as in
/// the paper); the step decides the phase, so a resumed run continues the phase it was in.
/// </summary>
public sealed record StackGanOptions : Training.RunOptions
{
    public int Size { get; init; } = 64;                  // Stage-II output (the exported image)
    public int StageOneSize { get; init; } = 32;          // Stage-I output
    public int ZDim { get; init; } = 100;                 // Stage-I noise (reference Z_DIM)
    public int ConditionDim { get; init; } = 128;         // ĉ size (reference GAN.CONDITION_DIM)
    public int WordDim { get; init; } = 64;               // word embedding size of the text encoder
    public int TextDim { get; init; } = 128;              // sentence embedding size (the reference's char-CNN-RNN gives 1024)
    public int StageOneWidth { get; init; } = 256;        // Stage-I channels at 4×4, halved per block (reference 1024 for 64²)
    public int StageTwoWidth { get; init; } = 32;         // Stage-II g: 4g channels in the residual blocks (reference 128)
    public int ResidualBlocks { get; init; } = 2;         // reference R_NUM 4; 2 keeps a CPU step short
    public int DiscriminatorWidth { get; init; } = 32;    // first D conv's channels, doubled per stride-2 conv (reference 64)
    public int EncoderWidth { get; init; } = 32;          // image encoder's first conv
    public double KlCoefficient { get; init; } = 2.0;     // reference TRAIN.COEFF.KL
    public double MatchingTemperature { get; init; } = 0.1; // τ of the matching loss
    public double Lr { get; init; } = 2e-4;
    public double EncoderLr { get; init; } = 1e-3;
    public double Beta1 { get; init; } = 0.5;
    public int MaxTokens { get; init; } = 24;             // token input length; longer captions keep their first words
    public int MinWordCount { get; init; } = 2;           // vocabulary: words seen at least this often in training captions

    public long EncoderSteps { get; init; } = 1500;       // phase 1: text + image encoders (matching loss)
    public long StageOneSteps { get; init; } = 4000;      // phase 2: Stage-I GAN
    public long StageTwoSteps { get; init; } = 3000;      // phase 3: Stage-II GAN (Stage I frozen)

    /// <summary>The vocabulary, built from the training captions when the run starts (stored so export and resume agree).</summary>
    public string[] Vocabulary { get; init; } = [];

    [JsonPropertyName("batchSize")] public int Batch { get; init; } = 64;

    // StyleGAN2-ADA for both stages' discriminators (keys ada, adaTarget, adaInterval, adaKimg, augmentPipe, augmentP,
    // the flags StyleGAN2 has); off by default. One controller: p and r_t belong to the D of the stage being trained,
    // and start over when Stage II begins (StackGanTrainer says why).
    public AdaOptions Augmentation { get; init; } = new();

    [JsonIgnore] public long TotalSteps => EncoderSteps + StageOneSteps + StageTwoSteps;
}

/// <summary>Which part of the network a step trains.</summary>
public enum StackGanPhase { Encoders, StageOne, StageTwo }
