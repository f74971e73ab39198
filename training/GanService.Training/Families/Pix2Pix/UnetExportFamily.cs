using System.Globalization;
using GanService.Contracts;
using GanService.Training.Export;
using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.Pix2Pix;

/// <summary>Exports a bare U-Net generator (random init or a checkpoint holding G.weights) as a translation model.</summary>
public sealed class UnetExportFamily : IExportableFamily
{
    public string Name => "unet";
    public string Description => "pix2pix U-Net generator (image → image); options: size (2^downs), ngf, channels, norm";

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint,
        IReadOnlyDictionary<string, string> overrides)
    {
        int size = Get(overrides, "size", 64), ngf = Get(overrides, "ngf", 8), channels = Get(overrides, "channels", 3);
        int downs = (int)Math.Round(Math.Log2(size));
        if (1 << downs != size || downs < 5) throw new ArgumentException($"size {size} must be a power of two ≥ 32");
        var norm = overrides.TryGetValue("norm", out var n) && n == "instance" ? NormKind.Instance : NormKind.Batch;
        torch.manual_seed(Get(overrides, "seed", 0));
        var g = new UnetGenerator(channels, channels, downs, ngf, norm);
        if (checkpoint is not null) Checkpoints.Checkpoint.LoadModule(checkpoint, "G", g);
        var input = new OnnxIo("image", [-1, channels, size, size]);
        var output = new OnnxIo("output", [-1, channels, size, size]);
        var model = OnnxExporter.Export(g, [input], [output]);
        var draft = new ModelManifest
        {
            Name = modelName, Family = "pix2pix", Task = ModelTasks.Translate, Graphs = [],
            Image = new ImageSpec(channels, size, size),
            Description = checkpoint is null ? "Randomly initialised U-Net (for checking the export chain)." : null,
            // A bare G.weights folder records nothing about its data; its path would only describe this machine.
            Training = new TrainingInfo(checkpoint is null ? "none (random initialisation)" : "unspecified (bare U-Net weights, no training record)", "n/a", TrainerVersion: OnnxExporter.ProducerVersion),
        };
        return (draft, [new PackagedGraph("model", "model.onnx", model,
            [ModelPackage.Spec(input, TensorRoles.Image)], [ModelPackage.Spec(output, TensorRoles.Image)])]);
    }

    private static int Get(IReadOnlyDictionary<string, string> o, string key, int fallback) =>
        o.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
