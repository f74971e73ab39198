using System.Globalization;
using GanService.Training.Checkpoints;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Tests.Training.ToyFamily;

// Step 3 of 4: the step. GanTrainer owns the rest of a trainer's life (disposal of what it registers, eval mode for
// the sample grid, the launch through the TrainingLoop, which does resume, checkpoints, EMA, metrics.jsonl, loss plot,
// sample grids, progress and limits).

/// <summary>One D step on fake.detach(), then one G step with D frozen; non-saturating loss; G_ema averaged by the loop.</summary>
public sealed class ToyGanTrainer : GanTrainer<Tensor, ToyGanOptions>
{
    public const string Family = "toy";
    private readonly ToyGenerator _g, _gEma;
    private readonly ToyDiscriminator _d;
    private readonly optim.Optimizer _optG, _optD;
    private readonly AdversarialLossKind _loss;
    private Tensor? _real;

    public ToyGanTrainer(ToyGanOptions o) : base(o, Family)
    {
        torch.manual_seed(o.Seed);
        _g = Network("G", new ToyGenerator(o.ZDim, o.Hidden));
        _gEma = Network("G_ema", new ToyGenerator(o.ZDim, o.Hidden));
        _d = Network("D", new ToyDiscriminator(o.Hidden));
        GanService.Training.Tricks.WeightAverage.CopyInto(_gEma, _g);
        _optG = Optimizer("G", new ScalarSafeAdam(_g.parameters(), o.Lr, 0.5, 0.999));
        _optD = Optimizer("D", new ScalarSafeAdam(_d.parameters(), o.Lr, 0.5, 0.999));
        _loss = AdversarialLosses.Parse(o.Loss);
    }

    public override IReadOnlyList<EmaPair> Ema => [new EmaPair("G_ema", "G")];
    public override double EmaBeta => Options.EmaBeta;
    protected override int Epochs => Options.Epochs;

    public override void SetInput(Tensor real) => _real = real;

    public override IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var real = _real ?? throw new InvalidOperationException("SetInput first");
        using var scope = torch.NewDisposeScope();
        var fake = _g.forward(torch.randn(real.shape[0], Options.ZDim));
        _optD.zero_grad();
        var lossD = AdversarialLosses.Discriminator(_loss, _d.forward(real), _d.forward(fake.detach()));
        lossD.backward();
        _optD.step();
        NetworkParameters.SetRequiresGrad(false, _d);
        _optG.zero_grad();
        var lossG = AdversarialLosses.Generator(_loss, _d.forward(fake));
        lossG.backward();
        _optG.step();
        NetworkParameters.SetRequiresGrad(true, _d);
        return new Dictionary<string, double> { ["D"] = lossD.item<float>(), ["G"] = lossG.item<float>() };
    }

    /// <summary>One tile: a 32×32 histogram of 512 G_ema points over [−2, 2]², grey in [-1, 1].</summary>
    protected override (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(Tensor sample)
    {
        var p = _gEma.forward(torch.randn(512, Options.ZDim, generator: new torch.Generator(0)));
        var cell = ((p.clamp(-2, 1.999) + 2) / 4 * 32).to_type(ScalarType.Int64);
        var counts = torch.bincount(cell[.., 1] * 32 + cell[.., 0], minlength: 32 * 32).to_type(ScalarType.Float32);
        return ([(counts / counts.max().clamp_min(1) * 2 - 1).reshape(1, 32, 32)], 1);
    }
}

// Step 4 of 4: the descriptor — name, description, defaults, the family's own flags, how a run starts — and its one
// line in GanFamilies (the test registers it for its duration with GanFamilies.Register).

/// <summary>`gan train toy`: the toy family as the CLI sees it.</summary>
public sealed class ToyGanFamily : GanFamily<ToyGanOptions>
{
    public override string Name => ToyGanTrainer.Family;
    public override string Description => "2-D toy GAN on a points file (one \"x,y\" a line)";
    public override ToyGanOptions Defaults() => new();
    public override IReadOnlyList<FamilyFlag> Flags => [new("--hidden", "hidden", "MLP width"), new("--lr", "lr", "Adam learning rate")];

    public override int Train(ToyGanOptions o, bool resume, TextWriter log)
    {
        var points = new ToyPoints(o);
        using var trainer = new ToyGanTrainer(o);
        var state = trainer.Train(points, points.Count, resume, log);
        log.WriteLine($"done: step {state.Step}");
        return 0;
    }
}

/// <summary>The points file, shuffled per epoch by (seed, epoch), in batches of BatchSize (the last partial one dropped).</summary>
public sealed class ToyPoints : ITrainingData<Tensor>
{
    private readonly float[] _xy;
    private readonly ToyGanOptions _o;

    public ToyPoints(ToyGanOptions o)
    {
        _o = o;
        _xy = File.ReadLines(o.Data).Where(l => l.Trim().Length > 0)
            .SelectMany(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();
    }

    public long Count => _xy.Length / 2;
    public long StepsPerEpoch => _xy.Length / 2 / _o.BatchSize;
    public Tensor SampleInput => torch.zeros(0, 2);

    public IEnumerable<Tensor> Epoch(int epoch)
    {
        var order = Enumerable.Range(0, _xy.Length / 2).ToArray();
        new Random(_o.Seed * 7919 + epoch).Shuffle(order); // a function of (seed, epoch), so a resume can skip batches
        for (long b = 0; b < StepsPerEpoch; b++)
        {
            var rows = order.Skip((int)(b * _o.BatchSize)).Take(_o.BatchSize).SelectMany(i => new[] { _xy[2 * i], _xy[2 * i + 1] }).ToArray();
            yield return torch.tensor(rows, [_o.BatchSize, 2]);
        }
    }
}
