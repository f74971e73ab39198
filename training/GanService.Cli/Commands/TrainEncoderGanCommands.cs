using GanService.Training.Families.Encoders;
using GanService.Training.Losses;
using static GanService.Cli.Commands.TrainCommand;

namespace GanService.Cli.Commands;

/// <summary>`gan train aae|ali`: the encoder families' flags and how a run starts; EncoderGanTrainer does the rest.</summary>
public static class TrainEncoderGanCommands
{
    public static IEnumerable<TrainFamily> Families() => new[] { "aae", "ali" }.Select(Family);

    private static TrainFamily Family(string family) => new(
        family,
        family == "ali"
            ? "train ALI/BiGAN (encoder E, generator G, joint discriminator on (x, z)). --data: an IDX folder or an image folder"
            : "train an adversarial autoencoder (encoder, decoder, adversarial prior on z: --set prior=gaussian|mixture10). --data: an IDX folder or an image folder",
        () => new EncoderGanOptions { Family = family, Data = GanService.Training.Data.IdxDataset.FashionMnistFolder },
        [
            new("--epochs", "epochs", "epochs over the data"),
            new("--loss", "loss", "adversarial loss: " + AdversarialLosses.Help),
            new("--nz", "nz", "latent size"),
            new("--prior", "prior", "aae: gaussian | mixture10"),
            new("--ngf", "ngf", "decoder width"),
            new("--ndf", "ndf", "encoder / discriminator width"),
            new("--size", "size", "image size (16/32/64; 28² IDX images are padded to 32)"),
            new("--limit", "imageLimit", "use only the first N images (0 = all)"),
        ],
        (options, resume, log) => TrainGenerationCommands.TrainOnImages((EncoderGanOptions)options, log, "; labels unused",
            (o, dataset) => EncoderGanTrainer.Train(o, dataset, o.Out, resume, log)),
        dir => ReadCheckpoint<EncoderGanOptions>(dir, family));
}
