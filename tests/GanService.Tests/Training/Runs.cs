using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Families.BigGan;
using GanService.Training.Families.Encoders;
using GanService.Training.Families.Gan;
using GanService.Training.Families.InfoGan;
using GanService.Training.Families.StackGan;

namespace GanService.Tests.Training;

/// <summary>A whole run of a family that trains on its own in-memory images, as its descriptor starts it (the trainer
/// built on the data, then <c>Train</c>), without the descriptor's data loading; the trainer is disposed after.</summary>
internal static class Runs
{
    public static TrainingState Generation(GenerationOptions o, LabelledImageSet data, bool resume = false)
    {
        using var t = new GenerationTrainer(o, data);
        return t.Train(resume, TextWriter.Null);
    }

    public static TrainingState InfoGan(InfoGanOptions o, LabelledImageSet data, bool resume = false)
    {
        using var t = new InfoGanTrainer(o, data);
        return t.Train(resume, TextWriter.Null);
    }

    public static TrainingState EncoderGan(EncoderGanOptions o, LabelledImageSet data, bool resume = false)
    {
        using var t = new EncoderGanTrainer(o, data);
        return t.Train(resume, TextWriter.Null);
    }

    public static TrainingState BigGan(BigGanOptions o, LabelledImageSet data, bool resume = false)
    {
        using var t = new BigGanTrainer(o, data);
        return t.Train(resume, TextWriter.Null);
    }

    /// <summary>StackGAN with the vocabulary built from the captions, as `gan train stackgan` starts a new run.</summary>
    public static StackGanOptions StackGan(StackGanOptions o, CaptionedImages data, bool resume = false)
    {
        using var t = new StackGanTrainer(StackGanTrainer.WithVocabulary(o, data, resume), data);
        t.Train(resume, TextWriter.Null);
        return t.Options;
    }
}
