using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Families.StarGan;
using GanService.Training.Layers;
using GanService.Training.Onnx;
using GanService.Training.Training;

namespace GanService.Training.Families.Translation;

/// <summary>`gan export pix2pix`: the generator G of a pix2pix checkpoint (or a random init from --set options).</summary>
public sealed class Pix2PixExportFamily : IExportableFamily
{
    public string Name => "pix2pix";
    public string Description => "pix2pix generator (image → image); random init options via --set netG=unet_64 cropSize=64 ngf=8 …";

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint,
        IReadOnlyDictionary<string, string> overrides)
    {
        var o = TranslationExport.Options(checkpoint, "pix2pix", overrides,
            new Pix2PixOptions { NetG = "unet_64", CropSize = 64, LoadSize = 64, Ngf = 8 });
        torch.manual_seed(o.Seed);
        var g = Pix2PixTrainer.Build(o with { Device = "cpu" });
        if (checkpoint is not null) Checkpoint.LoadModule(checkpoint, "G", g);
        return TranslationExport.ImageToImage(modelName, "pix2pix", g, o, checkpoint, $"pix2pix {o.NetG} ngf {o.Ngf}, {o.Direction}", Networks.SizeMultiple(o.NetG));
    }
}

/// <summary>`gan export cyclegan`: one direction per model (--set direction=AtoB → G_A, BtoA → G_B).</summary>
public sealed class CycleGanExportFamily : IExportableFamily
{
    public string Name => "cyclegan";
    public string Description => "CycleGAN generator of one direction (--set direction=AtoB|BtoA); random init options via --set netG=resnet_6blocks …";

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint,
        IReadOnlyDictionary<string, string> overrides)
    {
        var (d, rest) = ExportOptions.Take(overrides, "direction");
        string direction = d ?? "AtoB";
        var o = TranslationExport.Options(checkpoint, "cyclegan", rest,
            new CycleGanOptions { NetG = "resnet_6blocks", CropSize = 64, LoadSize = 64, Ngf = 8 });
        bool aToB = direction.Equals("AtoB", StringComparison.OrdinalIgnoreCase);
        if (!aToB && !direction.Equals("BtoA", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"direction '{direction}' must be AtoB or BtoA");
        torch.manual_seed(o.Seed);
        var g = aToB ? CycleGanTrainer.Build(o with { Device = "cpu" }, o.InputChannels, o.OutputChannels)
                     : CycleGanTrainer.Build(o with { Device = "cpu" }, o.OutputChannels, o.InputChannels);
        if (checkpoint is not null) Checkpoint.LoadModule(checkpoint, aToB ? "G_A" : "G_B", g);
        return TranslationExport.ImageToImage(modelName, "cyclegan", g, o, checkpoint,
            $"CycleGAN {o.NetG} ngf {o.Ngf}, {(aToB ? "G_A: domain A → B" : "G_B: domain B → A")} (data direction {o.Direction})", Networks.SizeMultiple(o.NetG));
    }
}

/// <summary>`gan export stargan`: inputs image (B, C, H, W) and label (B, K) one-hot target domain; Labels = domain names.</summary>
public sealed class StarGanExportFamily : IExportableFamily
{
    public string Name => "stargan";
    public string Description => "StarGAN generator (image + target domain one-hot → image); from a checkpoint --set labels=a,b,c renames the trained domains (same count, same order); random init via --set labels=a,b,c cropSize=64 gConvDim=8 …";

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint,
        IReadOnlyDictionary<string, string> overrides)
    {
        // From a checkpoint, `labels` only renames the served target names (a folder called fluent-flat served as
        // `fluent`): the network's label vector keeps its length and order, so the count must match what was trained.
        string[]? rename = null;
        if (checkpoint is not null)
        {
            (var names, overrides) = ExportOptions.Take(overrides, "labels");
            rename = names?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        }
        var o = TranslationExport.Options(checkpoint, "stargan", overrides,
            new StarGanOptions { CropSize = 64, LoadSize = 64, GConvDim = 8, DConvDim = 8, DRepeat = 4, Labels = ["a", "b", "c"] });
        if (rename is not null && rename.Length != o.Labels.Length)
            throw new ArgumentException($"--set labels: {rename.Length} names for the {o.Labels.Length} trained domains ({string.Join(", ", o.Labels)}), in that order");
        torch.manual_seed(o.Seed);
        var g = StarGanTrainer.Build(o);
        if (checkpoint is not null) Checkpoint.LoadModule(checkpoint, "G", g);
        var draft = TranslationExport.Draft(modelName, "stargan", o.InputChannels, o.CropSize, checkpoint, o, $"StarGAN G conv {o.GConvDim}, {o.GRepeat} blocks",
            StarGanGenerator.Stride) with { Labels = rename ?? o.Labels };
        return (draft, [TranslationExport.StarGanGraph(g, o.InputChannels, o.Labels.Length, o.CropSize, anySize: true)]);
    }
}

public static class TranslationExport
{
    /// <summary>Options from the checkpoint (exactly as trained) or defaults + --set overrides for a random init.</summary>
    public static T Options<T>(string? checkpoint, string family, IReadOnlyDictionary<string, string> overrides, T randomDefaults) where T : TranslationOptions
    {
        if (checkpoint is null) return OptionsBinder.Apply(randomDefaults, overrides);
        var (fam, o) = Checkpoint.ReadOptions<T>(checkpoint);
        if (!fam.Equals(family, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"checkpoint '{checkpoint}' is a {fam} checkpoint, not {family}");
        if (overrides.Count > 0) throw new ArgumentException($"--set {string.Join(", ", overrides.Keys)}: architecture options come from the checkpoint");
        return o;
    }

    /// <param name="sizeMultiple">The generator's total stride: the graph is exported for any height and width that are
    /// multiples of it (<see cref="ImageSpec.SizeMultiple"/>), so the service runs an image at its own size.</param>
    public static (ModelManifest, IReadOnlyList<PackagedGraph>) ImageToImage(string modelName, string family, Layer g, TranslationOptions o,
        string? checkpoint, string what, int sizeMultiple)
    {
        var draft = Draft(modelName, family, o.OutputChannels, o.CropSize, checkpoint, o, what, sizeMultiple);
        return (draft, [ImageToImageGraph(g, o.InputChannels, o.OutputChannels, o.CropSize, anySize: true)]);
    }

    /// <summary>The one graph of an image-to-image model: image (B, inC, S, S) → output (B, outC, S, S), both in [-1, 1];
    /// with <paramref name="anySize"/> height and width are free (H, W in, H, W out).</summary>
    public static PackagedGraph ImageToImageGraph(nn.Module g, long inputChannels, long outputChannels, int size, bool anySize = false)
    {
        long side = anySize ? -1 : size;
        var input = new OnnxIo("image", [-1, inputChannels, side, side]);
        var output = new OnnxIo("output", [-1, outputChannels, side, side]);
        var model = OnnxExporter.Export(g, [input], [output]);
        return new PackagedGraph("model", "model.onnx", model,
            [ModelPackage.Spec(input, TensorRoles.Image)], [ModelPackage.Spec(output, TensorRoles.Image)]);
    }

    /// <summary>StarGAN's graph: image (B, C, S, S) and label (B, K) target-domain vector → output (B, C, S, S).</summary>
    public static PackagedGraph StarGanGraph(nn.Module g, long channels, long labelCount, int size, bool anySize = false)
    {
        long side = anySize ? -1 : size;
        var image = new OnnxIo("image", [-1, channels, side, side]);
        var label = new OnnxIo("label", [-1, labelCount]);
        var output = new OnnxIo("output", [-1, channels, side, side]);
        var model = OnnxExporter.Export(g, [image, label], [output]);
        return new PackagedGraph("model", "model.onnx", model,
            [ModelPackage.Spec(image, TensorRoles.Image), ModelPackage.Spec(label, TensorRoles.LabelVector)],
            [ModelPackage.Spec(output, TensorRoles.Image)]);
    }

    public static ModelManifest Draft(string modelName, string family, int channels, int size, string? checkpoint, TranslationOptions o, string what,
        int? sizeMultiple = null)
    {
        return new ModelManifest
        {
            Name = modelName, Family = family, Task = ModelTasks.Translate, Graphs = [],
            Image = new ImageSpec(channels, size, size, SizeMultiple: sizeMultiple),
            License = TrainingProvenance.License(o),
            Training = TrainingProvenance.Describe(o, checkpoint,
                state => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{state.Step} steps, {state.Epoch} epochs")),
            Description = checkpoint is null ? $"Randomly initialised {what} (for checking the export chain)." : what,
        };
    }
}
