using GanService.Training.Data;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Training;
using static GanService.Cli.Commands.TrainCommand;

namespace GanService.Cli.Commands;

/// <summary>`gan train stylegan2 --data DIR …`: the family's flags and how a run starts; StyleGan2Trainer does the rest.</summary>
public static class TrainStyleGanCommand
{
    public static TrainFamily Family() => new(
        StyleGan2Trainer.Family,
        "train a StyleGAN2 (mapping + synthesis, residual D, R1, style mixing, EMA, DiffAugment). --data: a folder of images (any size; centre-cropped and resized)",
        () => new StyleGan2TrainOptions(),
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
            new("--augment", "augment", "DiffAugment policy (\"\" = off)"),
            new("--mirror", "mirror", "random horizontal flips (true | false)"),
            new("--limit", "imageLimit", "use only the first N images"),
        ],
        (options, resume, log) =>
        {
            var o = (StyleGan2TrainOptions)options;
            using var dataset = StyleGanImageFolder.Load(o.Data, o.Arch.Resolution, o.Arch.ImageChannels, o.ImageLimit);
            log.WriteLine($"{dataset.Count} images from {o.Data}");
            using var trainer = new StyleGan2Trainer(o, resume ? Path.Combine(o.Out, "checkpoint") : null);
            log.WriteLine($"G {NetworkParameters.Count(trainer.G):N0} params (num_ws {trainer.G.NumWs}), D {NetworkParameters.Count(trainer.D):N0} params");
            trainer.Run(dataset, log);
            return 0;
        },
        dir => ReadCheckpoint<StyleGan2TrainOptions>(dir, StyleGan2Trainer.Family),
        o => o is StyleGan2TrainOptions s && s.Batch % s.Arch.MbstdGroup != 0 && s.Batch > s.Arch.MbstdGroup
            ? $"--batch-size must be a multiple of the minibatch-std group {s.Arch.MbstdGroup}" : null);
}
