using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Onnx;
using GanService.Training.Training;

namespace GanService.Training.Families.Gan;

/// <summary>`gan export gan|dcgan|cgan`: rebuilds G from the checkpoint's options (the EMA generator when the run kept
/// one) or a random init from <c>--set</c> overrides, and packages it as a generate model (inputs z [+ label]).</summary>
public sealed class GenerationExportFamily(string family) : IExportableFamily
{
    public string Name => family;
    public string Description => family switch
    {
        "gan" => "MLP GAN generator (z → image)",
        "dcgan" => "DCGAN generator (z → image; ConvT + BN + ReLU, Tanh)",
        _ => "class-conditional GAN generator (z + label → image)",
    };

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint,
        IReadOnlyDictionary<string, string> overrides)
    {
        var o = ExportOptions.Resolve(checkpoint, overrides, new GenerationOptions { Family = family, NumClasses = family == "cgan" ? 10 : 0 });
        if (o.Conditional && o.ClassNames.Length != o.NumClasses)
            o = o with { ClassNames = Enumerable.Range(0, o.NumClasses).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray() };
        var (g, _, ema) = GenerationTrainer.Build(o);
        var exported = checkpoint is null ? g : LoadGenerator(checkpoint, g, ema);
        var (model, draft, graph) = Export(exported, o, modelName, checkpoint);
        draft = draft with { Training = TrainingProvenance.Describe(o, checkpoint,
            state => string.Create(CultureInfo.InvariantCulture, $"{state.Step} iterations, batch {o.Batch}, loss {o.Loss}{(exported == ema ? $", EMA generator β {o.EmaBeta}" : "")}")) };
        return (draft, [graph]);
    }

    /// <summary>The checkpoint's EMA generator when the run kept one (loaded into <paramref name="ema"/>), else its live
    /// G (loaded into <paramref name="g"/>); returns the one loaded.</summary>
    public static TModule LoadGenerator<TModule>(string checkpoint, TModule g, TModule? ema) where TModule : nn.Module
    {
        if (ema is not null && File.Exists(Path.Combine(checkpoint, "G_ema.weights"))) { Checkpoint.LoadModule(checkpoint, "G_ema", ema); return ema; }
        Checkpoint.LoadModule(checkpoint, "G", g);
        return g;
    }

    public static (global::Onnx.ModelProto Model, ModelManifest Draft, PackagedGraph Graph) Export(LatentGenerator g, GenerationOptions o, string modelName, string? source)
    {
        long[] shape = [o.Channels, o.Size, o.Size];
        var (inputs, outputs) = g.OnnxSignature(shape);
        var model = OnnxExporter.Export(g, inputs, outputs);
        var specs = inputs.Select(i => ModelPackage.Spec(i, i.Name == "z" ? TensorRoles.Latent : TensorRoles.Label)).ToArray();
        var draft = new ModelManifest
        {
            Name = modelName, Family = o.Family, Task = ModelTasks.Generate, Graphs = [],
            Image = new ImageSpec(o.Channels, o.Size, o.Size),
            Latent = new LatentSpec(o.ZDim),
            Labels = o.Conditional ? o.ClassNames : [],
            License = TrainingProvenance.License(o),
            Training = TrainingProvenance.Describe(o, source),
            Description = source is null ? $"Randomly initialised {o.Family} generator (for checking the export chain)." : null,
        };
        return (model, draft, new PackagedGraph("model", "model.onnx", model, specs, [ModelPackage.Spec(outputs[0], TensorRoles.Image)]));
    }
}
