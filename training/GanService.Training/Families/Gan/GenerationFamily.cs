using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Training.Families.Gan;

/// <summary>gan, dcgan and cgan: one options record and trainer, three names (the architecture and conditioning follow
/// the name unless the options say otherwise).</summary>
public sealed class GenerationFamily(string name) : GanFamily<GenerationOptions>
{
    public override string Name => name;
    public override string Description => $"train a {name} generator. --data: an IDX folder (train-images-idx3-ubyte[.gz]) or an image folder (sub-folders = classes)";
    public override GenerationOptions Defaults() => new() { Family = name, Data = IdxDataset.FashionMnistFolder };
    public override IExportableFamily Export { get; } = new GenerationExportFamily(name);

    public override IReadOnlyList<FamilyFlag> Flags =>
    [
        new("--epochs", "epochs", "epochs over the data"),
        new("--loss", "loss", "adversarial loss: " + AdversarialLosses.Help),
        new("--lr", "lr", "learning rate (default: by loss — 2e-4; WGAN 5e-5; WGAN-GP 1e-4)"),
        new("--size", "size", "image size (DCGAN: 16/32/64; 28² IDX images are padded to 32)"),
        new("--channels", "channels", "1 grey or 3 RGB (image folders)"),
        new("--ngf", "ngf", "generator width"),
        new("--ndf", "ndf", "discriminator width"),
        new("--z-dim", "zDim", "latent size"),
        new("--arch", "arch", "mlp | dcgan (\"\" = gan → mlp, dcgan/cgan → dcgan)"),
        new("--conditioning", "conditioning", "cgan discriminator: concat | projection"),
        new("--limit", "imageLimit", "use only the first N images (0 = all)"),
    ];

    public override int Train(GenerationOptions options, bool resume, TextWriter log) => ImageRuns.Train(options, log, "", (o, dataset) =>
    {
        if (name == "cgan" && !resume)
        {
            if (dataset.Labels is null) throw new ArgumentException("cgan needs labels (IDX labels file or class sub-folders)");
            o = o with { NumClasses = dataset.ClassNames.Length, ClassNames = dataset.ClassNames };
        }
        using var trainer = new GenerationTrainer(o, dataset);
        log.WriteLine($"G {NetworkParameters.Count(trainer.G):N0} params, D {NetworkParameters.Count(trainer.D):N0} params; n_critic {o.ResolvedNCritic}, lr {o.ResolvedLr}, betas ({o.ResolvedBeta1}, {o.ResolvedBeta2}), D norm {o.ResolvedDNorm}");
        trainer.Train(resume, log);
    });
}
