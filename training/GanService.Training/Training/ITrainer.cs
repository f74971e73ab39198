using GanService.Training.Checkpoints;

namespace GanService.Training.Training;

/// <summary>A network kept as an exponential moving average of another (both named as in <see cref="ITrainer{TInput}.Networks"/>).</summary>
public sealed record EmaPair(string Shadow, string Live);

/// <summary>
/// What a family implements to be trained by <see cref="TrainingLoop"/> (junyanz's BaseModel role): set the input,
/// optimise one step, report its losses, and name its networks and optimisers so the loop can checkpoint, resume,
/// average and sample them. The maths of a step lives here; the bookkeeping around steps lives in the loop.
/// </summary>
public interface ITrainer<in TInput> : IDisposable
{
    /// <summary>The family name written to the checkpoint (export picks the family by it).</summary>
    string Family { get; }
    /// <summary>Networks by checkpoint name (&lt;name&gt;.weights): "G", "D", "G_ema", "G_A", …; EMA shadows included.</summary>
    IReadOnlyDictionary<string, nn.Module> Networks { get; }
    /// <summary>Optimisers by checkpoint name (&lt;name&gt;.optim): "G" and "D" by convention; every one is saved or the save fails.</summary>
    IReadOnlyDictionary<string, optim.Optimizer> Optimizers { get; }
    /// <summary>Networks the loop averages after every step (θ̄ ← β θ̄ + (1 − β) θ, β = <see cref="EmaBeta"/>).</summary>
    IReadOnlyList<EmaPair> Ema => [];
    /// <summary>β for the EMA update that follows the step just taken (a trainer may ramp it with its step count).</summary>
    double EmaBeta => 0;
    /// <summary>The adaptive augmentation D's inputs go through, if the run has one (also among <see cref="Networks"/>,
    /// so its p is checkpointed): the loop lets it adjust p after every step and logs p and r_t.</summary>
    Tricks.AdaAugment? Augmentation => null;
    /// <summary>True where every weight of the trainer's networks is stored at unit scale and multiplied at run time by
    /// 1/√fan-in (the equalized learning rate of ProGAN and StyleGAN): a widened transfer then rescales the weights it
    /// copies so that they compute what they did at their old fan-in.</summary>
    bool EqualizedLearningRate => false;
    /// <summary>Where the trainer's networks and step tensors live (the loop checks that device's convolutions first).</summary>
    Device Device => torch.CPU;

    void SetInput(TInput input);
    /// <summary>One training step on the current input (all of its phases); returns the scalars to log.</summary>
    IReadOnlyDictionary<string, double> OptimizeParameters();
    /// <summary>Sets the learning rate for <paramref name="epoch"/> (0-based) before the epoch starts.</summary>
    void UpdateLearningRate(int epoch) { }
    /// <summary>Called after the loop loaded weights and optimiser state from a checkpoint: restore step counters and
    /// re-seed what the step draws from.</summary>
    void Restore(TrainingState state) { }
    /// <summary>Eval-mode (C, H, W) tiles in [-1, 1], row-major, for a grid of <c>Columns</c> columns.</summary>
    (IReadOnlyList<Tensor> Tiles, int Columns) SampleTiles(TInput sample);
}

/// <summary>Where a trainer's inputs come from: one input per step, <see cref="StepsPerEpoch"/> of them per epoch.</summary>
public interface ITrainingData<out TInput>
{
    long StepsPerEpoch { get; }
    /// <summary>The epoch's inputs in order (the same order for the same seed and epoch, so a resume can skip the
    /// ones already trained on). Tensors an input holds are created inside the loop's per-step dispose scope.</summary>
    IEnumerable<TInput> Epoch(int epoch);
    /// <summary>The fixed input the per-epoch sample grid is drawn from.</summary>
    TInput SampleInput { get; }
}

/// <summary>
/// The run's settings the loop needs: where, how long, how often to checkpoint, and the options to write beside the
/// weights (the family's options with the data described, never its path, so export rebuilds exactly what was trained).
/// </summary>
public sealed record LoopSettings
{
    public required string RunDirectory { get; init; }
    public required object Options { get; init; }
    public required int Seed { get; init; }
    public int Epochs { get; init; } = 1;
    /// <summary>Stop after this many steps in total; ≤ 0 or long.MaxValue = no limit.</summary>
    public long MaxSteps { get; init; }
    /// <summary>Stop after this many minutes of this session (a resumed run gets a fresh budget); ≤ 0 = no limit.</summary>
    public double MaxMinutes { get; init; }
    public double CheckpointMinutes { get; init; } = 3;
    /// <summary>Continue from &lt;RunDirectory&gt;/checkpoint (it must exist).</summary>
    public bool Resume { get; init; }
    /// <summary>A new run (not a resume) starts from this checkpoint folder's weights where names and shapes match
    /// (<see cref="Checkpoints.Checkpoint.Transfer"/>); "" = the trainer's own initialisation.</summary>
    public string InitFrom { get; init; } = "";
    /// <summary>With <see cref="InitFrom"/>: tensors narrower in the checkpoint are widened into this run's
    /// (<see cref="Checkpoints.Checkpoint.Transfer"/>) instead of keeping the trainer's initialisation.</summary>
    public bool InitWiden { get; init; }
    public TextWriter? Console { get; init; }
}
