using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;

namespace GanService.Training.Families.Gan;

/// <summary>`gan export gan|dcgan|cgan`: rebuilds G from the checkpoint's options (the EMA generator when the run kept
/// one) or a random init from <c>--set</c> overrides, and packages it as a generate model (inputs z [+ label]).</summary>
public sealed class GenerationExportFamily(string family) : GeneratorExport<GenerationOptions, LatentGenerator>
{
    public override string Name => family;
    public override string Description => family switch
    {
        "gan" => "MLP GAN generator (z → image)",
        "dcgan" => "DCGAN generator (z → image; ConvT + BN + ReLU, Tanh)",
        _ => "class-conditional GAN generator (z + label → image)",
    };

    protected override GenerationOptions Defaults() => new() { Family = family, NumClasses = family == "cgan" ? 10 : 0 };
    protected override string Family(GenerationOptions o) => o.Family;
    protected override string What(GenerationOptions o, ExportRequest request) => $"{o.Family} generator";

    protected override GenerationOptions Options(string? checkpoint, IReadOnlyDictionary<string, string> overrides)
    {
        var o = base.Options(checkpoint, overrides);
        return !o.Conditional || o.ClassNames.Length == o.NumClasses ? o : o with { ClassNames = ExportOptions.IndexNames(o.NumClasses) };
    }

    protected override (LatentGenerator Generator, string? Weights) Load(GenerationOptions o, ExportRequest request)
    {
        var (g, d, ema) = GenerationTrainer.Build(o);
        d.Dispose();
        return request.Checkpoint is null ? (g, null) : LoadGenerator(request.Checkpoint, g, ema, o.EmaBeta);
    }

    /// <summary>The checkpoint's EMA generator when the run kept one (loaded into <paramref name="ema"/>), else its live
    /// G (loaded into <paramref name="g"/>); returns the one loaded and, for the EMA, the manifest's words for it.</summary>
    public static (TModule Generator, string? Weights) LoadGenerator<TModule>(string checkpoint, TModule g, TModule? ema, double emaBeta) where TModule : nn.Module
    {
        if (ema is not null && File.Exists(Path.Combine(checkpoint, "G_ema.weights")))
        {
            Checkpoint.LoadModule(checkpoint, "G_ema", ema);
            return (ema, ExportOptions.DescribeWeights("G_ema", emaBeta));
        }
        Checkpoint.LoadModule(checkpoint, "G", g);
        return (g, null);
    }

    protected override IReadOnlyList<PackagedGraph> Graphs(LatentGenerator g, GenerationOptions o, ExportRequest request)
    {
        var (inputs, outputs) = g.OnnxSignature([o.Channels, o.Size, o.Size]);
        return [PackagedGraph.ModelGraph(g, inputs, outputs, inputs.Select(i => ModelPackage.Spec(i, i.Name == "z" ? TensorRoles.Latent : TensorRoles.Label)))];
    }

    protected override string Steps(GenerationOptions o, TrainingState state, string? weights) =>
        string.Create(CultureInfo.InvariantCulture, $"{state.Step} iterations, batch {o.Batch}, loss {o.Loss}{(weights is null ? "" : $", {weights}")}");

    protected override ModelManifest Complete(ModelManifest draft, LatentGenerator g, GenerationOptions o, ExportRequest request) =>
        draft with { Labels = o.Conditional ? o.ClassNames : [] };
}
