using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.SrGan;

/// <summary>
/// `gan export srgan`: the generator (G_ema by default, <c>--set weights=G</c> for the live one) as one any-size graph,
/// image (B, 3, h, w) in [0, 1] → output (B, 3, h·s, w·s) in [0, 1], served by POST /upscale/{model} as the imported
/// ESRGAN models are: the manifest's size multiple, tile margin (the generator's receptive radius, so tiles stitch to
/// the untiled result) and output scale.
/// </summary>
public sealed class SrGanExportFamily : GeneratorExport<SrGanOptions, Layer>
{
    /// <summary>The input size warm-up runs at and size=fit resizes to (as the ESRGAN importer's).</summary>
    public const int WarmUpSize = Import.EsrganImporter.DefaultSize;

    public override string Name => SrGanTrainer.Family;
    public override string Description => "SRGAN / ESRGAN upscaler (image → image × scale, any size); --set weights=G_ema|G; random init: --set arch=rrdb|srresnet nf=16 nb=2 …";

    protected override bool ChoosesWeights => true;
    protected override SrGanOptions Defaults() => new() { Nf = 16, Nb = 2, Gc = 16 };
    protected override string What(SrGanOptions o, ExportRequest request) => Architecture(o);

    private static string Architecture(SrGanOptions o) => o.Arch == "rrdb"
        ? string.Create(CultureInfo.InvariantCulture, $"ESRGAN ×{o.Scale} RRDBNet (nf {o.Nf}, {o.Nb} RRDB blocks, growth {o.Gc})")
        : string.Create(CultureInfo.InvariantCulture, $"SRGAN ×{o.Scale} SRResNet (BasicSR MSRResNet: nf {o.Nf}, {o.Nb} residual blocks)");

    protected override (Layer Generator, string? Weights) Load(SrGanOptions o, ExportRequest request)
    {
        if (SrGanTrainer.Check(o with { PerceptualWeight = 0 }) is { } problem) throw new ArgumentException(problem);
        torch.manual_seed(o.Seed);
        var g = SrGanTrainer.Build(o);
        if (request.Checkpoint is null) return (g, null);
        string weights = o.UsesEma ? request.Weights : "G";
        Checkpoint.LoadModule(request.Checkpoint, weights, g);
        return (g, ExportOptions.DescribeWeights(weights, o.EmaBeta));
    }

    protected override IReadOnlyList<PackagedGraph> Graphs(Layer g, SrGanOptions o, ExportRequest request)
    {
        var input = new OnnxIo("image", [-1, 3, -1, -1]);
        var output = new OnnxIo("output", [-1, 3, -1, -1]);
        return [PackagedGraph.ModelGraph(g, [input], [output], [ModelPackage.Spec(input, TensorRoles.Image)])];
    }

    protected override FreeSize FreeSize(SrGanOptions o) =>
        new(WarmUpSize, WarmUpSize, SrGanTrainer.SizeMultiple(o), SrGanTrainer.ReceptiveRadius(o), o.Scale);

    protected override string Steps(SrGanOptions o, TrainingState state, string? weights) => string.Create(CultureInfo.InvariantCulture,
        $"{state.Step} steps × batch {o.BatchSize} of {o.HrSize}² HR crops: {Math.Min(state.Step, o.PretrainSteps)} PSNR-oriented (L1), " +
        $"{Math.Max(0, state.Step - o.PretrainSteps)} adversarial ({o.Loss}); {weights}");

    protected override string? TrainedDescription(SrGanOptions o, ExportRequest request) =>
        $"{Architecture(o)} trained with BasicSR's two phases (L1, then L1 {o.PixelWeight.ToString(CultureInfo.InvariantCulture)} + perceptual " +
        $"{o.PerceptualWeight.ToString(CultureInfo.InvariantCulture)} + {o.Loss} GAN {o.GanWeight.ToString(CultureInfo.InvariantCulture)}).";

    // Images in [0, 1], as BasicSR trains them (ManifestDraft assumes [-1, 1]).
    protected override ModelManifest Complete(ModelManifest draft, Layer g, SrGanOptions o, ExportRequest request) =>
        draft with { Image = draft.Image with { RangeMin = 0f, RangeMax = 1f } };
}
