using GanService.Training.Families.StackGan;
using static GanService.Cli.Commands.TrainCommand;

namespace GanService.Cli.Commands;

/// <summary>`gan train stackgan --data DIR …`: the family's flags and how a run starts; StackGanTrainer does the rest.</summary>
public static class TrainStackGanCommand
{
    public static TrainFamily Family() => new(
        StackGanTrainer.FamilyName,
        "train a StackGAN text-to-image model (text encoder + image encoder by matching loss, then Stage I 32², then Stage II 64²). " +
        "--data: a folder with captions.tsv (file<TAB>caption[<TAB>caption…]), e.g. `gan datasets shapes --layout captions` or `gan datasets emoji-captions`",
        () => new StackGanOptions(),
        [
            new("--size", "size", "Stage-II (output) size"),
            new("--stage-one-size", "stageOneSize", "Stage-I size"),
            new("--encoder-steps", "encoderSteps", "phase 1: text + image encoder steps (matching loss)"),
            new("--stage-one-steps", "stageOneSteps", "phase 2: Stage-I GAN steps"),
            new("--stage-two-steps", "stageTwoSteps", "phase 3: Stage-II GAN steps (Stage I frozen)"),
            new("--kl", "klCoefficient", "KL coefficient of Conditioning Augmentation"),
            new("--lr", "lr", "Adam learning rate of both GAN stages"),
            new("--max-tokens", "maxTokens", "token input length (longer captions keep their first known words)"),
        ],
        (options, resume, log) =>
        {
            var o = (StackGanOptions)options;
            using var data = CaptionedImages.Load(o.Data, o.Size);
            log.WriteLine($"{data.Count} captioned images from {o.Data}");
            var saved = StackGanTrainer.Train(o, data, resume, log);
            log.WriteLine($"vocabulary: {saved.Vocabulary.Length} words; checkpoint {Path.Combine(o.Out, "checkpoint")}");
            return 0;
        },
        dir => ReadCheckpoint<StackGanOptions>(dir, StackGanTrainer.FamilyName));
}
