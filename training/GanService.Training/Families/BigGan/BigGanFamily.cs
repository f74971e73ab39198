using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Training;

namespace GanService.Training.Families.BigGan;

/// <summary>BigGAN: class-conditional; the classes come from the data when a run starts.</summary>
public sealed class BigGanFamily : GanFamily<BigGanOptions>
{
    public override string Name => BigGanTrainer.Family;
    public override string Description => "train a class-conditional BigGAN (residual G/D, conditional BN, hierarchical z, self-attention, spectral norm, projection D, hinge, orthogonal reg., EMA). --data: an IDX folder with labels or an image folder (sub-folders = classes)";
    public override BigGanOptions Defaults() => new() { Data = IdxDataset.FashionMnistFolder };
    public override IExportableFamily Export { get; } = new BigGanExportFamily();

    public override IReadOnlyList<FamilyFlag> Flags =>
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
    ];

    public override int Train(BigGanOptions options, bool resume, TextWriter log) => ImageRuns.Train(options, log, "", (o, dataset) =>
    {
        if (dataset.Labels is null) throw new ArgumentException("biggan needs labels (IDX labels file or class sub-folders)");
        if (!resume) o = o with { NumClasses = dataset.ClassNames.Length, ClassNames = dataset.ClassNames };
        using var trainer = new BigGanTrainer(o, dataset);
        log.WriteLine($"G {NetworkParameters.Count(trainer.G):N0} params, D {NetworkParameters.Count(trainer.D):N0} params; z {o.ZDim} in {trainer.G.NumChunks} chunks, attention at {o.AttentionResolution}");
        trainer.Train(resume, log);
    });
}
