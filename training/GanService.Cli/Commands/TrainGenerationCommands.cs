using GanService.Training.Data;
using GanService.Training.Families.Gan;
using GanService.Training.Losses;
using GanService.Training.Training;
using static GanService.Cli.Commands.TrainCommand;

namespace GanService.Cli.Commands;

/// <summary>`gan train gan|dcgan|cgan …`: the families' flags and how a run starts; GenerationTrainer does the rest.</summary>
public static class TrainGenerationCommands
{
    public static IEnumerable<TrainFamily> Families() => new[] { "gan", "dcgan", "cgan" }.Select(Family);

    private static TrainFamily Family(string family) => new(
        family,
        $"train a {family} generator. --data: an IDX folder (train-images-idx3-ubyte[.gz]) or an image folder (sub-folders = classes)",
        () => new GenerationOptions { Family = family, Data = IdxDataset.FashionMnistFolder },
        [
            new("--epochs", "epochs", "epochs over the data"),
            new("--loss", "loss", "adversarial loss: " + AdversarialLosses.Help),
            new("--lr", "lr", "learning rate (default: by loss — 2e-4; WGAN 5e-5; WGAN-GP 1e-4)"),
            new("--size", "size", "image size (DCGAN: 16/32/64; 28² IDX images are padded to 32)"),
            new("--channels", "channels", "1 grey or 3 RGB (image folders)"),
            new("--ngf", "ngf", "generator width"),
            new("--ndf", "ndf", "discriminator width"),
            new("--nz", "nz", "latent size"),
            new("--arch", "arch", "mlp | dcgan (\"\" = gan → mlp, dcgan/cgan → dcgan)"),
            new("--conditioning", "conditioning", "cgan discriminator: concat | projection"),
            new("--limit", "imageLimit", "use only the first N images (0 = all)"),
        ],
        (options, resume, log) => TrainOnImages((GenerationOptions)options, log, "", (o, dataset) =>
        {
            if (family == "cgan" && !resume)
            {
                if (dataset.Labels is null) throw new ArgumentException("cgan needs labels (IDX labels file or class sub-folders)");
                o = o with { NumClasses = dataset.ClassNames.Length, ClassNames = dataset.ClassNames };
            }
            var (g, d, _) = GenerationTrainer.Build(o);
            log.WriteLine($"G {NetworkParameters.Count(g):N0} params, D {NetworkParameters.Count(d):N0} params; n_critic {o.ResolvedNCritic}, lr {o.ResolvedLr}, betas ({o.ResolvedBeta1}, {o.ResolvedBeta2}), D norm {o.ResolvedDNorm}");
            GenerationTrainer.Train(o, dataset, o.Out, resume, TimeSpan.FromMinutes(o.CheckpointMinutes), log);
        }),
        dir => ReadCheckpoint<GenerationOptions>(dir, family));

    /// <summary>
    /// How an image family's run starts: the training images (an IDX folder or an image folder) at the options' size,
    /// a Fashion-MNIST folder the run did not describe given its licence and description (<paramref name="note"/>
    /// appended), one line saying what was loaded, then <paramref name="train"/> with those options and images.
    /// </summary>
    public static int TrainOnImages<T>(T o, TextWriter log, string note, Action<T, LabelledImageSet> train)
        where T : RunOptions, IImageRunOptions
    {
        using var raw = LoadData(o.Data, o.Size, o.Channels, o.ImageLimit);
        var dataset = raw.ToSize(o.Size); // raw itself or its resized copy, which lives as long as the run
        if (o.DataLicense == "" && o.Data.Contains("fashion-mnist", StringComparison.OrdinalIgnoreCase))
            o = (T)(o with
            {
                DataLicense = "MIT (Fashion-MNIST, Zalando Research; Debian dataset-fashion-mnist)",
                DataDescription = $"Fashion-MNIST train ({dataset.Count} images, 28² padded to {o.Size}²{note})",
            });
        log.WriteLine($"data: {dataset.Count} images {dataset.Channels}×{dataset.Height}×{dataset.Width}{(dataset.Labels is null ? "" : $", classes {dataset.ClassNames.Length}")}");
        train(o, dataset);
        return 0;
    }

    public static LabelledImageSet LoadData(string path, int size, int channels, int limit)
    {
        bool idx = Directory.Exists(path) && Directory.GetFiles(path).Any(f => Path.GetFileName(f).Contains("idx3-ubyte", StringComparison.Ordinal));
        return idx ? IdxDataset.LoadFolder(path, limit: limit) : ImageFolderDataset.Load(path, size, channels, limit);
    }
}
