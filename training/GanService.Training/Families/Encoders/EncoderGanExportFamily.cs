using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Families.Gan;
using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.Encoders;

/// <summary>`gan export aae|ali`: a generate model with two graphs — <c>model</c> (the decoder, z → image, served by
/// GET /generate) and <c>encoder</c> (image → z, its own graph so POST /encode runs it alone).</summary>
public sealed class EncoderGanExportFamily(string family) : GeneratorExport<EncoderGanOptions, (Seq Encoder, LatentGenerator Decoder)>
{
    public const string EncoderRole = "encoder";
    public override string Name => family;
    public override string Description => family == "ali"
        ? "ALI/BiGAN generator and encoder (graphs model: z → image, encoder: image → z)"
        : "adversarial autoencoder decoder and encoder (graphs model: z → image, encoder: image → z)";

    protected override EncoderGanOptions Defaults() => new() { Family = family };
    protected override string Family(EncoderGanOptions o) => o.Family;
    protected override string What(EncoderGanOptions o, ExportRequest request) => $"{o.Family} decoder and encoder";

    protected override ((Seq Encoder, LatentGenerator Decoder) Generator, string? Weights) Load(EncoderGanOptions o, ExportRequest request)
    {
        var (e, g, d) = EncoderGanTrainer.Build(o);
        d.Dispose();
        if (request.Checkpoint is not null)
        {
            Checkpoint.LoadModule(request.Checkpoint, "E", e);
            Checkpoint.LoadModule(request.Checkpoint, "G", g);
        }
        return ((e, g), null);
    }

    protected override IReadOnlyList<PackagedGraph> Graphs((Seq Encoder, LatentGenerator Decoder) networks, EncoderGanOptions o, ExportRequest request)
    {
        long[] shape = [o.Channels, o.Size, o.Size];
        var (gIn, gOut) = networks.Decoder.OnnxSignature(shape);
        var decoder = PackagedGraph.ModelGraph(networks.Decoder, gIn, gOut, ModelPackage.Specs(gIn, TensorRoles.Latent));
        var eIn = new OnnxIo("image", [-1, .. shape]);
        var eOut = new OnnxIo("z", [-1, o.ZDim]);
        var encoder = new PackagedGraph(EncoderRole, "encoder.onnx", OnnxExporter.Export(networks.Encoder, [eIn], [eOut]),
            [ModelPackage.Spec(eIn, TensorRoles.Image)], [ModelPackage.Spec(eOut, TensorRoles.Latent)]);
        return [decoder, encoder];
    }

    protected override string Steps(EncoderGanOptions o, TrainingState state, string? weights) => string.Create(CultureInfo.InvariantCulture,
        $"{state.Step} iterations, batch {o.Batch}, loss {o.Loss}{(o.IsAli ? "" : $", prior {o.Prior}, reconstruction weight {o.ReconstructionWeight}")}");

    // /generate draws z from N(0, I); a mixture-prior AAE says so, since its decoder was trained on the mixture.
    protected override ModelManifest Complete(ModelManifest draft, (Seq Encoder, LatentGenerator Decoder) networks, EncoderGanOptions o, ExportRequest request) =>
        draft with { Latent = draft.Latent! with { Distribution = o.Prior == "mixture10" ? "mixture10" : "normal" } };
}
