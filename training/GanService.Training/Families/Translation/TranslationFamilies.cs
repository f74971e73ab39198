using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Import;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Training.Families.Translation;

/// <summary>
/// An image-to-image family (junyanz train.py's flags): a dataset from the options, a trainer on it, the run over a
/// <see cref="DataLoader"/>. pix2pix, CycleGAN and StarGAN differ in their dataset, trainer and own flags.
/// </summary>
public abstract class TranslationFamily<TOptions> : GanFamily<TOptions> where TOptions : TranslationOptions
{
    protected abstract IReadOnlyList<FamilyFlag> OwnFlags { get; }
    protected abstract IImageDataset Dataset(TOptions o);
    protected abstract TranslationTrainer<TOptions> Trainer(TOptions o, IImageDataset data);

    public override IReadOnlyList<FamilyFlag> Flags =>
    [
        new("--epochs", "nEpochs", "epochs at the initial learning rate"), new("--epochs-decay", "nEpochsDecay", "epochs of linear LR decay"),
        new("--load-size", "loadSize", "resize to this before the random crop"), new("--crop-size", "cropSize", "training / model image size"),
        new("--lr", "lr", "Adam learning rate"), new("--direction", "direction", "AtoB | BtoA"), .. OwnFlags,
    ];

    protected static ImageTransform Transform(TranslationOptions o) => new(o.LoadSize, o.CropSize, !o.NoFlip, o.InputChannels);

    public override int Train(TOptions o, bool resume, TextWriter log)
    {
        var ds = Dataset(o);
        using var t = Trainer(o, ds);
        var loader = new DataLoader(ds, o.BatchSize, o.Seed, shuffle: true, o.Workers, o.Prefetch, log);
        log.WriteLine($"{Name}: {ds.Count} training samples, {loader.BatchesPerEpoch} batches/epoch, {o.TotalEpochs} epochs → {o.Out}");
        var state = t.Train(loader, resume, log);
        log.WriteLine($"done: epoch {state.Epoch}, step {state.Step}, checkpoint {Path.Combine(o.Out, TrainingRun.CheckpointFolder)}");
        return 0;
    }
}

/// <summary>pix2pix: paired A→B translation.</summary>
public sealed class Pix2PixFamily : TranslationFamily<Pix2PixOptions>
{
    public override string Name => Pix2PixTrainer.Family;
    public override string Description => "pix2pix: paired A→B translation (U-Net G, PatchGAN D, GAN + λ·L1). --data: A|B images in DIR[/train] or A/ + B/ folders";
    public override Pix2PixOptions Defaults() => new();
    public override IExportableFamily Export { get; } = new Pix2PixExportFamily();
    public override ICheckpointImporter Importer { get; } = new JunyanzGeneratorImporter(Pix2PixTrainer.Family);

    protected override IReadOnlyList<FamilyFlag> OwnFlags =>
    [
        new("--netG", "netG", "unet_256 | unet_128 | unet_<size> | resnet_<n>blocks"), new("--netD", "netD", "basic | n_layers | pixel"),
        new("--ngf", "ngf", "generator width"), new("--ndf", "ndf", "discriminator width"), new("--norm", "norm", "batch | instance | none"),
        new("--loss", "loss", "adversarial loss (junyanz --gan_mode): " + AdversarialLosses.Help), new("--lambda-l1", "lambdaL1", "L1 weight"),
    ];

    protected override IImageDataset Dataset(Pix2PixOptions o) => new AlignedDataset(o.Data, Transform(o), o.ParsedDirection, o.Seed);
    protected override TranslationTrainer<Pix2PixOptions> Trainer(Pix2PixOptions o, IImageDataset data) => new Pix2PixTrainer(o);
}

/// <summary>CycleGAN: unpaired A↔B translation.</summary>
public sealed class CycleGanFamily : TranslationFamily<CycleGanOptions>
{
    public override string Name => CycleGanTrainer.Family;
    public override string Description => "CycleGAN: unpaired A↔B (ResNet G ×2, PatchGAN D ×2, LSGAN + cycle + identity). --data: DIR with trainA/ and trainB/";
    public override CycleGanOptions Defaults() => new();
    public override IExportableFamily Export { get; } = new CycleGanExportFamily();
    public override ICheckpointImporter Importer { get; } = new JunyanzGeneratorImporter(CycleGanTrainer.Family);

    protected override IReadOnlyList<FamilyFlag> OwnFlags =>
    [
        new("--netG", "netG", "resnet_9blocks | resnet_6blocks | unet_<size>"), new("--netD", "netD", "basic | n_layers | pixel"),
        new("--ngf", "ngf", "generator width"), new("--ndf", "ndf", "discriminator width"), new("--norm", "norm", "instance | batch | none"),
        new("--loss", "loss", "adversarial loss (junyanz --gan_mode): " + AdversarialLosses.Help), new("--pool-size", "poolSize", "image history pool"),
        new("--lambda-identity", "lambdaIdentity", "identity weight relative to λ_cycle"),
    ];

    protected override IImageDataset Dataset(CycleGanOptions o) => new UnalignedDataset(o.Data, Transform(o), o.ParsedDirection, o.Seed);
    protected override TranslationTrainer<CycleGanOptions> Trainer(CycleGanOptions o, IImageDataset data) => new CycleGanTrainer(o);
}

/// <summary>StarGAN: multi-domain translation; the domains come from the data.</summary>
public sealed class StarGanFamily : TranslationFamily<StarGanOptions>
{
    public override string Name => StarGanTrainer.Family;
    public override string Description => "StarGAN: multi-domain translation (one G conditioned on the target label, WGAN-GP D with a classifier). --data: one sub-folder per domain, or images + --set attrFile=list_attr.txt";
    public override StarGanOptions Defaults() => new();
    public override IExportableFamily Export { get; } = new StarGanExportFamily();
    public override ICheckpointImporter Importer { get; } = new StarGanImporter();

    protected override IReadOnlyList<FamilyFlag> OwnFlags =>
    [
        new("--conv-dim", "gConvDim", "generator width"), new("--d-conv-dim", "dConvDim", "discriminator width"),
        new("--g-repeat", "gRepeat", "residual blocks in G"), new("--d-repeat", "dRepeat", "stride-2 convs in D"),
        new("--n-critic", "nCritic", "D steps per G step"), new("--attr-file", "attrFile", "CelebA-style attribute list"),
        new("--attrs", "selectedAttrs", "comma-separated attributes to use from --attr-file"),
    ];

    protected override IImageDataset Dataset(StarGanOptions o) => o.AttrFile is null
        ? LabelledDataset.FromFolders(o.Data, Transform(o), o.Seed)
        : LabelledDataset.FromAttributeFile(o.Data, o.AttrFile, o.SelectedAttrs, Transform(o), o.Seed);

    protected override TranslationTrainer<StarGanOptions> Trainer(StarGanOptions o, IImageDataset data)
    {
        var labelled = (LabelledDataset)data;
        if (o.Labels.Length > 0 && !o.Labels.SequenceEqual(labelled.Domains))
            throw new ArgumentException($"the checkpoint was trained on domains {string.Join(", ", o.Labels)}, the data has {string.Join(", ", labelled.Domains)}");
        return new StarGanTrainer(o with { Labels = [.. labelled.Domains], MultiLabel = labelled.MultiLabel });
    }
}
