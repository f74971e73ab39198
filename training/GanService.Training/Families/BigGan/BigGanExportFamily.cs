using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Onnx;
using GanService.Training.Training;

namespace GanService.Training.Families.BigGan;

/// <summary>`gan export biggan`: G_ema from the checkpoint (or a random init from <c>--set</c>) as one graph, inputs
/// z (B, Z) [latent] and label (B,) [label] → image. Spectral norms are folded into the weights, conditional BatchNorm
/// gains and biases are computed in the graph from the label and z's chunks. Truncation is the caller's: it resamples
/// z (SeedLatent with a threshold), so the graph has no truncation input.</summary>
public sealed class BigGanExportFamily : IExportableFamily
{
    public string Name => BigGanTrainer.Family;
    public string Description => "BigGAN generator (z + label → image; hierarchical z, conditional BN, self-attention); --set weights=G_ema|G (default G_ema); random init: any BigGanOptions key";

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint,
        IReadOnlyDictionary<string, string> overrides)
    {
        var (weights, rest) = ExportOptions.GeneratorWeights(overrides);
        var o = ExportOptions.Resolve(checkpoint, rest, new BigGanOptions());
        if (o.ClassNames.Length != o.NumClasses)
            o = o with { ClassNames = Enumerable.Range(0, o.NumClasses).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray() };
        var (g, _, ema) = BigGanTrainer.Build(o);
        var exported = ema;
        if (checkpoint is not null) Checkpoint.LoadModule(checkpoint, weights, ema);
        var training = TrainingProvenance.Describe(o, checkpoint, state => string.Create(CultureInfo.InvariantCulture,
            $"{state.Step} iterations ({o.DSteps} D steps each), batch {o.Batch}, hinge loss, {ExportOptions.DescribeWeights(weights, o.EmaBeta)}"));
        var (inputs, outputs) = exported.OnnxSignature();
        var model = OnnxExporter.Export(exported, inputs, outputs, graphName: "biggan");
        var draft = new ModelManifest
        {
            Name = modelName, Family = BigGanTrainer.Family, Task = ModelTasks.Generate, Graphs = [],
            Image = new ImageSpec(o.Channels, o.Size, o.Size),
            Latent = new LatentSpec(o.ZDim),
            Labels = o.ClassNames,
            License = TrainingProvenance.License(o),
            Training = training,
            Description = checkpoint is null ? "Randomly initialised BigGAN generator (for checking the export chain)." : null,
        };
        g.Dispose();
        return (draft, [new PackagedGraph("model", "model.onnx", model,
            [ModelPackage.Spec(inputs[0], TensorRoles.Latent), ModelPackage.Spec(inputs[1], TensorRoles.Label)],
            [ModelPackage.Spec(outputs[0], TensorRoles.Image)])]);
    }
}
