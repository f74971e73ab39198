using System.Globalization;
using GanService.Contracts;
using GanService.Training.Checkpoints;
using GanService.Training.Export;
using GanService.Training.Families.ProGan;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Onnx;

namespace GanService.Training.Families.StyleGan;

/// <summary>
/// `gan export stylegan`: G_ema (or the live G, <c>--set weights=G</c>) at its final resolution as the same three
/// graphs, roles and manifest shape as <see cref="StyleGan2ExportFamily"/>, so the service and the CLI run it exactly as
/// a StyleGAN2:
/// <list type="bullet">
/// <item><c>mapping.onnx</c> (role mapping): z [latent], psi (1,) [psi] → w [w], truncated toward w_avg in the graph;
/// with <c>--set cutoff=K</c> also ws [ws] with only rows [0, K) truncated (NVlabs truncation_cutoff, 8 there).</item>
/// <item><c>synthesis.onnx</c> (role synthesis): ws (B, num_ws, W) [ws] → image, const noise baked in.</item>
/// <item><c>synthesis_noise.onnx</c> (role synthesis_noise): ws plus noise_i (B, 1, H_i, W_i) [noise] per layer (scaled
/// by the learned per-channel strengths inside): `random` feeds N(0, 1) maps, `none` zeros.</item>
/// </list>
/// The manifest's default ψ is 0.7 (NVlabs' truncation_psi); <c>--set psi=…</c> changes it. A checkpoint that has not
/// grown to its final size with α = 1 is refused, as ProGAN's.
/// </summary>
public sealed class StyleGanExportFamily : GeneratorExport<StyleGanOptions, StyleGanGenerator>
{
    public override string Name => StyleGanTrainer.Family;
    public override string Description => "StyleGAN 2018 (mapping + synthesis graphs, as stylegan2) at its final resolution; --set psi, cutoff, weights=G_ema|G (default G_ema); random init: any StyleGanOptions key";

    protected override bool ChoosesWeights => true;
    protected override IReadOnlyList<string> SettingKeys(string? checkpoint) => ["psi", "cutoff"];
    protected override StyleGanOptions Defaults() => new();
    protected override string What(StyleGanOptions o, ExportRequest request) => "StyleGAN generator";

    protected override (StyleGanGenerator Generator, string? Weights) Load(StyleGanOptions o, ExportRequest request)
    {
        var (g, d, ema) = StyleGanTrainer.Build(o);
        if (request.Checkpoint is not null) ProGanExportFamily.LoadGrown(request.Checkpoint, request.Weights, ema, o.Growth);
        g.Dispose(); d.Dispose();
        return (ema, ExportOptions.DescribeWeights(request.Weights, o.EmaBeta));
    }

    protected override IReadOnlyList<PackagedGraph> Graphs(StyleGanGenerator g, StyleGanOptions o, ExportRequest request) =>
        Graphs(g, request.Setting("cutoff") is { } cutoff
            ? int.TryParse(cutoff, CultureInfo.InvariantCulture, out var c) && c >= 0 ? c : throw new ArgumentException($"--set cutoff expects a layer count ≥ 0, got '{cutoff}'")
            : null);

    protected override string Steps(StyleGanOptions o, TrainingState state, string? weights) => string.Create(CultureInfo.InvariantCulture,
        $"{state.Step} steps × batch {o.Batch} = {state.Step * o.Batch / 1000.0:F0} kimg, phases of {o.PhaseImages / 1000.0:F0} kimg, loss {o.Loss}, {weights}");

    protected override ModelManifest Complete(ModelManifest draft, StyleGanGenerator g, StyleGanOptions o, ExportRequest request)
    {
        float psi = request.Setting("psi") is not { } text ? 0.7f
            : float.TryParse(text, CultureInfo.InvariantCulture, out var p) && float.IsFinite(p) ? p : throw new ArgumentException($"--set psi expects a number, got '{text}'");
        return draft with { Style = new StyleSpec(g.NumWs, o.WDim, psi, g.synthesis.NumNoiseInputs) };
    }

    /// <summary>The mapping graph's inputs and outputs (w, and ws when a cutoff is given).</summary>
    public static (OnnxIo[] Inputs, OnnxIo[] Outputs) MappingIo(StyleGanGenerator g, int? cutoff)
    {
        long w = g.Options.WDim;
        OnnxIo[] outs = cutoff is null ? [new("w", [-1, w])] : [new("w", [-1, w]), new("ws", [-1, g.NumWs, w])];
        return ([new OnnxIo("z", [-1, g.Options.ZDim]), new OnnxIo("psi", [1])], outs);
    }

    /// <summary>The synthesis graph's inputs (ws, and one noise map per layer when <paramref name="noiseInputs"/>) and output.</summary>
    public static (OnnxIo[] Inputs, OnnxIo[] Outputs) SynthesisIo(StyleGanGenerator g, bool noiseInputs)
    {
        var o = g.Options;
        OnnxIo[] noise = noiseInputs ? [.. g.synthesis.Layers.Select((l, i) => new OnnxIo($"noise_{i}", [-1, 1, l.Resolution, l.Resolution]))] : [];
        return ([new OnnxIo("ws", [-1, g.NumWs, o.WDim]), .. noise], [new OnnxIo("image", [-1, o.Channels, o.Size, o.Size])]);
    }

    /// <summary>The three graphs of a generator (exported in eval mode), with their tensor roles.</summary>
    public static IReadOnlyList<PackagedGraph> Graphs(StyleGanGenerator g, int? cutoff = null)
    {
        var (mapIn, mapOut) = MappingIo(g, cutoff);
        var mapping = OnnxExporter.Export(g, mapIn, mapOut, (b, ins) => g.mapping.EmitGraph(b, ins[0], ins[1], cutoff), graphName: "stylegan_mapping");
        PackagedGraph Synthesis(string role, string file, bool noiseInputs)
        {
            var (inputs, outputs) = SynthesisIo(g, noiseInputs);
            var model = OnnxExporter.Export(g, inputs, outputs,
                (b, ins) => [g.synthesis.EmitGraph(b, ins[0], noiseInputs ? ins.Skip(1).ToArray() : null)], graphName: "stylegan_" + role);
            return new PackagedGraph(role, file, model,
                [.. inputs.Select((io, i) => ModelPackage.Spec(io, i == 0 ? TensorRoles.Ws : TensorRoles.Noise))],
                [ModelPackage.Spec(outputs[0], TensorRoles.Image)]);
        }
        return
        [
            new PackagedGraph("mapping", StyleGan2ExportFamily.MappingFile, mapping,
                [ModelPackage.Spec(mapIn[0], TensorRoles.Latent), ModelPackage.Spec(mapIn[1], TensorRoles.Psi)],
                [.. mapOut.Select(io => ModelPackage.Spec(io, io.Name == "w" ? TensorRoles.W : TensorRoles.Ws))]),
            Synthesis("synthesis", StyleGan2ExportFamily.SynthesisFile, noiseInputs: false),
            Synthesis("synthesis_noise", StyleGan2ExportFamily.SynthesisNoiseFile, noiseInputs: true),
        ];
    }
}
