using GanService.Training.Data;
using GanService.Training.Families.BigGan;
using GanService.Training.Training;
using static GanService.Cli.Commands.TrainCommand;

namespace GanService.Cli.Commands;

/// <summary>`gan train biggan --data DIR …`: the family's flags and how a run starts; BigGanTrainer does the rest.</summary>
public static class TrainBigGanCommand
{
    public static TrainFamily Family() => new(
        BigGanTrainer.Family,
        "train a class-conditional BigGAN (residual G/D, conditional BN, hierarchical z, self-attention, spectral norm, projection D, hinge, orthogonal reg., EMA). --data: an IDX folder with labels or an image folder (sub-folders = classes)",
        () => new BigGanOptions { Data = IdxDataset.FashionMnistFolder },
        [
            new("--epochs", "epochs", "epochs over the data"),
            new("--size", "size", "image size (power of two ≥ 8; 28² IDX images are padded to 32)"),
            new("--channels", "channels", "1 grey or 3 RGB (image folders)"),
            new("--z-dim", "zDim", "latent size (split into blocks + 1 chunks)"),
            new("--g-ch", "gCh", "generator width unit"),
            new("--d-ch", "dCh", "discriminator width unit"),
            new("--attention", "attentionResolution", "resolution of the self-attention block (0 = none)"),
            new("--d-steps", "dSteps", "D steps per G step"),
            new("--ortho", "orthoBeta", "orthogonal regularisation β (0 = off)"),
            new("--limit", "imageLimit", "use only the first N images (0 = all)"),
        ],
        (options, resume, log) =>
        {
            var o = (BigGanOptions)options;
            using var raw = TrainGenerationCommands.LoadData(o.Data, o.Size, o.Channels, o.ImageLimit);
            var dataset = raw.ToSize(o.Size);
            if (dataset.Labels is null) throw new ArgumentException("biggan needs labels (IDX labels file or class sub-folders)");
            if (!resume) o = o with { NumClasses = dataset.ClassNames.Length, ClassNames = dataset.ClassNames };
            if (o.DataLicense == "" && o.Data.Contains("fashion-mnist", StringComparison.OrdinalIgnoreCase))
                o = o with { DataLicense = "MIT (Fashion-MNIST, Zalando Research; Debian dataset-fashion-mnist)", DataDescription = $"Fashion-MNIST train ({dataset.Count} images, 28² padded to {o.Size}²)" };
            var (g, d, _) = BigGanTrainer.Build(o);
            log.WriteLine($"data: {dataset.Count} images {dataset.Channels}×{dataset.Height}×{dataset.Width}, classes {dataset.ClassNames.Length}");
            log.WriteLine($"G {NetworkParameters.Count(g):N0} params, D {NetworkParameters.Count(d):N0} params; z {o.ZDim} in {g.NumChunks} chunks, attention at {o.AttentionResolution}");
            g.Dispose(); d.Dispose();
            BigGanTrainer.Train(o, dataset, resume, log);
            return 0;
        },
        dir => ReadCheckpoint<BigGanOptions>(dir, BigGanTrainer.Family));
}
