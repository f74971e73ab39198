using GanService.Contracts;
using GanService.Training.Export;
using GanService.Training.Families.Translation;
using GanService.Training.Layers;
using GanService.Training.Onnx;
using GanService.Training.Training;

namespace GanService.Training.Families.Pix2Pix;

/// <summary>What `gan export unet --set …` may set (random init; a checkpoint brings its own weights, not these).</summary>
public sealed record UnetExportOptions
{
    public int Size { get; init; } = 64;          // 2^downs, ≥ 32
    public int Ngf { get; init; } = 8;
    public int Channels { get; init; } = 3;
    public string Norm { get; init; } = "batch";  // batch | instance
    public int Seed { get; init; }
}

/// <summary>Exports a bare U-Net generator (random init or a checkpoint holding G.weights) as a translation model.</summary>
public sealed class UnetExportFamily : IExportableFamily
{
    public string Name => "unet";
    public string Description => "pix2pix U-Net generator (image → image); options: size (2^downs), ngf, channels, norm";

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint,
        IReadOnlyDictionary<string, string> overrides)
    {
        var o = OptionsBinder.Apply(new UnetExportOptions(), overrides);
        int size = o.Size, ngf = o.Ngf, channels = o.Channels;
        int downs = (int)Math.Round(Math.Log2(size));
        if (1 << downs != size || downs < 5) throw new ArgumentException($"size {size} must be a power of two ≥ 32");
        var norm = o.Norm switch
        {
            "batch" => NormKind.Batch,
            "instance" => NormKind.Instance,
            _ => throw new ArgumentException($"norm '{o.Norm}' must be batch or instance"),
        };
        torch.manual_seed(o.Seed);
        var g = new UnetGenerator(channels, channels, downs, ngf, norm);
        if (checkpoint is not null) Checkpoints.Checkpoint.LoadModule(checkpoint, "G", g);
        var graph = TranslationExport.ImageToImageGraph(g, channels, channels, size);
        var draft = ManifestDraft.Of(modelName, "pix2pix", [graph]) with
        {
            Description = checkpoint is null ? ManifestDraft.RandomInit("U-Net") : null,
            // A bare G.weights folder records nothing about its data; its path would only describe this machine.
            Training = new TrainingInfo(checkpoint is null ? "none (random initialisation)" : "unspecified (bare U-Net weights, no training record)", "n/a", TrainerVersion: OnnxExporter.ProducerVersion),
        };
        return (draft, [graph]);
    }
}
