using System.Globalization;
using GanService.Contracts;
using GanService.Training.Export;
using GanService.Training.Onnx;

namespace GanService.Training.Families.StyleGan2;

/// <summary>
/// Exports G_ema as three ONNX graphs:
/// <list type="bullet">
/// <item><c>mapping.onnx</c> (role mapping): z (B, Z) [latent], psi (1,) [psi] → w (B, W) [w], truncated toward the
/// tracked w_avg inside the graph. With <c>--set cutoff=K</c> it also outputs ws (B, num_ws, W) [ws] where only rows
/// [0, K) are truncated (NVlabs truncation_cutoff); without it every row uses w.</item>
/// <item><c>synthesis.onnx</c> (role synthesis): ws (B, num_ws, W) [ws] → image; noise mode `const` baked (each layer's
/// const buffer × its learned strength is an initializer).</item>
/// <item><c>synthesis_noise.onnx</c> (role synthesis_noise): ws plus one noise input per modulated conv,
/// noise_i (B, 1, H_i, W_i) [noise] (multiplied by the learned strength inside): `random` feeds N(0,1) maps, `none`
/// zeros. StyleSpec.NumNoiseInputs = that count.</item>
/// </list>
/// Style mixing and interpolation happen in W on the caller's side: rows of ws from two seeds, or lerp of w.
/// </summary>
public sealed class StyleGan2ExportFamily : IExportableFamily
{
    public string Name => StyleGan2Trainer.Family;
    public string Description => "StyleGAN2 (mapping + synthesis graphs); options: size, z_dim, w_dim, map_layers, channel_base, channel_max, cutoff, psi";

    public const string MappingFile = "mapping.onnx";
    public const string SynthesisFile = "synthesis.onnx";
    public const string SynthesisNoiseFile = "synthesis_noise.onnx";

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint,
        IReadOnlyDictionary<string, string> overrides)
    {
        StyleGan2Generator g;
        TrainingInfo training;
        if (checkpoint is not null)
        {
            var (_, options) = Checkpoints.Checkpoint.ReadOptions<StyleGan2TrainOptions>(checkpoint);
            g = new StyleGan2Generator(options.Arch);
            Checkpoints.Checkpoint.LoadModule(checkpoint, "G_ema", g);
            var state = Checkpoints.Checkpoint.ReadState(checkpoint);
            training = new TrainingInfo(Get(overrides, "data", TrainingProvenance.DataDescription(options.DataDescription, options.Data)), Get(overrides, "data_license", "unspecified"),
                $"{state.ElapsedSeconds / 60:F0} min on CPU", $"{state.Step} steps × batch {options.Batch} = {state.Step * options.Batch / 1000.0:F1} kimg",
                OnnxExporter.ProducerVersion);
        }
        else
        {
            var d = new StyleGan2Architecture();
            var arch = d with
            {
                Resolution = GetInt(overrides, "size", d.Resolution), ImageChannels = GetInt(overrides, "channels", d.ImageChannels),
                ZDim = GetInt(overrides, "z_dim", d.ZDim), WDim = GetInt(overrides, "w_dim", d.WDim),
                MappingLayers = GetInt(overrides, "map_layers", d.MappingLayers), ChannelBase = GetInt(overrides, "channel_base", d.ChannelBase),
                ChannelMax = GetInt(overrides, "channel_max", d.ChannelMax),
            };
            torch.manual_seed(GetInt(overrides, "seed", 0));
            g = new StyleGan2Generator(arch);
            training = new TrainingInfo("none (random initialisation)", "n/a", TrainerVersion: OnnxExporter.ProducerVersion);
        }
        int? cutoff = overrides.TryGetValue("cutoff", out var c) ? int.Parse(c, CultureInfo.InvariantCulture) : null;
        float psi = overrides.TryGetValue("psi", out var p) ? float.Parse(p, CultureInfo.InvariantCulture) : 0.7f;
        var draft = Draft(modelName, g, psi, Get(overrides, "license", "unspecified"), training) with
        {
            Description = checkpoint is null ? "Randomly initialised StyleGAN2 (for checking the export chain)." : GetOptional(overrides, "description"),
        };
        return (draft, Graphs(g, cutoff));
    }

    /// <summary>The manifest draft of a generator (graphs and hashes are filled in by <see cref="ModelPackage.Write"/>).</summary>
    public static ModelManifest Draft(string modelName, StyleGan2Generator g, float psi, string license, TrainingInfo? training)
    {
        var a = g.Arch;
        return new ModelManifest
        {
            Name = modelName, Family = "stylegan2", Task = ModelTasks.Generate, Graphs = [],
            Image = new ImageSpec(a.ImageChannels, a.Resolution, a.Resolution),
            Latent = new LatentSpec(a.ZDim),
            Style = new StyleSpec(g.NumWs, a.WDim, psi, g.synthesis.NumNoiseInputs),
            License = license,
            Training = training,
        };
    }

    /// <summary>The three graphs for a generator (eval mode).</summary>
    public static IReadOnlyList<PackagedGraph> Graphs(StyleGan2Generator g, int? cutoff = null)
    {
        var a = g.Arch;
        var (mapIn, mapOut) = MappingIo(g, cutoff);
        var mapping = OnnxExporter.Export(g, mapIn, mapOut,
            (b, ins) => g.mapping.EmitGraph(b, ins[0], ins[1], cutoff), graphName: "stylegan2_mapping");
        var (synIn, synOut) = SynthesisIo(g, noiseInputs: false);
        var synthesis = OnnxExporter.Export(g, synIn, synOut,
            (b, ins) => [g.synthesis.EmitGraph(b, ins[0], null)], graphName: "stylegan2_synthesis");
        var (noiseIn, noiseOut) = SynthesisIo(g, noiseInputs: true);
        var synthesisNoise = OnnxExporter.Export(g, noiseIn, noiseOut,
            (b, ins) => [g.synthesis.EmitGraph(b, ins[0], ins.Skip(1).ToArray())], graphName: "stylegan2_synthesis_noise");
        return
        [
            new PackagedGraph("mapping", MappingFile, mapping,
                [ModelPackage.Spec(mapIn[0], TensorRoles.Latent), ModelPackage.Spec(mapIn[1], TensorRoles.Psi)],
                mapOut.Select(o => ModelPackage.Spec(o, o.Name == "w" ? TensorRoles.W : TensorRoles.Ws)).ToArray()),
            new PackagedGraph("synthesis", SynthesisFile, synthesis,
                [ModelPackage.Spec(synIn[0], TensorRoles.Ws)], [ModelPackage.Spec(synOut[0], TensorRoles.Image)]),
            new PackagedGraph("synthesis_noise", SynthesisNoiseFile, synthesisNoise,
                noiseIn.Select((io, i) => ModelPackage.Spec(io, i == 0 ? TensorRoles.Ws : TensorRoles.Noise)).ToArray(),
                [ModelPackage.Spec(noiseOut[0], TensorRoles.Image)]),
        ];
    }

    public static (OnnxIo[] Inputs, OnnxIo[] Outputs) MappingIo(StyleGan2Generator g, int? cutoff)
    {
        var a = g.Arch;
        OnnxIo[] outs = cutoff is null
            ? [new OnnxIo("w", [-1, a.WDim])]
            : [new OnnxIo("w", [-1, a.WDim]), new OnnxIo("ws", [-1, g.NumWs, a.WDim])];
        return ([new OnnxIo("z", [-1, a.ZDim]), new OnnxIo("psi", [1])], outs);
    }

    public static (OnnxIo[] Inputs, OnnxIo[] Outputs) SynthesisIo(StyleGan2Generator g, bool noiseInputs)
    {
        var a = g.Arch;
        var inputs = new List<OnnxIo> { new("ws", [-1, g.NumWs, a.WDim]) };
        if (noiseInputs)
            inputs.AddRange(g.synthesis.NoiseLayers.Select((l, i) => new OnnxIo($"noise_{i}", [-1, 1, l.Resolution, l.Resolution])));
        return (inputs.ToArray(), [new OnnxIo("image", [-1, a.ImageChannels, a.Resolution, a.Resolution])]);
    }

    private static int GetInt(IReadOnlyDictionary<string, string> o, string key, int fallback) =>
        o.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static string Get(IReadOnlyDictionary<string, string> o, string key, string fallback) =>
        o.TryGetValue(key, out var v) ? v : fallback;

    private static string? GetOptional(IReadOnlyDictionary<string, string> o, string key) => o.TryGetValue(key, out var v) ? v : null;
}
