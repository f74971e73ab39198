using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Training;

namespace GanService.Training.Families.Translation;

/// <summary>An image-to-image trainer (pix2pix, CycleGAN, StarGAN): the shared contract on data-loader batches, plus
/// the options every translation family has.</summary>
public interface ITranslationTrainer : ITrainer<Batch>
{
    TranslationOptions Options { get; }
}

/// <summary>A translation run: a <see cref="DataLoader"/>'s batches, and a fixed sample batch spread over the dataset.</summary>
public sealed class TranslationData(DataLoader loader, int sampleCount) : ITrainingData<Batch>
{
    public long StepsPerEpoch => loader.BatchesPerEpoch;
    public IEnumerable<Batch> Epoch(int epoch) => loader.Epoch(epoch);
    public Batch SampleInput { get; } = new(TranslationTraining.SampleIndices(loader.Dataset.Count, sampleCount)
        .Select(i => loader.Dataset.Load(i, 0)).ToArray(), loader.Dataset.Transform.Spec);
}

/// <summary>Runs a translation trainer through the <see cref="TrainingLoop"/>.</summary>
public static class TranslationTraining
{
    public static TrainingState Run(ITranslationTrainer trainer, DataLoader loader, bool resume, TextWriter? console = null)
    {
        var o = trainer.Options;
        // What export will call the data: the given description, else the folder's name and size (never its path).
        var saved = o with { DataDescription = TrainingProvenance.DescribeData(o.DataDescription, o.Data, loader.Dataset.Count) };
        return TrainingLoop.Run(trainer, new TranslationData(loader, o.SampleCount), o.Loop(saved, o.TotalEpochs, resume, console));
    }

    /// <summary>
    /// <paramref name="n"/> dataset indices spread evenly over [0, count): a StarGAN folder dataset is ordered by domain,
    /// so the first n samples would all come from the first domain.
    /// </summary>
    public static int[] SampleIndices(int count, int n) =>
        Enumerable.Range(0, Math.Min(n, count)).Select(i => (int)((long)i * count / Math.Min(n, count))).ToArray();
}
