using GanService.Training.Data;
using GanService.Training.Families.ProGan;
using GanService.Training.Training;
using static GanService.Cli.Commands.TrainCommand;

namespace GanService.Cli.Commands;

/// <summary>`gan train progan --data DIR …`: the family's flags and how a run starts; ProGanTrainer does the rest.</summary>
public static class TrainProGanCommand
{
    public static TrainFamily Family() => new(
        ProGanTrainer.Family,
        "train a ProGAN (progressive growing from 4² with fade-in, equalised LR, pixel norm, minibatch stddev, WGAN-GP + drift, EMA). --data: a folder of images (any size; centre-cropped and resized)",
        () => new ProGanOptions(),
        [
            new("--epochs", "epochs", "epochs over the data"),
            new("--size", "size", "final resolution (power of two ≥ 8)"),
            new("--channels", "channels", "1 (grey) or 3 (RGB)"),
            new("--z-dim", "zDim", "latent size"),
            new("--phase-images", "phaseImages", "images per fade-in phase and per stabilisation phase"),
            new("--fmap-max", "fmapMax", "most channels at any resolution"),
            new("--lr", ["lrG", "lrD"], "Adam lr for G and D"),
            new("--limit", "imageLimit", "use only the first N images"),
        ],
        (options, resume, log) =>
        {
            var o = (ProGanOptions)options;
            using var dataset = StyleGanImageFolder.Load(o.Data, o.Size, o.Channels, o.ImageLimit);
            using var trainer = new ProGanTrainer(o);
            log.WriteLine($"{dataset.Count} images; G {NetworkParameters.Count(trainer.G):N0} params, D {NetworkParameters.Count(trainer.D):N0} params; grows 4² → {o.Size}² in phases of {o.PhaseImages} images");
            trainer.Run(dataset, resume, log);
            return 0;
        },
        dir => ReadCheckpoint<ProGanOptions>(dir, ProGanTrainer.Family),
        o => o is ProGanOptions p && p.Batch % p.MbstdGroup != 0 && p.Batch > p.MbstdGroup
            ? $"--batch-size must be a multiple of the minibatch-stddev group {p.MbstdGroup}" : null);
}
