using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Training;

namespace GanService.Training.Families.Translation;

/// <summary>
/// The base of the image-to-image trainers (pix2pix, CycleGAN, StarGAN): data-loader batches as input (A and B on the
/// device), Adam optimisers with the options' betas whose learning rates follow junyanz's linear policy (constant for
/// NEpochs, then linearly to zero over NEpochsDecay), and the run over a <see cref="DataLoader"/>.
/// </summary>
public abstract class TranslationTrainer<TOptions> : GanTrainer<Batch, TOptions> where TOptions : TranslationOptions
{
    private readonly Dictionary<string, double> _baseLr = [];

    protected TranslationTrainer(TOptions options, string family) : base(options, family) { }

    protected Tensor? RealA { get; private set; }
    protected Tensor? RealB { get; private set; }
    protected override int Epochs => Options.TotalEpochs;

    /// <summary>Registers <c>Adam(lr, β1, β2)</c> on <paramref name="parameters"/> under <paramref name="name"/>; its
    /// learning rate decays from <paramref name="lr"/>.</summary>
    protected optim.Optimizer Adam(string name, IEnumerable<Parameter> parameters, double lr)
    {
        _baseLr[name] = lr;
        return Optimizer(name, new ScalarSafeAdam(parameters, lr, Options.Beta1, Options.Beta2));
    }

    /// <summary>The batch's A and B images on the device (StarGAN reads B as the labels' batch instead).</summary>
    public override void SetInput(Batch batch)
    {
        ReleaseInput();
        RealA = batch.A(Device);
        RealB = TakeSecond(batch);
    }

    /// <summary>The second tensor of an input: the target images by default.</summary>
    protected virtual Tensor TakeSecond(Batch batch) => batch.B(Device);

    public override void UpdateLearningRate(int epoch)
    {
        foreach (var (name, opt) in Optimizers) LinearDecay.Apply(opt, _baseLr[name], epoch, Options.NEpochs, Options.NEpochsDecay);
    }

    protected override void ReleaseInput()
    {
        RealA?.Dispose(); RealB?.Dispose();
        RealA = RealB = null;
    }

    /// <summary>The run over <paramref name="loader"/>'s batches, with a fixed sample batch spread over the dataset.</summary>
    public TrainingState Train(DataLoader loader, bool resume, TextWriter? console = null) =>
        Train(new TranslationData(loader, Options.SampleCount), loader.Dataset.Count, resume, console);
}

/// <summary>A translation run: a <see cref="DataLoader"/>'s batches, and a fixed sample batch spread over the dataset.</summary>
public sealed class TranslationData(DataLoader loader, int sampleCount) : ITrainingData<Batch>
{
    public long StepsPerEpoch => loader.BatchesPerEpoch;
    public IEnumerable<Batch> Epoch(int epoch) => loader.Epoch(epoch);
    public Batch SampleInput { get; } = new(SampleIndices(loader.Dataset.Count, sampleCount)
        .Select(i => loader.Dataset.Load(i, 0)).ToArray(), loader.Dataset.Transform.Spec);

    /// <summary>
    /// <paramref name="n"/> dataset indices spread evenly over [0, count): a StarGAN folder dataset is ordered by domain,
    /// so the first n samples would all come from the first domain.
    /// </summary>
    public static int[] SampleIndices(int count, int n) =>
        Enumerable.Range(0, Math.Min(n, count)).Select(i => (int)((long)i * count / Math.Min(n, count))).ToArray();
}
