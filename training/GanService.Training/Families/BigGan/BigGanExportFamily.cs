using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;

namespace GanService.Training.Families.BigGan;

/// <summary>`gan export biggan`: G_ema from the checkpoint (or a random init from <c>--set</c>) as one graph, inputs
/// z (B, Z) [latent] and label (B,) [label] → image. Spectral norms are folded into the weights, conditional BatchNorm
/// gains and biases are computed in the graph from the label and z's chunks. Truncation is the caller's: it resamples
/// z (SeedLatent with a threshold), so the graph has no truncation input.</summary>
public sealed class BigGanExportFamily : GeneratorExport<BigGanOptions, BigGanGenerator>
{
    public override string Name => BigGanTrainer.Family;
    public override string Description => "BigGAN generator (z + label → image; hierarchical z, conditional BN, self-attention); --set weights=G_ema|G (default G_ema); random init: any BigGanOptions key";

    protected override bool ChoosesWeights => true;
    protected override BigGanOptions Defaults() => new();
    protected override string What(BigGanOptions o, ExportRequest request) => "BigGAN generator";

    protected override BigGanOptions Options(string? checkpoint, IReadOnlyDictionary<string, string> overrides)
    {
        var o = base.Options(checkpoint, overrides);
        return o.ClassNames.Length == o.NumClasses ? o : o with { ClassNames = ExportOptions.IndexNames(o.NumClasses) };
    }

    protected override (BigGanGenerator Generator, string? Weights) Load(BigGanOptions o, ExportRequest request)
    {
        var (g, d, ema) = BigGanTrainer.Build(o);
        g.Dispose(); d.Dispose();
        if (request.Checkpoint is not null) Checkpoint.LoadModule(request.Checkpoint, request.Weights, ema);
        return (ema, ExportOptions.DescribeWeights(request.Weights, o.EmaBeta));
    }

    protected override IReadOnlyList<PackagedGraph> Graphs(BigGanGenerator g, BigGanOptions o, ExportRequest request)
    {
        var (inputs, outputs) = g.OnnxSignature();
        return [PackagedGraph.ModelGraph(g, inputs, outputs, ModelPackage.Specs(inputs, TensorRoles.Latent, TensorRoles.Label), graphName: "biggan")];
    }

    protected override string Steps(BigGanOptions o, TrainingState state, string? weights) =>
        string.Create(CultureInfo.InvariantCulture, $"{state.Step} iterations ({o.DSteps} D steps each), batch {o.Batch}, hinge loss, {weights}");

    protected override ModelManifest Complete(ModelManifest draft, BigGanGenerator g, BigGanOptions o, ExportRequest request) =>
        draft with { Labels = o.ClassNames };
}
