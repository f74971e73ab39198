using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Families.Gan;
using GanService.Training.Onnx;

namespace GanService.Training.Families.InfoGan;

/// <summary>`gan export infogan`: the (EMA) generator as a generate model whose codes are manifest-declared controls —
/// <c>code</c> (categorical, 0 … K−1) and <c>c1</c> … <c>cn</c> (continuous, ±<see cref="InfoGanOptions.ServedCodeRange"/>).</summary>
public sealed class InfoGanExportFamily : GeneratorExport<InfoGanOptions, InfoGanGenerator>
{
    public override string Name => InfoGanTrainer.Family;
    public override string Description => "InfoGAN generator (z + categorical code + continuous codes → image; codes are query controls)";

    protected override InfoGanOptions Defaults() => new();
    protected override string What(InfoGanOptions o, ExportRequest request) => "InfoGAN generator";

    protected override (InfoGanGenerator Generator, string? Weights) Load(InfoGanOptions o, ExportRequest request)
    {
        var (g, d, ema) = InfoGanTrainer.Build(o);
        d.Dispose();
        return request.Checkpoint is null ? (g, null) : GenerationExportFamily.LoadGenerator(request.Checkpoint, g, ema, o.EmaBeta);
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

    protected override IReadOnlyList<PackagedGraph> Graphs(InfoGanGenerator g, InfoGanOptions o, ExportRequest request)
    {
        var (inputs, outputs) = g.OnnxSignature([o.Channels, o.Size, o.Size]);
        return [PackagedGraph.ModelGraph(g, inputs, outputs, InputSpecs(g, o, inputs))];
    }

    protected override string Steps(InfoGanOptions o, TrainingState state, string? weights) => string.Create(CultureInfo.InvariantCulture,
        $"{state.Step} iterations, batch {o.Batch}, loss {o.Loss}, λ {o.Lambda} / {o.LambdaContinuous}{(weights is null ? "" : $", {weights}")}");
}
