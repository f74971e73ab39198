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
public sealed class GenerationTrainer : ITrainer<IReadOnlyList<Tensor>>
{
    public const int GridColumns = 8;

    private readonly LabelledImageSet _data;
    private readonly GanStepper _stepper;
    private IReadOnlyList<Tensor> _indices = [];

    public GenerationOptions Options { get; }
    public LatentGenerator G { get; }
    public Discriminator D { get; }
    public LatentGenerator? GEma { get; }
    public string Family => Options.Family;
    public IReadOnlyDictionary<string, nn.Module> Networks
    {
        get
        {
            var networks = new Dictionary<string, nn.Module> { ["G"] = G, ["D"] = D };
            if (GEma is not null) networks["G_ema"] = GEma;
            return networks;
        }
    }
    public IReadOnlyDictionary<string, optim.Optimizer> Optimizers => new Dictionary<string, optim.Optimizer> { ["G"] = _stepper.OptG, ["D"] = _stepper.OptD };
    public IReadOnlyList<EmaPair> Ema => GEma is null ? [] : [new EmaPair("G_ema", "G")];
    public double EmaBeta => Options.EmaBeta;

    public GenerationTrainer(GenerationOptions o, LabelledImageSet data)
    {
        o.RequireCpu(o.Family);
        (Options, _data) = (o, data);
        (G, D, GEma) = Build(o);
        // The EMA is the loop's (Ema above), so the stepper gets none.
        long iterations = GenerationData.IterationsPerEpoch(o, data.Count) * o.Epochs;
        _stepper = new GanStepper(o, G, D) { TotalSteps = o.MaxSteps > 0 ? Math.Min(o.MaxSteps, iterations) : iterations };
    }

    public void SetInput(IReadOnlyList<Tensor> indices) => _indices = indices;

    public IReadOnlyDictionary<string, double> OptimizeParameters() =>
        _stepper.Iterate(_indices.Select(idx => (_data.Batch(idx), Options.Conditional ? _data.BatchLabels(idx) : null)).ToList());

    public void Restore(TrainingState state) => _stepper.Step = state.Step;

    public (IReadOnlyList<Tensor> Tiles, int Columns) SampleTiles(IReadOnlyList<Tensor> sample) => (Samples(GEma ?? G, Options), GridColumns);

    public void Dispose() => _stepper.Dispose();

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
        var z = torch.tensor(SeedLatent.Batch(seeds, o.Nz), [seeds.Length, o.Nz]);
        Tensor? labels = o.Conditional ? torch.tensor(seeds.Select(s => (long)(s / GridColumns)).ToArray(), ScalarType.Int64) : null;
        return (z, labels);
    }

    public static List<Tensor> Samples(LatentGenerator g, GenerationOptions o)
    {
        bool was = g.training;
        g.eval();
        try
        {
            using var _ = torch.no_grad();
            var (z, labels) = GridInputs(o);
            var images = g.Generate(z, labels);
            return Enumerable.Range(0, (int)images.shape[0]).Select(i => images[i]).ToList();
        }
        finally { g.train(was); }
    }

    /// <summary>Trains through the <see cref="TrainingLoop"/> into <paramref name="outDir"/> (checkpoint/, samples/, losses.csv, metrics.jsonl).</summary>
    public static void Train(GenerationOptions o, LabelledImageSet data, string outDir, bool resume, TimeSpan checkpointEvery, TextWriter? console = null)
    {
        using var trainer = new GenerationTrainer(o, data);
        // What export will call the data: the given description, else the folder's name and size (never its path).
        var saved = o with { DataDescription = TrainingProvenance.DescribeData(o.DataDescription, o.Data, data.Count) };
        TrainingLoop.Run(trainer, new GenerationData(o, data.Count),
            o.Loop(saved, o.Epochs, resume, console) with { RunDirectory = outDir, CheckpointMinutes = checkpointEvery.TotalMinutes });
    }
}

/// <summary>The index batches of a generation run: a permutation per epoch (seeded once per run), cut into
/// iterations of n_critic batches; images left over at an epoch's end wait for the next permutation.</summary>
public sealed class GenerationData(GenerationOptions o, long count) : ITrainingData<IReadOnlyList<Tensor>>
{
    private readonly torch.Generator _rng = new((ulong)o.Seed + 1);

    public static long IterationsPerEpoch(GenerationOptions o, long count)
    {
        long perIteration = (long)o.Batch * o.ResolvedNCritic;
        long iterations = count / perIteration;
        if (iterations < 1) throw new ArgumentException($"{count} images are fewer than one iteration ({perIteration})");
        return iterations;
    }

    public long StepsPerEpoch { get; } = IterationsPerEpoch(o, count);

    /// <summary>A family that takes one image batch per step (InfoGAN, AAE, ALI): its trainer through the
    /// <see cref="TrainingLoop"/> on this data's seeded batches, with the options as the checkpoint stores them (the data
    /// described, never its path).</summary>
    public static void RunOneBatchPerStep(ITrainer<IReadOnlyList<Tensor>> trainer, RunOptions o, object savedOptions, long count, int batch, int epochs,
        string outDir, bool resume, TextWriter? console) =>
        TrainingLoop.Run(trainer, new GenerationData(new GenerationOptions { Batch = batch, Seed = o.Seed, NCritic = 1 }, count),
            o.Loop(savedOptions, epochs, resume, console) with { RunDirectory = outDir });
    public IReadOnlyList<Tensor> SampleInput => [];

    public IEnumerable<IReadOnlyList<Tensor>> Epoch(int epoch)
    {
        // Made inside the first step's dispose scope, but it serves the whole epoch.
        var perm = torch.randperm(count, generator: _rng).DetachFromDisposeScope();
        try
        {
            int nCritic = o.ResolvedNCritic;
            for (long it = 0; it < StepsPerEpoch; it++)
                yield return Enumerable.Range(0, nCritic).Select(k => perm.narrow(0, (it * nCritic + k) * o.Batch, o.Batch)).ToList();
        }
        finally { perm.Dispose(); }
    }
}
