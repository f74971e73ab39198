using GanService.Training.Checkpoints;

namespace GanService.Training.Training;

/// <summary>
/// The base of every family's trainer (junyanz BaseModel's role): it owns the networks and optimisers a family
/// registers (checkpoint names, disposal), the device the options name, eval-mode scoping for the sample grid, and the
/// launch through <see cref="TrainingLoop"/> with the data described for the checkpoint. A family writes its
/// networks, <see cref="SetInput"/>, <see cref="OptimizeParameters"/>, <see cref="DrawSamples"/> and its options.
/// </summary>
public abstract class GanTrainer<TInput, TOptions> : ITrainer<TInput> where TOptions : RunOptions
{
    private readonly Dictionary<string, nn.Module> _networks = [];
    private readonly Dictionary<string, optim.Optimizer> _optimizers = [];
    private readonly List<IDisposable> _owned = [];
    private bool _disposed;

    private readonly string _family;

    /// <summary><paramref name="family"/>: the name written to the checkpoint (each family's <c>const string Family</c>).</summary>
    protected GanTrainer(TOptions options, string family)
    {
        Options = options;
        _family = family;
        Device = Devices.Parse(options.Device);
    }

    public TOptions Options { get; }
    /// <summary>Where the family's networks and step tensors live (from <see cref="RunOptions.Device"/>).</summary>
    public Device Device { get; }
    string ITrainer<TInput>.Family => _family;
    public IReadOnlyDictionary<string, nn.Module> Networks => _networks;
    public IReadOnlyDictionary<string, optim.Optimizer> Optimizers => _optimizers;
    public virtual IReadOnlyList<EmaPair> Ema => [];
    /// <summary>The run's adaptive augmentation (<see cref="UseAugmentation"/>), or null.</summary>
    public Tricks.AdaAugment? Augmentation { get; private set; }
    public virtual double EmaBeta => 0;
    public virtual bool EqualizedLearningRate => false;
    /// <summary>Epochs of a whole run (the loop's limit before --max-steps / --max-minutes).</summary>
    protected abstract int Epochs { get; }
    /// <summary>The run's step limit (≤ 0 = none): the options' <see cref="RunOptions.MaxSteps"/> unless a family's
    /// schedule ends sooner.</summary>
    protected virtual long StepLimit => Options.MaxSteps;

    /// <summary>Registers a network under its checkpoint name (&lt;name&gt;.weights); the trainer disposes it.</summary>
    protected T Network<T>(string name, T module) where T : nn.Module
    {
        _networks.Add(name, module);
        return module;
    }

    /// <summary>Registers an optimiser under its checkpoint name (&lt;name&gt;.optim); the trainer disposes it.</summary>
    protected T Optimizer<T>(string name, T optimizer) where T : optim.Optimizer
    {
        _optimizers.Add(name, optimizer);
        return optimizer;
    }

    /// <summary>Turns on StyleGAN2-ADA's augmentation for this run when <paramref name="options"/> enable it (else
    /// returns null and nothing changes): registered as network "augment" (its p is saved and resumed with the
    /// checkpoint), adjusted and logged by the loop. The family passes every image D sees through <see cref="Augment"/>
    /// and D's logits on augmented reals to <see cref="Tricks.AdaAugment.Observe"/>.</summary>
    protected Tricks.AdaAugment? UseAugmentation(Tricks.AdaOptions options)
    {
        if (Augmentation is not null) throw new InvalidOperationException("augmentation is already on");
        if (!options.Enabled) return null;
        Augmentation = Network(Tricks.AdaAugment.NetworkName, new Tricks.AdaAugment(options, Options.Seed));
        return Augmentation;
    }

    /// <summary>Images as D sees them: through the run's adaptive augmentation, or unchanged when it has none.</summary>
    protected Tensor Augment(Tensor images) => Augmentation is { } ada ? ada.Apply(images) : images;

    /// <summary>Anything else the trainer holds for the run (history pools, running means); disposed with it.</summary>
    protected T Owned<T>(T value) where T : IDisposable
    {
        _owned.Add(value);
        return value;
    }

    public abstract void SetInput(TInput input);
    public abstract IReadOnlyDictionary<string, double> OptimizeParameters();
    public virtual void UpdateLearningRate(int epoch) { }
    public virtual void Restore(TrainingState state) { }

    /// <summary>The sample grid: every registered network in eval mode without gradients for the draw, then back.</summary>
    public (IReadOnlyList<Tensor> Tiles, int Columns) SampleTiles(TInput sample)
    {
        using var scope = EvalScope.Of([.. _networks.Values]);
        return DrawSamples(sample);
    }

    /// <summary>(C, H, W) tiles in [-1, 1], row-major, for a grid of <c>Columns</c> columns (called in eval mode).</summary>
    protected abstract (IReadOnlyList<Tensor> Tiles, int Columns) DrawSamples(TInput sample);

    /// <summary>The whole run through <see cref="TrainingLoop"/> into <see cref="RunOptions.Out"/>: the checkpoint stores
    /// the options with the data described from <paramref name="examples"/> (never its path).</summary>
    public TrainingState Train(ITrainingData<TInput> data, long examples, bool resume, TextWriter? console = null) =>
        TrainingLoop.Run(this, data, Options.Loop(Options.DescribedData(examples), Epochs, resume, console, StepLimit));

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        ReleaseInput();
        foreach (var o in _optimizers.Values) o.Dispose();
        foreach (var m in _networks.Values) m.Dispose();
        foreach (var d in _owned) d.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the tensors the trainer holds from its last <see cref="SetInput"/>.</summary>
    protected virtual void ReleaseInput() { }
}
