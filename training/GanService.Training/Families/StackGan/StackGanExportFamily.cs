using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;

namespace GanService.Training.Families.StackGan;

/// <summary>`gan export stackgan`: the generator (text encoder, both Conditioning Augmentations, Stage I and Stage II)
/// as one graph (tokens, token_lengths, z) → 64² image, with the vocabulary in the manifest.</summary>
public sealed class StackGanExportFamily : GeneratorExport<StackGanOptions, StackGanGenerator>
{
    public override string Name => StackGanTrainer.Family;
    public override string Description => "StackGAN text-to-image generator (tokens + lengths + z → Stage-II image)";

    protected override StackGanOptions Defaults() => new();
    protected override string What(StackGanOptions o, ExportRequest request) => "StackGAN generator";

    // A random init (no checkpoint, no --set vocabulary) still needs words to read: the synthetic shapes' captions.
    protected override StackGanOptions Options(string? checkpoint, IReadOnlyDictionary<string, string> overrides) =>
        base.Options(checkpoint, overrides) is var o && checkpoint is null && o.Vocabulary.Length == 0
            ? o with { Vocabulary = ["red", "green", "blue", "circle", "square", "triangle"] }
            : o;

    protected override (StackGanGenerator Generator, string? Weights) Load(StackGanOptions o, ExportRequest request)
    {
        var (g, i, d1, d2) = StackGanTrainer.Build(o);
        i.Dispose(); d1.Dispose(); d2.Dispose();
        if (request.Checkpoint is not null) Checkpoint.LoadModule(request.Checkpoint, "G", g);
        return (g, null);
    }

    protected override IReadOnlyList<PackagedGraph> Graphs(StackGanGenerator g, StackGanOptions o, ExportRequest request)
    {
        var (inputs, outputs) = g.OnnxSignature(o.MaxTokens);
        return [PackagedGraph.ModelGraph(g, inputs, outputs, ModelPackage.Specs(inputs, TensorRoles.Tokens, TensorRoles.TokenLengths, TensorRoles.Latent))];
    }

    protected override string Steps(StackGanOptions o, TrainingState state, string? weights)
    {
        long encoder = Math.Min(state.Step, o.EncoderSteps), one = Math.Clamp(state.Step - o.EncoderSteps, 0, o.StageOneSteps),
            two = Math.Clamp(state.Step - o.EncoderSteps - o.StageOneSteps, 0, o.StageTwoSteps);
        return string.Create(CultureInfo.InvariantCulture, $"{encoder} encoder + {one} Stage-I + {two} Stage-II steps, batch {o.Batch}, KL coefficient {o.KlCoefficient}");
    }

    protected override string TrainedDescription(StackGanOptions o, ExportRequest request) =>
        $"StackGAN text-to-image: text (words of the vocabulary) + seed → {o.Size}² image; latent = z ({o.ZDim}) + Stage-I ε ({o.ConditionDim}) + Stage-II ε ({o.ConditionDim}).";

    protected override ModelManifest Complete(ModelManifest draft, StackGanGenerator g, StackGanOptions o, ExportRequest request) =>
        draft with { Text = new TextSpec(o.Vocabulary, o.MaxTokens) };
}
