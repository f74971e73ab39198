using System.Text.Json.Serialization;

namespace GanService.Training.Families.Translation;

/// <summary>
/// Options every image-to-image trainer shares (junyanz base_options/train_options names in camelCase). Defaults are
/// the reference's; the CLI overrides them with named flags or `--set name=value`, and the checkpoint stores the
/// resolved record so export rebuilds exactly what was trained.
/// </summary>
public record TranslationOptions : Training.RunOptions
{
    public int LoadSize { get; init; } = 286;          // resize to LoadSize² before the random crop (junyanz load_size)
    public int CropSize { get; init; } = 256;          // training / model image size (junyanz crop_size)
    public bool NoFlip { get; init; }                  // disable the random horizontal mirror
    public string Direction { get; init; } = "AtoB";   // AtoB | BtoA: which half / domain is the input
    public int InputChannels { get; init; } = 3;
    public int OutputChannels { get; init; } = 3;
    public int BatchSize { get; init; } = 1;           // pix2pix/CycleGAN reference: 1
    public int NEpochs { get; init; } = 100;           // epochs at the initial learning rate
    public int NEpochsDecay { get; init; } = 100;      // epochs of linear decay to 0 after that
    public double Lr { get; init; } = 2e-4;            // Adam learning rate (G and D)
    public double Beta1 { get; init; } = 0.5;          // Adam β1 (β2 = Beta2)
    public double Beta2 { get; init; } = 0.999;
    public string Init { get; init; } = "normal";      // normal | xavier | kaiming | orthogonal | default
    public double InitGain { get; init; } = 0.02;      // σ of the normal init (junyanz init_gain)
    // Parallel image decoders; 0 = decode on the training thread. 0 by default: decoder threads allocating during steps
    // let the GC free TorchSharp 0.107's temporary Scalars under native calls (docs/platform.md); decoding costs little
    // next to a CPU training step.
    public int Workers { get; init; }
    public int Prefetch { get; init; } = 4;            // decoded batches queued ahead of the trainer
    public int SampleCount { get; init; } = 4;         // rows in the per-epoch sample grid

    [JsonIgnore] public int TotalEpochs => NEpochs + NEpochsDecay;
    [JsonIgnore]
    public GanService.Training.Data.Direction ParsedDirection => Direction.Equals("BtoA", StringComparison.OrdinalIgnoreCase) ? GanService.Training.Data.Direction.BtoA
        : Direction.Equals("AtoB", StringComparison.OrdinalIgnoreCase) ? GanService.Training.Data.Direction.AtoB
        : throw new ArgumentException($"direction '{Direction}' must be AtoB or BtoA");
    [JsonIgnore]
    public Layers.InitType ParsedInit => Enum.TryParse<Layers.InitType>(Init, true, out var t) ? t
        : throw new ArgumentException($"init '{Init}' must be normal, xavier, kaiming, orthogonal or default");
}
