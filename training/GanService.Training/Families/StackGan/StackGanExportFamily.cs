using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Onnx;
using GanService.Training.Training;

namespace GanService.Training.Families.StackGan;

/// <summary>`gan export stackgan`: the generator (text encoder, both Conditioning Augmentations, Stage I and Stage II)
/// as one graph (tokens, token_lengths, z) → 64² image, with the vocabulary in the manifest.</summary>
public sealed class StackGanExportFamily : IExportableFamily
{
    public string Name => StackGanTrainer.Family;
    public string Description => "StackGAN text-to-image generator (tokens + lengths + z → Stage-II image)";

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint,
        IReadOnlyDictionary<string, string> overrides)
    {
        var o = ExportOptions.Resolve(checkpoint, overrides, new StackGanOptions());
        // A random init (no checkpoint, no --set vocabulary) still needs words to read: the synthetic shapes' captions.
        if (checkpoint is null && o.Vocabulary.Length == 0) o = o with { Vocabulary = ["red", "green", "blue", "circle", "square", "triangle"] };
        var (g, _, _, _) = StackGanTrainer.Build(o);
        if (checkpoint is not null) Checkpoint.LoadModule(checkpoint, "G", g);
        var (draft, graph) = Export(g, o, modelName, checkpoint);
        draft = draft with { Training = TrainingProvenance.Describe(o, checkpoint, state =>
        {
            long encoder = Math.Min(state.Step, o.EncoderSteps), one = Math.Clamp(state.Step - o.EncoderSteps, 0, o.StageOneSteps),
                two = Math.Clamp(state.Step - o.EncoderSteps - o.StageOneSteps, 0, o.StageTwoSteps);
            return string.Create(CultureInfo.InvariantCulture, $"{encoder} encoder + {one} Stage-I + {two} Stage-II steps, batch {o.Batch}, KL coefficient {o.KlCoefficient}");
        }) };
        return (draft, [graph]);
    }

    public static (ModelManifest Draft, PackagedGraph Graph) Export(StackGanGenerator g, StackGanOptions o, string modelName, string? source)
    {
        var (inputs, outputs) = g.OnnxSignature(o.MaxTokens);
        var model = OnnxExporter.Export(g, inputs, outputs);
        string[] roles = [TensorRoles.Tokens, TensorRoles.TokenLengths, TensorRoles.Latent];
        var specs = inputs.Select((io, k) => ModelPackage.Spec(io, roles[k])).ToArray();
        var draft = new ModelManifest
        {
            Name = modelName, Family = StackGanTrainer.Family, Task = ModelTasks.Generate, Graphs = [],
            Image = new ImageSpec(3, o.Size, o.Size),
            Latent = new LatentSpec(g.LatentSize),
            Text = new TextSpec(o.Vocabulary, o.MaxTokens),
            License = TrainingProvenance.License(o),
            Training = TrainingProvenance.Describe(o, source),
            Description = source is null ? "Randomly initialised StackGAN generator (for checking the export chain)."
                : $"StackGAN text-to-image: text (words of the vocabulary) + seed → {o.Size}² image; latent = z ({o.ZDim}) + Stage-I ε ({o.ConditionDim}) + Stage-II ε ({o.ConditionDim}).",
        };
        return (draft, new PackagedGraph("model", "model.onnx", model, specs, [ModelPackage.Spec(outputs[0], TensorRoles.Image)]));
    }
}
