using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Families.Gan;
using GanService.Training.Onnx;
using GanService.Training.Training;

namespace GanService.Training.Families.InfoGan;

/// <summary>`gan export infogan`: the (EMA) generator as a generate model whose codes are manifest-declared controls —
/// <c>code</c> (categorical, 0 … K−1) and <c>c1</c> … <c>cn</c> (continuous, ±<see cref="InfoGanOptions.ServedCodeRange"/>).</summary>
public sealed class InfoGanExportFamily : IExportableFamily
{
    public string Name => InfoGanTrainer.Family;
    public string Description => "InfoGAN generator (z + categorical code + continuous codes → image; codes are query controls)";

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint, IReadOnlyDictionary<string, string> overrides)
    {
        var o = ExportOptions.Resolve(checkpoint, overrides, new InfoGanOptions());
        var (g, _, ema) = InfoGanTrainer.Build(o);
        var exported = checkpoint is null ? g : GenerationExportFamily.LoadGenerator(checkpoint, g, ema);
        var (_, draft, graph) = Export(exported, o, modelName, checkpoint);
        draft = draft with { Training = TrainingProvenance.Describe(o, checkpoint,
            state => string.Create(CultureInfo.InvariantCulture, $"{state.Step} iterations, batch {o.Batch}, loss {o.Loss}, λ {o.Lambda} / {o.LambdaContinuous}{(exported == ema ? $", EMA generator β {o.EmaBeta}" : "")}")) };
        return (draft, [graph]);
    }

    /// <summary>The graph's tensor specs: z is the latent, code and c1…cn carry their controls.</summary>
    public static TensorSpec[] InputSpecs(InfoGanGenerator g, InfoGanOptions o, IReadOnlyList<OnnxIo> inputs) => inputs.Select(i => i.Name switch
    {
        "z" => ModelPackage.Spec(i, TensorRoles.Latent),
        "code" => ModelPackage.Spec(i, TensorRoles.Code) with
        {
            Control = new ControlSpec("code", Count: g.Categories, Description: $"categorical latent code 0…{g.Categories - 1} (learned without labels: which value shows which kind of image is the model's own)"),
        },
        var c => ModelPackage.Spec(i, TensorRoles.CodeContinuous) with
        {
            Control = new ControlSpec(c, Min: -o.ServedCodeRange, Max: o.ServedCodeRange, Default: 0,
                Description: string.Create(CultureInfo.InvariantCulture, $"continuous latent code (trained on U(−1, 1); values out to ±{o.ServedCodeRange} extrapolate)")),
        },
    }).ToArray();

    public static (global::Onnx.ModelProto Model, ModelManifest Draft, PackagedGraph Graph) Export(InfoGanGenerator g, InfoGanOptions o, string modelName, string? source)
    {
        var (inputs, outputs) = g.OnnxSignature([o.Channels, o.Size, o.Size]);
        var model = OnnxExporter.Export(g, inputs, outputs);
        var draft = new ModelManifest
        {
            Name = modelName, Family = InfoGanTrainer.Family, Task = ModelTasks.Generate, Graphs = [],
            Image = new ImageSpec(o.Channels, o.Size, o.Size),
            Latent = new LatentSpec(o.ZDim),
            License = TrainingProvenance.License(o),
            Training = TrainingProvenance.Describe(o, source),
            Description = source is null ? "Randomly initialised InfoGAN generator (for checking the export chain)." : null,
        };
        return (model, draft, new PackagedGraph("model", "model.onnx", model, InputSpecs(g, o, inputs), [ModelPackage.Spec(outputs[0], TensorRoles.Image)]));
    }
}
