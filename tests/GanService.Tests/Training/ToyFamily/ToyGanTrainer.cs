using System.Globalization;
using GanService.Cli.Commands;
using GanService.Training.Checkpoints;
using GanService.Training.Losses;
using GanService.Training.Training;

namespace GanService.Tests.Training.ToyFamily;

// Step 3 of 4: the step — the trainer contract. Everything else (resume, checkpoints, EMA, metrics.jsonl, loss plot,
// sample grids, progress, limits) is the TrainingLoop's.

/// <summary>One D step on fake.detach(), then one G step with D frozen; non-saturating loss; G_ema averaged by the loop.</summary>
public sealed class ToyGanTrainer : ITrainer<Tensor>
{
    public const string Name = "toy";
    private readonly ToyGanOptions _o;
    private readonly ToyGenerator _g, _gEma;
    private readonly ToyDiscriminator _d;
    private readonly optim.Optimizer _optG, _optD;
    private readonly AdversarialLossKind _loss;
    private Tensor? _real;

    public ToyGanTrainer(ToyGanOptions o)
    {
        _o = o;
        torch.manual_seed(o.Seed);
        _g = new ToyGenerator(o.ZDim, o.Hidden);
        _gEma = new ToyGenerator(o.ZDim, o.Hidden);
        _d = new ToyDiscriminator(o.Hidden);
        GanService.Training.Tricks.WeightAverage.CopyInto(_gEma, _g);
        _optG = new ScalarSafeAdam(_g.parameters(), o.Lr, 0.5, 0.999);
        _optD = new ScalarSafeAdam(_d.parameters(), o.Lr, 0.5, 0.999);
        _loss = AdversarialLosses.Parse(o.Loss);
    }

    public string Family => Name;
    public IReadOnlyDictionary<string, nn.Module> Networks => new Dictionary<string, nn.Module> { ["G"] = _g, ["G_ema"] = _gEma, ["D"] = _d };
    public IReadOnlyDictionary<string, optim.Optimizer> Optimizers => new Dictionary<string, optim.Optimizer> { ["G"] = _optG, ["D"] = _optD };
    public IReadOnlyList<EmaPair> Ema => [new EmaPair("G_ema", "G")];
    public double EmaBeta => _o.EmaBeta;

    public void SetInput(Tensor real) => _real = real;

    public IReadOnlyDictionary<string, double> OptimizeParameters()
    {
        var real = _real ?? throw new InvalidOperationException("SetInput first");
        using var scope = torch.NewDisposeScope();
        var fake = _g.forward(torch.randn(real.shape[0], _o.ZDim));
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
    public (IReadOnlyList<Tensor> Tiles, int Columns) SampleTiles(Tensor sample)
    {
        using var _ = torch.no_grad();
        var p = _gEma.forward(torch.randn(512, _o.ZDim, generator: new torch.Generator(0)));
        var cell = ((p.clamp(-2, 1.999) + 2) / 4 * 32).to_type(ScalarType.Int64);
        var counts = torch.bincount(cell[.., 1] * 32 + cell[.., 0], minlength: 32 * 32).to_type(ScalarType.Float32);
        return ([(counts / counts.max().clamp_min(1) * 2 - 1).reshape(1, 32, 32)], 1);
    }

    public void Dispose() { _g.Dispose(); _gEma.Dispose(); _d.Dispose(); }

    // Step 4 of 4: the registry line's entry — name, description, defaults, the family's own flags, how a run starts.
    public static TrainCommand.TrainFamily Registration => new(Name, "2-D toy GAN on a points file (one \"x,y\" a line)",
        () => new ToyGanOptions(),
        [new("--hidden", "hidden", "MLP width"), new("--lr", "lr", "Adam learning rate")],
        (options, resume, log) =>
        {
            var o = (ToyGanOptions)options;
            using var trainer = new ToyGanTrainer(o);
            var state = TrainingLoop.Run(trainer, new ToyPoints(o), new LoopSettings
            {
                RunDirectory = o.Out, Options = o, Seed = o.Seed, Epochs = o.Epochs, MaxSteps = o.MaxSteps,
                MaxMinutes = o.MaxMinutes, CheckpointMinutes = o.CheckpointMinutes, Resume = resume, Console = log,
            });
            log.WriteLine($"done: step {state.Step}");
            return 0;
        },
        dir => TrainCommand.ReadCheckpoint<ToyGanOptions>(dir, Name));
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
