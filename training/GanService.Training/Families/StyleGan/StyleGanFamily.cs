using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Training;

namespace GanService.Training.Families.StyleGan;

/// <summary>`gan train stylegan` / `gan export stylegan`: StyleGAN (Karras et al. 2018) on a folder of images.</summary>
public sealed class StyleGanFamily : GanFamily<StyleGanOptions>
{
    public override string Name => StyleGanTrainer.Family;
    public override string Description => "train a StyleGAN (2018: mapping network, AdaIN styles, per-layer noise, style mixing; " +
        "progressive growing, D and schedule as ProGAN; logistic loss + R1, EMA). --data: a folder of images (any size; centre-cropped and resized)";
    public override StyleGanOptions Defaults() => new();
    public override IExportableFamily Export { get; } = new StyleGanExportFamily();

    public override IReadOnlyList<FamilyFlag> Flags =>
    [
        new("--epochs", "epochs", "epochs over the data"),
        new("--size", "size", "final resolution (power of two ≥ 8)"),
        new("--channels", "channels", "1 (grey) or 3 (RGB)"),
        new("--z-dim", "zDim", "latent size"),
        new("--w-dim", "wDim", "intermediate latent (W) size"),
        new("--phase-images", "phaseImages", "images per fade-in phase and per stabilisation phase"),
        new("--fmap-max", "fmapMax", "most channels at any resolution"),
        new("--loss", "loss", "ns (logistic + R1) | wgan-gp (+ drift)"),
        new("--r1-gamma", "r1Gamma", "R1 weight γ (loss ns)"),
        new("--mixing", "styleMixingProb", "style-mixing probability"),
        new("--lr", ["lrG", "lrD"], "Adam lr for G and D"),
        new("--limit", "imageLimit", "use only the first N images"),
    ];

    public override string? Check(StyleGanOptions o) => StyleGanTrainer.Check(o);

    public override int Train(StyleGanOptions o, bool resume, TextWriter log)
    {
        using var dataset = StyleGanImageFolder.Load(o.Data, o.Size, o.Channels, o.ImageLimit);
        using var trainer = new StyleGanTrainer(o);
        log.WriteLine($"{dataset.Count} images; G {NetworkParameters.Count(trainer.G):N0} params, D {NetworkParameters.Count(trainer.D):N0} params; " +
            $"grows 4² → {o.Size}² in phases of {o.PhaseImages} images; loss {o.Loss}");
        trainer.Train(dataset, resume, log);
        return 0;
    }
}
