using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Training;

namespace GanService.Training.Families.SrGan;

/// <summary>`gan train srgan` / `gan export srgan`: single-image super-resolution (SRGAN, ESRGAN) trained here. Official
/// ESRGAN / Real-ESRGAN weights of the same RRDBNet come in through `gan import esrgan` (<see cref="Import.EsrganImporter"/>),
/// the one way to import them.</summary>
public sealed class SrGanFamily : GanFamily<SrGanOptions>
{
    public override string Name => SrGanTrainer.Family;
    public override string Description => "SRGAN / ESRGAN super-resolution (RRDBNet or SRResNet G, VGG-style D, relativistic or standard GAN, " +
        "L1 + perceptual loss on a feature network trained here; PSNR-oriented phase, then adversarial). --data: DIR with LR/ and HR/ (gan datasets emoji --layout sr: DIR/train)";
    public override SrGanOptions Defaults() => new();
    public override IExportableFamily Export { get; } = new SrGanExportFamily();

    public override IReadOnlyList<FamilyFlag> Flags =>
    [
        new("--arch", "arch", "rrdb (ESRGAN RRDBNet) | srresnet (SRGAN, BasicSR MSRResNet)"),
        new("--scale", "scale", "upscaling factor (rrdb 4, 2, 1; srresnet 2, 3, 4)"),
        new("--nf", "nf", "generator features"), new("--nb", "nb", "generator blocks (RRDBs or residual blocks)"),
        new("--gc", "gc", "rrdb growth channels"), new("--hr-size", "hrSize", "HR training crop (LR crop = hr-size / scale)"),
        new("--epochs", "epochs", "passes over the training pairs"),
        new("--pretrain-steps", "pretrainSteps", "PSNR-oriented (L1-only) steps before the adversarial phase"),
        new("--lr", "lr", "Adam lr of the adversarial phase (G and D)"), new("--lr-pretrain", "lrPretrain", "Adam lr of the PSNR phase"),
        new("--loss", "loss", "relativistic (ESRGAN) | standard (SRGAN)"), new("--ndf", "ndf", "discriminator features"),
        new("--feature-net", "featureNet", "feature network for the perceptual loss (gan train-perceptual --out FILE)"),
        new("--limit", "imageLimit", "use only the first N pairs"),
    ];

    public override string? Check(SrGanOptions o) => SrGanTrainer.Check(o);

    public override int Train(SrGanOptions o, bool resume, TextWriter log)
    {
        var data = new SuperResolutionPairs(o.Data, o.Scale, o.HrSize, o.BatchSize, o.Seed, !o.NoFlip, !o.NoRotate, o.SampleCount, o.ImageLimit);
        using var trainer = new SrGanTrainer(o);
        log.WriteLine($"{Name}: {data.Count} pairs, {data.StepsPerEpoch} steps/epoch of {o.BatchSize} {o.HrSize}² HR crops; G {NetworkParameters.Count(trainer.G):N0} params, " +
            $"D {NetworkParameters.Count(trainer.D):N0}; {o.PretrainSteps} PSNR-oriented steps, then {o.Loss} GAN → {o.Out}");
        var state = trainer.Train(data, data.Count, resume, log);
        log.WriteLine($"done: epoch {state.Epoch}, step {state.Step}, checkpoint {Path.Combine(o.Out, TrainingRun.CheckpointFolder)}");
        return 0;
    }
}
