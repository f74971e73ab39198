using System.Globalization;
using GanService.Contracts;
using GanService.Training.Export;
using GanService.Training.Families.StyleGan2;

namespace GanService.Training.Import;

/// <summary>
/// `gan import stylegan2`: a rosinality/stylegan2-pytorch checkpoint (train.py {g, d, g_ema, …} → g_ema;
/// convert_weight.py {g_ema, latent_avg}; a bare generator state dict; zip or legacy torch.save) or an NVlabs
/// stylegan2-ada-pytorch network snapshot (.pkl → G_ema) → our <see cref="StyleGan2Generator"/> → mapping.onnx,
/// synthesis.onnx and synthesis_noise.onnx in DIR/NAME, with the source file's SHA-256, format and licence in the
/// manifest. Options: "psi" (the manifest's default ψ, 0.7), "cutoff" (truncation cutoff, as in `gan export`).
/// </summary>
public sealed class StyleGan2Importer : ICheckpointImporter
{
    /// <summary>How many latents the average w is taken over when a file stores none (rosinality train.py files).</summary>
    public const int WAvgSamples = 10_000;

    public const string NvidiaLicence =
        "NVIDIA Source Code License-NC: the weights may be used non-commercially only (research and evaluation)";

    public string Family => "stylegan2";

    public ImportResult Import(ImportRequest request, TextWriter log)
    {
        if (request.Labels is { Count: > 0 })
            throw new ArgumentException("stylegan2 imports unconditional generators: --labels does not apply");
        string format = request.Format.Equals("auto", StringComparison.OrdinalIgnoreCase) ? "auto"
            : ImportedModel.CheckFormat(request, Family, "rosinality", "nvlabs");
        ImportedModel.Directory(request);
        var options = request.Options ?? new Dictionary<string, string>();
        float psi = 0.7f;
        if (options.TryGetValue("psi", out var p) && !(float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out psi) && psi >= 0))
            throw new ArgumentException($"psi '{p}' must be a number ≥ 0");
        int? cutoff = null;
        if (options.TryGetValue("cutoff", out var c))
            cutoff = int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out int k) ? k : throw new ArgumentException($"cutoff '{c}' must be a whole number ≥ 0");
        if (!File.Exists(request.CheckpointPath)) throw new FileNotFoundException($"checkpoint '{request.CheckpointPath}' does not exist");

        string container = TorchFile.DetectFormat(request.CheckpointPath).ToString().ToLowerInvariant();
        var translation = StyleGan2Checkpoints.Translate(TorchFile.Load(request.CheckpointPath), format);
        var arch = translation.Arch;
        if (request.Size is { } size && size != arch.Resolution)
            throw new ArgumentException($"--size {size}, but the checkpoint's generator makes {arch.Resolution}² images");
        bool nvlabs = translation.Format == "nvlabs";

        using var g = StyleGan2Checkpoints.Build(translation);
        var inferred = translation.Inferred.ToList();
        inferred.Add(translation.WAvgFromFile
            ? (nvlabs ? "w_avg: the stored mapping.w_avg (NVlabs' training average), used for ψ" : "w_avg: latent_avg from the file, used for ψ")
            : $"w_avg: the file stores none, so it is the mean of {WAvgSamples:N0} mapped z (seeds 0–{WAvgSamples - 1}, the service's seed → z)");
        var notes = new List<string>(translation.Warnings);
        foreach (var w in translation.Warnings) log.WriteLine($"warning: {w}");
        if (!translation.WAvgFromFile)
            notes.Add($"rosinality's generate.py truncates toward mean_latent(4096), the mean of 4,096 torch.randn latents; here the centre is the mean of {WAvgSamples:N0} mapped latents, so ψ < 1 images differ from generate.py's by that sampling difference.");
        if (nvlabs)
        {
            notes.Add("NVIDIA's StyleGAN2 networks are released under the NVIDIA Source Code License-NC: non-commercial use only.");
            log.WriteLine("note: NVIDIA's StyleGAN2 networks are under the NVIDIA Source Code License-NC: non-commercial use only" +
                          (request.Licence is null ? " (recorded as the model's licence)" : $" (recorded licence: {request.Licence})"));
        }
        notes.Add("Seeds: the service turns a seed into z with its own generator (SplitMix64 + Box–Muller), not torch.randn, so the same seed gives a different image than the reference scripts.");

        string file = Path.GetFileName(request.CheckpointPath);
        var graphs = StyleGan2ExportFamily.Graphs(g, cutoff);
        var draft = StyleGan2ExportFamily.Draft(request.Name, g, graphs, psi, nvlabs ? NvidiaLicence : ImportedModel.UnspecifiedLicence, training: null) with
        {
            Description = $"StyleGAN2 {arch.Resolution}² generator imported from a {translation.Format} checkpoint ({file}).",
        };
        var source = ImportedModel.Source(request.CheckpointPath, translation.Format, container, inferred);
        return ImportedModel.Write(request, draft, graphs, source, inferred, notes, log);
    }
}

/// <summary>Finds the generator in a loaded file, translates it (<see cref="StyleGan2Layouts"/>) and builds it.</summary>
public static class StyleGan2Checkpoints
{
    /// <summary>
    /// The generator inside a loaded PyTorch object. <paramref name="format"/>: auto | rosinality | nvlabs. rosinality:
    /// a dict with g_ema (train.py, convert_weight.py) or a bare state dict with style.1.weight; NVlabs: a snapshot dict
    /// with G_ema, or the persistent Generator itself.
    /// </summary>
    public static StyleGan2Translation Translate(object? root, string format = "auto")
    {
        format = format.ToLowerInvariant();
        if (format is not ("auto" or "rosinality" or "nvlabs"))
            throw new ArgumentException($"--format {format} does not apply to stylegan2 (auto, rosinality, nvlabs)");
        var top = StyleGan2Layouts.AsDict(root);
        object? nvlabs = top is not null && top.TryGetValue("G_ema", out var gEma) ? gEma
            : root is PickleObject po && StyleGan2Layouts.AsDict(po.State)?.ContainsKey("_modules") == true ? root : null;
        bool rosinality = top is not null && (top.ContainsKey("g_ema") || top.ContainsKey("style.1.weight"));
        string found = root is Dictionary<string, object?> d && d.Values.Any(v => v is TorchTensor)
            ? CheckpointGuess.Hint(new SourceState(StateDicts.FromDict(d), "a StyleGAN2 checkpoint")).TrimStart(';', ' ')
            : "found " + (top is null ? PickleReader.Describe(root) : "a dict with keys " + string.Join(", ", top.Keys.Take(8)) + (top.Count > 8 ? ", …" : ""));

        if (format == "nvlabs" || (format == "auto" && nvlabs is not null && !rosinality))
        {
            if (nvlabs is not PickleObject module)
                throw new CheckpointImportException($"not an NVlabs network snapshot: expected a dict with G_ema (a persistent Generator); {found}");
            var state = StyleGan2Layouts.AsDict(module.State);
            var kwargs = state is not null && state.TryGetValue("_init_kwargs", out var k) ? StyleGan2Layouts.AsDict(k) : null;
            return StyleGan2Layouts.FromNvlabs(StateDicts.FromModule(module), kwargs);
        }
        if (format == "rosinality" || (format == "auto" && rosinality))
        {
            if (!rosinality)
                throw new CheckpointImportException($"not a rosinality StyleGAN2 checkpoint: expected a dict with g_ema or style.* keys; {found}");
            string layout;
            object? stateDict;
            if (top!.TryGetValue("g_ema", out var ema))
            {
                stateDict = ema;
                layout = top.ContainsKey("g") || top.ContainsKey("args") ? "train.py checkpoint, g_ema" : "convert_weight.py checkpoint, g_ema";
            }
            else (stateDict, layout) = (root, "bare generator state dict");
            var latentAvg = top.TryGetValue("latent_avg", out var la) ? la as TorchTensor : null;
            var t = StyleGan2Layouts.FromRosinality(StateDicts.FromDict(stateDict), latentAvg, layout);
            return t with { Warnings = [.. t.Warnings, .. ArgsDisagreements(top, t.Arch)] };
        }
        throw new CheckpointImportException($"not a StyleGAN2 checkpoint: expected rosinality ({{g_ema, …}}) or an NVlabs snapshot ({{G_ema, …}}); {found}");
    }

    /// <summary>rosinality train.py stores its argparse.Namespace; the weights win, but a disagreement is worth a line.</summary>
    private static IEnumerable<string> ArgsDisagreements(IReadOnlyDictionary<string, object?> top, StyleGan2Architecture arch)
    {
        var args = top.TryGetValue("args", out var a) ? StyleGan2Layouts.AsDict(a) : null;
        if (args is null) yield break;
        foreach (var (name, actual) in new[] { ("size", arch.Resolution), ("latent", arch.WDim), ("n_mlp", arch.MappingLayers) })
            if (args.TryGetValue(name, out var v) && v is long stored && stored != actual)
                yield return $"args.{name} is {stored} but the weights say {actual}; the weights are used";
    }

    /// <summary>
    /// Our generator with the translated weights, loaded strictly (every parameter and buffer present, shapes equal).
    /// When the file holds no average w, w_avg is the mean of <see cref="StyleGan2Importer.WAvgSamples"/> mapped z.
    /// </summary>
    public static StyleGan2Generator Build(StyleGan2Translation t)
    {
        var g = new StyleGan2Generator(t.Arch);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ours = g.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(g.named_buffers()).ToDictionary(p => p.Item1, p => p.Item2);
        foreach (var key in t.State.Keys)
            if (!ours.ContainsKey(key))
                throw new CheckpointImportException($"unexpected key '{t.SourceKeys[key]}' (not part of a StyleGAN2 generator we can build)");
        foreach (var (key, target) in ours)
        {
            if (!t.State.TryGetValue(key, out var src))
            {
                if (key == "mapping.w_avg" && !t.WAvgFromFile) continue;
                throw new CheckpointImportException($"the checkpoint has no tensor for '{key}' (our name) of the inferred architecture");
            }
            if (!src.Shape.SequenceEqual(target.shape))
                throw new CheckpointImportException($"'{t.SourceKeys[key]}' has shape [{string.Join(", ", src.Shape)}]; the inferred architecture needs [{string.Join(", ", target.shape)}] for '{key}'");
            target.copy_(torch.tensor(src.Data, target.shape));
        }
        if (!t.WAvgFromFile) g.mapping.w_avg.copy_(MeanW(g.mapping, StyleGan2Importer.WAvgSamples));
        g.eval();
        return g;
    }

    /// <summary>Mean of the mapping over z of seeds 0 … n−1 (SeedLatent, the service's own seed → z).</summary>
    public static Tensor MeanW(MappingNetwork mapping, int n, int batch = 1000)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var sum = torch.zeros(mapping.WDim, dtype: ScalarType.Float64);
        for (int start = 0; start < n; start += batch)
        {
            int count = Math.Min(batch, n - start);
            var seeds = Enumerable.Range(start, count).Select(i => (uint)i).ToArray();
            var z = torch.tensor(SeedLatent.Batch(seeds, mapping.ZDim), [count, mapping.ZDim]);
            sum += mapping.Map(z).to_type(ScalarType.Float64).sum([0]);
        }
        return (sum / n).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
