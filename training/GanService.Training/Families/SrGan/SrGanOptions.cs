using System.Text.Json.Serialization;
using GanService.Training.Training;

namespace GanService.Training.Families.SrGan;

/// <summary>
/// SRGAN / ESRGAN options. Defaults follow BasicSR's ESRGAN recipe (options/train/ESRGAN/train_RRDBNet_PSNR_x4.yml for
/// the PSNR-oriented phase, train_ESRGAN_x4.yml for the adversarial one), in one run: <see cref="PretrainSteps"/> steps
/// of L1 only, then pixel + perceptual + adversarial losses. The checkpoint stores the record, so export and --resume
/// rebuild exactly what was trained.
/// </summary>
public sealed record SrGanOptions : RunOptions
{
    public string Arch { get; init; } = "rrdb";          // rrdb (ESRGAN's RRDBNet) | srresnet (SRGAN's SRResNet, BasicSR MSRResNet)
    public int Scale { get; init; } = 4;                 // rrdb: 4 (×2 and ×1 fold pixels first, as Real-ESRGAN); srresnet: 2, 3, 4
    public int Nf { get; init; } = 64;                   // features (BasicSR num_feat)
    public int Nb { get; init; } = 23;                   // blocks: 23 RRDBs in ESRGAN; MSRResNet's reference is 16
    public int Gc { get; init; } = 32;                   // rrdb: growth channels of each dense conv (num_grow_ch)
    public int HrSize { get; init; } = 128;              // HR training crop (BasicSR gt_size); LR crops are HrSize / Scale
    public bool NoFlip { get; init; }                    // turn off the random horizontal flip (use_flip)
    public bool NoRotate { get; init; }                  // turn off the random vertical flip and transpose (use_rot)
    public int BatchSize { get; init; } = 16;            // BasicSR batch_size_per_gpu
    public int Epochs { get; init; } = 100;              // passes over the training images (the run usually ends by --max-steps/--max-minutes)
    public int ImageLimit { get; init; }                 // use only the first N pairs (0 = all)
    public long PretrainSteps { get; init; } = 1000;     // PSNR-oriented steps (L1 only, no D) before the adversarial phase
    public double LrPretrain { get; init; } = 2e-4;      // Adam lr of the PSNR phase (train_RRDBNet_PSNR_x4: 2e-4)
    public double Lr { get; init; } = 1e-4;              // Adam lr of G and D in the adversarial phase (train_ESRGAN_x4: 1e-4)
    public double Beta1 { get; init; } = 0.9;            // BasicSR betas [0.9, 0.99]
    public double Beta2 { get; init; } = 0.99;
    public double PixelWeight { get; init; } = 1e-2;     // adversarial phase: L1 weight (ESRGAN 1e-2; the PSNR phase uses 1)
    public double PerceptualWeight { get; init; } = 1.0; // L1 between feature maps (ESRGAN 1 on VGG19 conv5_4; here FeatureNet's)
    public double GanWeight { get; init; } = 5e-3;       // adversarial weight (ESRGAN and SRGAN 5e-3)
    // relativistic = ESRGAN's relativistic average GAN (BCE); standard = SRGAN's BCE GAN with the non-saturating G loss.
    public string Loss { get; init; } = "relativistic";
    public int Ndf { get; init; } = 64;                  // discriminator features (VGGStyleDiscriminator num_feat)
    // The frozen feature network of the perceptual loss: weights written by `gan train-perceptual` (no VGG weights can be
    // downloaded here). Read at every start, resumes included (a run may turn the perceptual loss on when it resumes).
    public string FeatureNet { get; init; } = "";
    public int FeatureWidth { get; init; } = 16;         // its first stage's channels (gan train-perceptual --width)
    public double EmaBeta { get; init; } = 0.999;        // G_ema, the exported generator (BasicSR ema_decay 0.999); 0 = none
    public int SampleCount { get; init; } = 4;           // rows in the per-epoch sample grid

    [JsonIgnore] public bool Relativistic => Loss.Equals("relativistic", StringComparison.OrdinalIgnoreCase);
    [JsonIgnore] public bool UsesEma => EmaBeta > 0;
    [JsonIgnore] public int LrSize => HrSize / Scale;
}
