using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;

namespace GanService.Training.Families.ProGan;

/// <summary>`gan export progan`: G_ema (or the live G, <c>--set weights=G</c>) at its final resolution (α = 1, no growing machinery) as one graph,
/// z (B, Z) [latent] → image. A checkpoint that has not reached the last level yet is refused, since the exported
/// graph would contain blocks it never trained.</summary>
public sealed class ProGanExportFamily : GeneratorExport<ProGanOptions, ProGanGenerator>
{
    public override string Name => ProGanTrainer.Family;
    public override string Description => "ProGAN generator at its final resolution (z → image); --set weights=G_ema|G (default G_ema); random init: any ProGanOptions key";

    protected override bool ChoosesWeights => true;
    protected override ProGanOptions Defaults() => new();
    protected override string What(ProGanOptions o, ExportRequest request) => "ProGAN generator";

    /// <summary>Loads <paramref name="weights"/> of a checkpoint that has grown to its final size with α = 1 into
    /// <paramref name="generator"/>; refuses one still growing (its graph would hold blocks it never trained).</summary>
    public static void LoadGrown(string checkpoint, string weights, nn.Module generator, ProGanOptions o)
    {
        var s = ProGanSchedule.At(Checkpoint.ReadState(checkpoint).Step * o.Batch, o.PhaseImages, o.MaxLevel);
        if (s.Level < o.MaxLevel || s.Alpha < 1)
            throw new ArgumentException($"the checkpoint is at {s.Resolution}² (α {s.Alpha:F2}); it exports once it has grown to {o.Size}² with α = 1");
        Checkpoint.LoadModule(checkpoint, weights, generator);
    }

    protected override (ProGanGenerator Generator, string? Weights) Load(ProGanOptions o, ExportRequest request)
    {
        var (g, d, ema) = ProGanTrainer.Build(o);
        g.Dispose(); d.Dispose();
        if (request.Checkpoint is not null) LoadGrown(request.Checkpoint, request.Weights, ema, o);
        return (ema, ExportOptions.DescribeWeights(request.Weights, o.EmaBeta));
    }

    protected override IReadOnlyList<PackagedGraph> Graphs(ProGanGenerator g, ProGanOptions o, ExportRequest request)
    {
        var (inputs, outputs) = g.OnnxSignature();
        return [PackagedGraph.ModelGraph(g, inputs, outputs, ModelPackage.Specs(inputs, TensorRoles.Latent), graphName: "progan")];
    }

    protected override string Steps(ProGanOptions o, TrainingState state, string? weights) => string.Create(CultureInfo.InvariantCulture,
        $"{state.Step} steps × batch {o.Batch} = {state.Step * o.Batch / 1000.0:F0} kimg, phases of {o.PhaseImages / 1000.0:F0} kimg, WGAN-GP + drift, {weights}");
}
