using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Training.Families.InfoGan;

/// <summary>InfoGAN: DCGAN G and D with a Q head and categorical + continuous codes.</summary>
public sealed class InfoGanFamily : GanFamily<InfoGanOptions>
{
    public override string Name => InfoGanTrainer.Family;
    public override string Description => "train an InfoGAN (DCGAN G and D, a Q head on D's body; categorical + continuous codes). --data: an IDX folder or an image folder";
    public override InfoGanOptions Defaults() => new() { Data = IdxDataset.FashionMnistFolder };
    public override IExportableFamily Export { get; } = new InfoGanExportFamily();

    public override IReadOnlyList<FamilyFlag> Flags =>
    [
        new("--epochs", "epochs", "epochs over the data"),
        new("--loss", "loss", "adversarial loss: " + AdversarialLosses.Help),
        new("--categories", "categories", "size of the categorical code"),
        new("--continuous", "continuous", "number of continuous codes"),
        new("--lambda", "lambda", "weight of the categorical mutual-information term"),
        new("--z-dim", "zDim", "noise size"),
        new("--ngf", "ngf", "generator width"),
        new("--ndf", "ndf", "discriminator width"),
        new("--size", "size", "image size (16/32/64; 28² IDX images are padded to 32)"),
        new("--limit", "imageLimit", "use only the first N images (0 = all)"),
    ];

    public override int Train(InfoGanOptions options, bool resume, TextWriter log) => ImageRuns.Train(options, log, "; labels unused", (o, dataset) =>
    {
        using var trainer = new InfoGanTrainer(o, dataset);
        trainer.Train(resume, log);
    });
}
