using GanService.Training.Families.InfoGan;
using GanService.Training.Losses;
using GanService.Training.Training;
using static GanService.Cli.Commands.TrainCommand;

namespace GanService.Cli.Commands;

/// <summary>`gan train infogan`: the family's flags and how a run starts; InfoGanTrainer does the rest.</summary>
public static class TrainInfoGanCommand
{
    public static TrainFamily Family() => new(
        InfoGanTrainer.FamilyName,
        "train an InfoGAN (DCGAN G and D, a Q head on D's body; categorical + continuous codes). --data: an IDX folder or an image folder",
        () => new InfoGanOptions { Data = GanService.Training.Data.IdxDataset.FashionMnistFolder },
        [
            new("--epochs", "epochs", "epochs over the data"),
            new("--loss", "loss", "adversarial loss: " + AdversarialLosses.Help),
            new("--categories", "categories", "size of the categorical code"),
            new("--continuous", "continuous", "number of continuous codes"),
            new("--lambda", "lambda", "weight of the categorical mutual-information term"),
            new("--nz", "nz", "noise size"),
            new("--ngf", "ngf", "generator width"),
            new("--ndf", "ndf", "discriminator width"),
            new("--size", "size", "image size (16/32/64; 28² IDX images are padded to 32)"),
            new("--limit", "imageLimit", "use only the first N images (0 = all)"),
        ],
        (options, resume, log) => TrainGenerationCommands.TrainOnImages((InfoGanOptions)options, log, "; labels unused",
            (o, dataset) => InfoGanTrainer.Train(o, dataset, o.Out, resume, log)),
        dir => ReadCheckpoint<InfoGanOptions>(dir, InfoGanTrainer.FamilyName));
}
