namespace GanService.Tests.Training.ToyFamily;

// Step 2 of 4: the options record. Its defaults are the family's defaults; the common `gan train` keys (data, out,
// batchSize, maxMinutes, maxSteps, checkpointMinutes, device, seed) must be among its properties, the rest is the
// family's own; `--set name=value` reaches every property, `--dry-run` prints them, the checkpoint stores them.

/// <summary>A 2-D toy GAN: points from a text file (one "x,y" a line), MLP generator and discriminator.</summary>
public sealed record ToyGanOptions
{
    public string Data { get; init; } = "";              // the points file
    public string Out { get; init; } = "";
    public int BatchSize { get; init; } = 64;
    public int Epochs { get; init; } = 100;              // an epoch = every point seen once by D
    public double MaxMinutes { get; init; }
    public long MaxSteps { get; init; }
    public double CheckpointMinutes { get; init; } = 3;
    public string Device { get; init; } = "cpu";         // the toy trains on the CPU only
    public int Seed { get; init; }
    public int ZDim { get; init; } = 2;
    public int Hidden { get; init; } = 32;
    public double Lr { get; init; } = 1e-3;
    public double EmaBeta { get; init; } = 0.99;         // G_ema, the network samples would come from
    public string Loss { get; init; } = "non-saturating"; // a name AdversarialLosses.Parse reads
}
