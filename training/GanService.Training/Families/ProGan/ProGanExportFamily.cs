using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Onnx;
using GanService.Training.Training;

namespace GanService.Training.Families.ProGan;

/// <summary>`gan export progan`: G_ema (or the live G, <c>--set weights=G</c>) at its final resolution (α = 1, no growing machinery) as one graph,
/// z (B, Z) [latent] → image. A checkpoint that has not reached the last level yet is refused, since the exported
/// graph would contain blocks it never trained.</summary>
public sealed class ProGanExportFamily : IExportableFamily
{
    public string Name => ProGanTrainer.Family;
    public string Description => "ProGAN generator at its final resolution (z → image); --set weights=G_ema|G (default G_ema); random init: any ProGanOptions key";

    /// <summary>Loads <paramref name="weights"/> of a checkpoint that has grown to its final size with α = 1 into
    /// <paramref name="generator"/>; refuses one still growing (its graph would hold blocks it never trained).</summary>
    public static void LoadGrown(string checkpoint, string weights, nn.Module generator, ProGanOptions o)
    {
        var s = ProGanSchedule.At(Checkpoint.ReadState(checkpoint).Step * o.Batch, o.PhaseImages, o.MaxLevel);
        if (s.Level < o.MaxLevel || s.Alpha < 1)
            throw new ArgumentException($"the checkpoint is at {s.Resolution}² (α {s.Alpha:F2}); it exports once it has grown to {o.Size}² with α = 1");
        Checkpoint.LoadModule(checkpoint, weights, generator);
    }

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint,
        IReadOnlyDictionary<string, string> overrides)
    {
        var (weights, rest) = ExportOptions.GeneratorWeights(overrides);
        var o = ExportOptions.Resolve(checkpoint, rest, new ProGanOptions());
        var (g, d, ema) = ProGanTrainer.Build(o);
        if (checkpoint is not null) LoadGrown(checkpoint, weights, ema, o);
        var training = TrainingProvenance.Describe(o, checkpoint, state => string.Create(CultureInfo.InvariantCulture,
            $"{state.Step} steps × batch {o.Batch} = {state.Step * o.Batch / 1000.0:F0} kimg, phases of {o.PhaseImages / 1000.0:F0} kimg, WGAN-GP + drift, {ExportOptions.DescribeWeights(weights, o.EmaBeta)}"));
        var (inputs, outputs) = ema.OnnxSignature();
        var model = OnnxExporter.Export(ema, inputs, outputs, graphName: "progan");
        g.Dispose(); d.Dispose();
        var draft = new ModelManifest
        {
            Name = modelName, Family = ProGanTrainer.Family, Task = ModelTasks.Generate, Graphs = [],
            Image = new ImageSpec(o.Channels, o.Size, o.Size),
            Latent = new LatentSpec(o.ZDim),
            License = TrainingProvenance.License(o),
            Training = training,
            Description = checkpoint is null ? "Randomly initialised ProGAN generator (for checking the export chain)." : null,
        };
        return (draft, [new PackagedGraph("model", "model.onnx", model,
            [ModelPackage.Spec(inputs[0], TensorRoles.Latent)], [ModelPackage.Spec(outputs[0], TensorRoles.Image)])]);
    }
}
