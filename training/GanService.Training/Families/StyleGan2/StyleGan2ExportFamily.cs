using GanService.Contracts;
using GanService.Training.Export;
using GanService.Training.Onnx;
using GanService.Training.Training;

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
/// <summary>What `gan export stylegan2 --set …` may set. The architecture (and seed) only for a random init: a checkpoint
/// brings its own.</summary>
public sealed record StyleGan2ExportOptions
{
    public StyleGan2Architecture Arch { get; init; } = new();
    public int Seed { get; init; }
    public int? Cutoff { get; init; }                  // truncate only ws rows [0, cutoff) (NVlabs truncation_cutoff)
    public float Psi { get; init; } = 0.7f;            // the manifest's default truncation ψ
    public string License { get; init; } = "unspecified";
    public string? Data { get; init; }                 // a description of the training data (default: the run's data path)
    public string DataLicense { get; init; } = "unspecified";
    public string? Description { get; init; }
}

public sealed class StyleGan2ExportFamily : IExportableFamily
{
    public string Name => StyleGan2Trainer.Family;
    public string Description => "StyleGAN2 (mapping + synthesis graphs); --set: psi, cutoff, license, data, dataLicense, description; random init also resolution, zDim, wDim, mappingLayers, channelBase, channelMax, seed";

    public const string MappingFile = "mapping.onnx";
    public const string SynthesisFile = "synthesis.onnx";
    public const string SynthesisNoiseFile = "synthesis_noise.onnx";

    public (ModelManifest Draft, IReadOnlyList<PackagedGraph> Graphs) BuildExport(string modelName, string? checkpoint,
        IReadOnlyDictionary<string, string> overrides)
    {
        var o = OptionsBinder.Apply(new StyleGan2ExportOptions(), overrides);
        StyleGan2Generator g;
        TrainingInfo training;
        if (checkpoint is not null)
        {
            var keys = OptionsBinder.Keys(typeof(StyleGan2ExportOptions));
            var fromCheckpoint = overrides.Keys.Where(k => OptionsBinder.Find(keys, k, TextWriter.Null) is var key && (key.Path[0] == "arch" || key.Name == "seed")).ToArray();
            if (fromCheckpoint.Length > 0) throw new ArgumentException($"--set {string.Join(", ", fromCheckpoint)}: the architecture comes from the checkpoint");
            var (_, options) = Checkpoints.Checkpoint.ReadOptions<StyleGan2TrainOptions>(checkpoint);
            g = new StyleGan2Generator(options.Arch);
            Checkpoints.Checkpoint.LoadModule(checkpoint, "G_ema", g);
            var state = Checkpoints.Checkpoint.ReadState(checkpoint);
            training = new TrainingInfo(o.Data ?? TrainingProvenance.DataDescription(options.DataDescription, options.Data), o.DataLicense,
                TrainingProvenance.Duration(state.ElapsedSeconds, options.Device), $"{state.Step} steps × batch {options.Batch} = {state.Step * options.Batch / 1000.0:F1} kimg",
                OnnxExporter.ProducerVersion);
        }
        else
        {
            torch.manual_seed(o.Seed);
            g = new StyleGan2Generator(o.Arch);
            training = new TrainingInfo("none (random initialisation)", "n/a", TrainerVersion: OnnxExporter.ProducerVersion);
        }
        var graphs = Graphs(g, o.Cutoff);
        var draft = Draft(modelName, g, graphs, o.Psi, o.License, training) with
        {
            Description = checkpoint is null ? ManifestDraft.RandomInit("StyleGAN2") : o.Description,
        };
        return (draft, graphs);
    }

    /// <summary>The manifest draft of a generator's <paramref name="graphs"/> (<see cref="ManifestDraft"/>) with its
    /// style: how many ws rows, the default ψ and the noise inputs.</summary>
    public static ModelManifest Draft(string modelName, StyleGan2Generator g, IReadOnlyList<PackagedGraph> graphs, float psi, string license, TrainingInfo? training) =>
        ManifestDraft.Of(modelName, StyleGan2Trainer.Family, graphs) with
        {
            Style = new StyleSpec(g.NumWs, g.Arch.WDim, psi, g.synthesis.NumNoiseInputs),
            License = license,
            Training = training,
        };

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
}
