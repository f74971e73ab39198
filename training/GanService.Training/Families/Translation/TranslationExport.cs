using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Families.StarGan;
using GanService.Training.Onnx;

namespace GanService.Training.Families.Translation;

/// <summary>`gan export pix2pix`: the generator G of a pix2pix checkpoint (or a random init from --set options).</summary>
public sealed class Pix2PixExportFamily : TranslationExportFamily<Pix2PixOptions>
{
    public override string Name => "pix2pix";
    public override string Description => "pix2pix generator (image → image); random init options via --set netG=unet_64 cropSize=64 ngf=8 …";

    protected override Pix2PixOptions Defaults() => new() { NetG = "unet_64", CropSize = 64, LoadSize = 64, Ngf = 8 };
    protected override int SizeMultiple(Pix2PixOptions o) => Networks.SizeMultiple(o.NetG);
    protected override string What(Pix2PixOptions o, ExportRequest request) => $"pix2pix {o.NetG} ngf {o.Ngf}, {o.Direction}";

    protected override (nn.Module Generator, string? Weights) Load(Pix2PixOptions o, ExportRequest request)
    {
        torch.manual_seed(o.Seed);
        var g = Pix2PixTrainer.Build(o with { Device = "cpu" });
        if (request.Checkpoint is not null) Checkpoint.LoadModule(request.Checkpoint, "G", g);
        return (g, null);
    }
}

/// <summary>`gan export cyclegan`: one direction per model (--set direction=AtoB → G_A, BtoA → G_B).</summary>
public sealed class CycleGanExportFamily : TranslationExportFamily<CycleGanOptions>
{
    public override string Name => "cyclegan";
    public override string Description => "CycleGAN generator of one direction (--set direction=AtoB|BtoA); random init options via --set netG=resnet_6blocks …";

    protected override IReadOnlyList<string> SettingKeys(string? checkpoint) => ["direction"];
    protected override CycleGanOptions Defaults() => new() { NetG = "resnet_6blocks", CropSize = 64, LoadSize = 64, Ngf = 8 };
    protected override int SizeMultiple(CycleGanOptions o) => Networks.SizeMultiple(o.NetG);
    protected override string What(CycleGanOptions o, ExportRequest request) =>
        $"CycleGAN {o.NetG} ngf {o.Ngf}, {(AToB(request) ? "G_A: domain A → B" : "G_B: domain B → A")} (data direction {o.Direction})";

    private static bool AToB(ExportRequest request)
    {
        string direction = request.Setting("direction") ?? "AtoB";
        if (direction.Equals("AtoB", StringComparison.OrdinalIgnoreCase)) return true;
        return direction.Equals("BtoA", StringComparison.OrdinalIgnoreCase) ? false : throw new ArgumentException($"direction '{direction}' must be AtoB or BtoA");
    }

    protected override (nn.Module Generator, string? Weights) Load(CycleGanOptions o, ExportRequest request)
    {
        bool aToB = AToB(request);
        torch.manual_seed(o.Seed);
        var g = aToB ? CycleGanTrainer.Build(o with { Device = "cpu" }, o.InputChannels, o.OutputChannels)
                     : CycleGanTrainer.Build(o with { Device = "cpu" }, o.OutputChannels, o.InputChannels);
        if (request.Checkpoint is not null) Checkpoint.LoadModule(request.Checkpoint, aToB ? "G_A" : "G_B", g);
        return (g, null);
    }
}

/// <summary>`gan export stargan`: inputs image (B, C, H, W) and label (B, K) one-hot target domain; Labels = domain names.</summary>
public sealed class StarGanExportFamily : TranslationExportFamily<StarGanOptions>
{
    public override string Name => "stargan";
    public override string Description => "StarGAN generator (image + target domain one-hot → image); from a checkpoint --set labels=a,b,c renames the trained domains (same count, same order); random init via --set labels=a,b,c cropSize=64 gConvDim=8 …";

    protected override StarGanOptions Defaults() => new() { CropSize = 64, LoadSize = 64, GConvDim = 8, DConvDim = 8, DRepeat = 4, Labels = ["a", "b", "c"] };
    protected override string What(StarGanOptions o, ExportRequest request) => $"StarGAN G conv {o.GConvDim}, {o.GRepeat} blocks";

    // From a checkpoint, `labels` only renames the served target names (a folder called fluent-flat served as
    // `fluent`): the network's label vector keeps its length and order, so the count must match what was trained.
    // For a random init it is an option, the domains to build.
    protected override IReadOnlyList<string> SettingKeys(string? checkpoint) => checkpoint is null ? [] : ["labels"];

    protected override (nn.Module Generator, string? Weights) Load(StarGanOptions o, ExportRequest request)
    {
        if (Rename(request) is { } rename && rename.Length != o.Labels.Length)
            throw new ArgumentException($"--set labels: {rename.Length} names for the {o.Labels.Length} trained domains ({string.Join(", ", o.Labels)}), in that order");
        torch.manual_seed(o.Seed);
        var g = StarGanTrainer.Build(o);
        if (request.Checkpoint is not null) Checkpoint.LoadModule(request.Checkpoint, "G", g);
        return (g, null);
    }

    private static string[]? Rename(ExportRequest request) =>
        request.Setting("labels")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    protected override IReadOnlyList<PackagedGraph> Graphs(nn.Module g, StarGanOptions o, ExportRequest request) =>
        [TranslationExport.StarGanGraph(g, o.InputChannels, o.Labels.Length, o.CropSize, anySize: true)];

    protected override int SizeMultiple(StarGanOptions o) => StarGanGenerator.Stride;

    protected override ModelManifest Complete(ModelManifest draft, nn.Module g, StarGanOptions o, ExportRequest request) =>
        draft with { Labels = Rename(request) ?? o.Labels };
}

/// <summary>
/// The export of a translation family (<see cref="GeneratorExport{TOptions,TGenerator}"/>): one image-to-image graph,
/// the steps as steps and epochs, a trained model described by its architecture.
/// </summary>
public abstract class TranslationExportFamily<TOptions> : GeneratorExport<TOptions, nn.Module> where TOptions : TranslationOptions
{
    protected override IReadOnlyList<PackagedGraph> Graphs(nn.Module g, TOptions o, ExportRequest request) =>
        [TranslationExport.ImageToImageGraph(g, o.InputChannels, o.OutputChannels, o.CropSize, anySize: true)];

    /// <summary>The generator's total stride: the graph is exported for any height and width that are multiples of it
    /// (<see cref="ImageSpec.SizeMultiple"/>), so the service runs an image at its own size.</summary>
    protected abstract int SizeMultiple(TOptions o);

    protected override FreeSize FreeSize(TOptions o) => new(o.CropSize, o.CropSize, SizeMultiple(o));

    protected override string Steps(TOptions o, TrainingState state, string? weights) =>
        string.Create(CultureInfo.InvariantCulture, $"{state.Step} steps, {state.Epoch} epochs");

    protected override string? TrainedDescription(TOptions o, ExportRequest request) => What(o, request);
}

/// <summary>The graphs of the translation families, also built by the importers of their reference checkpoints.</summary>
public static class TranslationExport
{
    /// <summary>The one graph of an image-to-image model: image (B, inC, S, S) → output (B, outC, S, S), both in [-1, 1];
    /// with <paramref name="anySize"/> height and width are free (H, W in, H, W out).</summary>
    public static PackagedGraph ImageToImageGraph(nn.Module g, long inputChannels, long outputChannels, int size, bool anySize = false)
    {
        long side = anySize ? -1 : size;
        var input = new OnnxIo("image", [-1, inputChannels, side, side]);
        var output = new OnnxIo("output", [-1, outputChannels, side, side]);
        return PackagedGraph.ModelGraph(g, [input], [output], [ModelPackage.Spec(input, TensorRoles.Image)]);
    }

    /// <summary>StarGAN's graph: image (B, C, S, S) and label (B, K) target-domain vector → output (B, C, S, S).</summary>
    public static PackagedGraph StarGanGraph(nn.Module g, long channels, long labelCount, int size, bool anySize = false)
    {
        long side = anySize ? -1 : size;
        var image = new OnnxIo("image", [-1, channels, side, side]);
        var label = new OnnxIo("label", [-1, labelCount]);
        var output = new OnnxIo("output", [-1, channels, side, side]);
        return PackagedGraph.ModelGraph(g, [image, label], [output], ModelPackage.Specs([image, label], TensorRoles.Image, TensorRoles.LabelVector));
    }
}
