using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Export;
using GanService.Training.Training;

namespace GanService.Training.Families.Gan;

/// <summary>
/// gan / dcgan / cgan on a <see cref="LabelledImageSet"/> for the <see cref="TrainingLoop"/>: an input is the index
/// batches of one iteration (n_critic of them, each seen once by D per epoch); the step is <see cref="GanStepper"/>;
/// G_ema, when kept, is averaged by the loop; the sample grid is fixed seeds (SeedLatent, rows = classes for cGAN).
/// </summary>
public sealed class GenerationTrainer : GanTrainer<IReadOnlyList<Tensor>, GenerationOptions>
{
    public const int GridColumns = 8;

    private readonly LabelledImageSet _data;
    private readonly GanStepper _stepper;
    private IReadOnlyList<Tensor> _indices = [];

    public LatentGenerator G { get; }
    public Discriminator D { get; }
    public LatentGenerator? GEma { get; }
    public override IReadOnlyList<EmaPair> Ema => GEma is null ? [] : [new EmaPair("G_ema", "G")];
    public override double EmaBeta => Options.EmaBeta;
    protected override int Epochs => Options.Epochs;

    public GenerationTrainer(GenerationOptions o, LabelledImageSet data) : base(o, o.Family)
    {
        _data = data;
        (G, D, GEma) = Build(o);
        // Moved before the stepper makes the optimisers over their parameters.
        G.to(Device); D.to(Device); GEma?.to(Device);
        Network("G", G); Network("D", D);
        if (GEma is not null) Network("G_ema", GEma);
        // The EMA is the loop's (Ema above), so the stepper gets none.
        long iterations = IndexBatches.StepsIn(data.Count, o.Batch, o.ResolvedNCritic) * o.Epochs;
        _stepper = Owned(new GanStepper(o, G, D) { TotalSteps = o.MaxSteps > 0 ? Math.Min(o.MaxSteps, iterations) : iterations });
        Optimizer("G", _stepper.OptG); Optimizer("D", _stepper.OptD);
    }

    public override void SetInput(IReadOnlyList<Tensor> indices) => _indices = indices;

    public override IReadOnlyDictionary<string, double> OptimizeParameters() =>
        _stepper.Iterate(_indices.Select(idx => (_data.Batch(idx).to(Device), Options.Conditional ? _data.BatchLabels(idx)?.to(Device) : null)).ToList());

    public override void Restore(TrainingState state) => _stepper.Step = state.Step;

    protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(IReadOnlyList<Tensor> sample) => (Samples(GEma ?? G, Options), GridColumns);

    public static (LatentGenerator G, Discriminator D, LatentGenerator? GEma) Build(GenerationOptions o)
    {
        torch.manual_seed(o.Seed);
        var g = GenerationNetworks.Generator(o);
        var d = GenerationNetworks.Discriminator(o);
        var ema = o.EmaBeta > 0 ? Tricks.WeightAverage.Shadow(g, GenerationNetworks.Generator(o)) : null;
        return (g, d, ema);
    }

    /// <summary>Fixed-seed grid: seeds 0…n−1 through SeedLatent; cGAN: row r asks for class r (10 × 8).</summary>
    public static (Tensor Z, Tensor? Labels) GridInputs(GenerationOptions o)
    {
        int rows = o.Conditional ? o.NumClasses : GridColumns;
        var seeds = Enumerable.Range(0, rows * GridColumns).Select(i => (uint)i).ToArray();
        var z = torch.tensor(SeedLatent.Batch(seeds, o.ZDim), [seeds.Length, o.ZDim]);
        Tensor? labels = o.Conditional ? torch.tensor(seeds.Select(s => (long)(s / GridColumns)).ToArray(), ScalarType.Int64) : null;
        return (z, labels);
    }

    public static List<Tensor> Samples(LatentGenerator g, GenerationOptions o)
    {
        using var scope = EvalScope.Of(g);
        var (z, labels) = GridInputs(o);
        var device = g.parameters().First().device;
        var images = g.Generate(z.to(device), labels?.to(device)).cpu();
        return Enumerable.Range(0, (int)images.shape[0]).Select(i => images[i]).ToList();
    }

    /// <summary>The run over the trainer's own images into <see cref="RunOptions.Out"/>.</summary>
    public TrainingState Train(bool resume, TextWriter? console = null) =>
        Train(new IndexBatches(_data.Count, Options.Batch, Options.ResolvedNCritic, Options.Seed), _data.Count, resume, console);
}
