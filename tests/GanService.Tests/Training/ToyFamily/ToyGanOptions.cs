using GanService.Training.Training;

namespace GanService.Tests.Training.ToyFamily;

// Step 2 of 4: the options record. It derives from RunOptions, which brings the keys every `gan train` has (data,
// dataDescription, dataLicense, out, seed, device, maxSteps, maxMinutes, checkpointMinutes); the record adds the
// family's own, with the family's defaults. `--set name=value` reaches every property, `--dry-run` prints them, the
// checkpoint stores them.

/// <summary>A 2-D toy GAN: points from a text file (one "x,y" a line), MLP generator and discriminator.</summary>
public sealed record ToyGanOptions : RunOptions
{
    public int BatchSize { get; init; } = 64;
    public int Epochs { get; init; } = 100;              // an epoch = every point seen once by D
    public int ZDim { get; init; } = 2;
    public int Hidden { get; init; } = 32;
    public double Lr { get; init; } = 1e-3;
    public double EmaBeta { get; init; } = 0.99;         // G_ema, the network samples would come from
    public string Loss { get; init; } = "non-saturating"; // a name AdversarialLosses.Parse reads
}
