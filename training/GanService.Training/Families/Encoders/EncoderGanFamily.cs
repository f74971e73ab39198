using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Training.Families.Encoders;

/// <summary>aae and ali: the encoder families (one options record and trainer, two names).</summary>
public sealed class EncoderGanFamily(string name) : GanFamily<EncoderGanOptions>
{
    public override string Name => name;
    public override string Description => name == "ali"
        ? "train ALI/BiGAN (encoder E, generator G, joint discriminator on (x, z)). --data: an IDX folder or an image folder"
        : "train an adversarial autoencoder (encoder, decoder, adversarial prior on z: --set prior=gaussian|mixture10). --data: an IDX folder or an image folder";
    public override EncoderGanOptions Defaults() => new() { Family = name, Data = IdxDataset.FashionMnistFolder };
    public override IExportableFamily Export { get; } = new EncoderGanExportFamily(name);

    public override IReadOnlyList<FamilyFlag> Flags =>
    [
        new("--epochs", "epochs", "epochs over the data"),
        new("--loss", "loss", "adversarial loss: " + AdversarialLosses.Help),
        new("--z-dim", "zDim", "latent size"),
        new("--prior", "prior", "aae: gaussian | mixture10"),
        new("--ngf", "ngf", "decoder width"),
        new("--ndf", "ndf", "encoder / discriminator width"),
        new("--size", "size", "image size (16/32/64; 28² IDX images are padded to 32)"),
        new("--limit", "imageLimit", "use only the first N images (0 = all)"),
    ];

    public override int Train(EncoderGanOptions options, bool resume, TextWriter log) => ImageRuns.Train(options, log, "; labels unused", (o, dataset) =>
    {
        using var trainer = new EncoderGanTrainer(o, dataset);
        trainer.Train(resume, log);
    });
}
