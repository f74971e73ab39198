using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Families.Gan;
using GanService.Training.Layers;
using GanService.Training.Onnx;
using GanService.Training.Training;

namespace GanService.Training.Families.Encoders;

/// <summary>`gan export aae|ali`: a generate model with two graphs — <c>model</c> (the decoder, z → image, served by
/// GET /generate) and <c>encoder</c> (image → z, its own graph so POST /encode runs it alone).</summary>
public sealed class EncoderGanExportFamily(string family) : IExportableFamily
{
    public const string EncoderRole = "encoder";
    public string Name => family;
    public string Description => family == "ali"
        ? "ALI/BiGAN generator and encoder (graphs model: z → image, encoder: image → z)"
        : "adversarial autoencoder decoder and encoder (graphs model: z → image, encoder: image → z)";

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint, IReadOnlyDictionary<string, string> overrides)
    {
        var o = ExportOptions.Resolve(checkpoint, overrides, new EncoderGanOptions { Family = family });
        var (e, g, _) = EncoderGanTrainer.Build(o);
        if (checkpoint is not null)
        {
            Checkpoint.LoadModule(checkpoint, "E", e);
            Checkpoint.LoadModule(checkpoint, "G", g);
        }
        var (draft, graphs) = Export(e, g, o, modelName, checkpoint);
        draft = draft with { Training = TrainingProvenance.Describe(o, checkpoint,
            state => string.Create(CultureInfo.InvariantCulture, $"{state.Step} iterations, batch {o.Batch}, loss {o.Loss}{(o.IsAli ? "" : $", prior {o.Prior}, reconstruction weight {o.ReconstructionWeight}")}")) };
        return (draft, graphs);
    }

    public static (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) Export(Seq e, LatentGenerator g, EncoderGanOptions o, string modelName, string? source)
    {
        long[] shape = [o.Channels, o.Size, o.Size];
        var (gIn, gOut) = g.OnnxSignature(shape);
        var decoder = new PackagedGraph("model", "model.onnx", OnnxExporter.Export(g, gIn, gOut),
            [ModelPackage.Spec(gIn[0], TensorRoles.Latent)], [ModelPackage.Spec(gOut[0], TensorRoles.Image)]);
        var eIn = new OnnxIo("image", [-1, .. shape]);
        var eOut = new OnnxIo("z", [-1, o.ZDim]);
        var encoder = new PackagedGraph(EncoderRole, "encoder.onnx", OnnxExporter.Export(e, [eIn], [eOut]),
            [ModelPackage.Spec(eIn, TensorRoles.Image)], [ModelPackage.Spec(eOut, TensorRoles.Latent)]);
        var draft = new ModelManifest
        {
            Name = modelName, Family = o.Family, Task = ModelTasks.Generate, Graphs = [],
            Image = new ImageSpec(o.Channels, o.Size, o.Size),
            // /generate draws z from N(0, I); a mixture-prior AAE says so, since its decoder was trained on the mixture.
            Latent = new LatentSpec(o.ZDim, o.Prior == "mixture10" ? "mixture10" : "normal"),
            License = TrainingProvenance.License(o),
            Training = TrainingProvenance.Describe(o, source),
            Description = source is null ? $"Randomly initialised {o.Family} decoder and encoder (for checking the export chain)." : null,
        };
        return (draft, [decoder, encoder]);
    }
}
