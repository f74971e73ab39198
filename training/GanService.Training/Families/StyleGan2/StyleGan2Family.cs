using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Import;
using GanService.Training.Training;
using GanService.Training.Tricks;

namespace GanService.Training.Families.StyleGan2;

/// <summary>StyleGAN2 on a folder of images; official rosinality / NVlabs checkpoints import.</summary>
public sealed class StyleGan2Family : GanFamily<StyleGan2TrainOptions>
{
    public override string Name => StyleGan2Trainer.Family;
    public override string Description => "train a StyleGAN2 (mapping + synthesis, residual D, R1, style mixing, EMA, DiffAugment or ADA). --data: a folder of images (any size; centre-cropped and resized)";
    public override StyleGan2TrainOptions Defaults() => new();
    public override IExportableFamily Export { get; } = new StyleGan2ExportFamily();
    public override ICheckpointImporter Importer { get; } = new StyleGan2Importer();

    public override IReadOnlyList<FamilyFlag> Flags =>
    [
        new("--epochs", "epochs", "epochs over the data"),
        new("--size", "resolution", "image resolution (power of two)"),
        new("--channels", "imageChannels", "1 (grey) or 3 (RGB)"),
        new("--z-dim", "zDim", "latent z size"),
        new("--w-dim", "wDim", "intermediate latent w size"),
        new("--map-layers", "mappingLayers", "mapping depth"),
        new("--channel-base", "channelBase", "channels(res) = min(base/res, max)"),
        new("--channel-max", "channelMax", "most channels at any resolution"),
        new("--lr", ["learningRateG", "learningRateD"], "Adam lr for G and D"),
        new("--gamma", "r1Gamma", "R1 γ"),
        new("--style-mixing", "styleMixingProb", "style-mixing probability"),
        new("--pl-weight", "pathLengthWeight", "path-length regularisation weight (0 = off)"),
        new("--augment", "augment", "DiffAugment policy (\"\" = off; must be off with --ada or --augment-p)"),
        .. AdaOptions.Flags,
        new("--mirror", "mirror", "random horizontal flips (true | false)"),
        new("--limit", "imageLimit", "use only the first N images"),
    ];

    public override string? Check(StyleGan2TrainOptions o)
    {
        if (MinibatchStddev.BatchProblem(o.Batch, o.Arch.MbstdGroup) is { } batch) return batch;
        if (o.Augmentation.Problem(o.Arch.ImageChannels) is { } augmentation) return augmentation;
        if (o.Augmentation.Enabled && o.Augment.Length > 0)
            return $"ADA (ada=true or augmentP > 0) replaces DiffAugment, which is on (augment=\"{o.Augment}\"): add --augment \"\"";
        return null;
    }

    public override int Train(StyleGan2TrainOptions o, bool resume, TextWriter log)
    {
        using var dataset = StyleGanImageFolder.Load(o.Data, o.Arch.Resolution, o.Arch.ImageChannels, o.ImageLimit);
        log.WriteLine($"{dataset.Count} images from {o.Data}");
        using var trainer = new StyleGan2Trainer(o);
        log.WriteLine($"G {NetworkParameters.Count(trainer.G):N0} params (num_ws {trainer.G.NumWs}), D {NetworkParameters.Count(trainer.D):N0} params");
        trainer.Train(dataset, resume, log);
        return 0;
    }
}
