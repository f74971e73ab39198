using GanService.Training.Export;
using GanService.Training.Training;
using GanService.Training.Tricks;

namespace GanService.Training.Families.StackGan;

/// <summary>StackGAN: text-to-image in three phases (encoders, Stage I, Stage II) on captioned images.</summary>
public sealed class StackGanFamily : GanFamily<StackGanOptions>
{
    public override string Name => StackGanTrainer.Family;
    public override string Description => "train a StackGAN text-to-image model (text encoder + image encoder by matching loss, then Stage I 32², then Stage II 64²; ADA optional). " +
        "--data: a folder with captions.tsv (file<TAB>caption[<TAB>caption…]), e.g. `gan datasets shapes --layout captions` or `gan datasets emoji-captions`";
    public override StackGanOptions Defaults() => new();
    public override IExportableFamily Export { get; } = new StackGanExportFamily();

    public override IReadOnlyList<FamilyFlag> Flags =>
    [
        new("--size", "size", "Stage-II (output) size"),
        new("--stage-one-size", "stageOneSize", "Stage-I size"),
        new("--encoder-steps", "encoderSteps", "phase 1: text + image encoder steps (matching loss)"),
        new("--stage-one-steps", "stageOneSteps", "phase 2: Stage-I GAN steps"),
        new("--stage-two-steps", "stageTwoSteps", "phase 3: Stage-II GAN steps (Stage I frozen)"),
        new("--kl", "klCoefficient", "KL coefficient of Conditioning Augmentation"),
        new("--lr", "lr", "Adam learning rate of both GAN stages"),
        new("--max-tokens", "maxTokens", "token input length (longer captions keep their first known words)"),
        .. AdaOptions.Flags,
    ];

    // Captioned images are RGB (CaptionedImages), so the colour group always applies.
    public override string? Check(StackGanOptions o) => o.Augmentation.Problem(imageChannels: 3);

    public override int Train(StackGanOptions options, bool resume, TextWriter log)
    {
        using var data = CaptionedImages.Load(options.Data, options.Size);
        log.WriteLine($"{data.Count} captioned images from {options.Data}");
        using var trainer = new StackGanTrainer(StackGanTrainer.WithVocabulary(options, data, resume), data);
        trainer.Train(resume, log);
        log.WriteLine($"vocabulary: {trainer.Options.Vocabulary.Length} words; checkpoint {Path.Combine(options.Out, TrainingRun.CheckpointFolder)}");
        return 0;
    }
}
