using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Training;
using GanService.Training.Tricks;

namespace GanService.Training.Families.ProGan;

/// <summary>ProGAN: progressive growing on a folder of images.</summary>
public sealed class ProGanFamily : GanFamily<ProGanOptions>
{
    public override string Name => ProGanTrainer.Family;
    public override string Description => "train a ProGAN (progressive growing from 4² with fade-in, equalised LR, pixel norm, minibatch stddev, WGAN-GP + drift, EMA). --data: a folder of images (any size; centre-cropped and resized)";
    public override ProGanOptions Defaults() => new();
    public override IExportableFamily Export { get; } = new ProGanExportFamily();

    public override IReadOnlyList<FamilyFlag> Flags =>
    [
        new("--epochs", "epochs", "epochs over the data"),
        new("--size", "size", "final resolution (power of two ≥ 8)"),
        new("--channels", "channels", "1 (grey) or 3 (RGB)"),
        new("--z-dim", "zDim", "latent size"),
        new("--phase-images", "phaseImages", "images per fade-in phase and per stabilisation phase"),
        new("--fmap-max", "fmapMax", "most channels at any resolution"),
        new("--lr", ["lrG", "lrD"], "Adam lr for G and D"),
        new("--limit", "imageLimit", "use only the first N images"),
    ];

    public override string? Check(ProGanOptions o) => MinibatchStddev.BatchProblem(o.Batch, o.MbstdGroup);

    public override int Train(ProGanOptions o, bool resume, TextWriter log)
    {
        using var dataset = StyleGanImageFolder.Load(o.Data, o.Size, o.Channels, o.ImageLimit);
        using var trainer = new ProGanTrainer(o);
        log.WriteLine($"{dataset.Count} images; G {NetworkParameters.Count(trainer.G):N0} params, D {NetworkParameters.Count(trainer.D):N0} params; grows 4² → {o.Size}² in phases of {o.PhaseImages} images");
        trainer.Train(dataset, resume, log);
        return 0;
    }
}
