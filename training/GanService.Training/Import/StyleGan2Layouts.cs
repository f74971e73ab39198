using System.Globalization;
using GanService.Training.Families.StyleGan2;

namespace GanService.Training.Import;

/// <summary>
/// A StyleGAN2 generator checkpoint renamed to our parameter names: the architecture inferred from it, its tensors
/// under our keys (shapes already ours), the source key of each, and what was inferred (printed by `gan import`).
/// <see cref="WAvgFromFile"/> false: the file has no average w, the importer computes one.
/// </summary>
public sealed record StyleGan2Translation(
    string Format,
    StyleGan2Architecture Arch,
    IReadOnlyDictionary<string, TorchTensor> State,
    IReadOnlyDictionary<string, string> SourceKeys,
    bool WAvgFromFile,
    IReadOnlyList<string> Inferred,
    IReadOnlyList<string> Warnings);

/// <summary>
/// The two StyleGAN2 checkpoint layouts we read, translated to <see cref="StyleGan2Generator"/>'s names:
/// rosinality/stylegan2-pytorch (model.py Generator) and NVlabs/stylegan2-ada-pytorch (training/networks.py Generator).
/// Everything that the shapes determine is inferred from them; settings that only exist in NVlabs' _init_kwargs
/// (conv_clamp) are read from there and cross-checked against the shapes.
/// </summary>
public static class StyleGan2Layouts
{
    /// <summary>Both references' mapping networks default to lr_mul 0.01; weights are stored divided by it.</summary>
    public const double DefaultMappingLrMultiplier = 0.01;

    // ───────────────────────────── rosinality ─────────────────────────────

    /// <summary>
    /// rosinality Generator state dict → ours. Renames (checked against model.py): style.{i} (i ≥ 1; style.0 is
    /// PixelNorm) → mapping.fc{i−1}; input.input (1,C,4,4) → b4.const; conv1 → b4.conv1; convs.{2j}, convs.{2j+1} →
    /// b{2^(j+3)}.conv0, conv1; to_rgb1 → b4.torgb; to_rgbs.{j} → b{2^(j+3)}.torgb; noises.noise_{n} (1,1,r,r) → the
    /// n-th layer's noise_const (r,r). ModulatedConv2d multiplies its (1,o,i,k,k) weight by 1/√(i·k·k) at run time
    /// before modulating; our SynthesisLayer has no weight gain (demodulation makes the scale irrelevant except for the
    /// 1e-8 epsilon), so the gain is folded into the stored weight. ToRGB's 1×1 conv has the same 1/√i gain, which our
    /// ToRgbLayer applies to the styles itself, so that weight is copied as it is. Blur/upsample kernels are buffers
    /// equal to our fixed [1,3,3,1] filter (× 4): checked, then dropped. <paramref name="latentAvg"/>: convert_weight.py's
    /// latent_avg (the TF model's dlatent_avg), else null.
    /// </summary>
    public static StyleGan2Translation FromRosinality(IReadOnlyDictionary<string, TorchTensor> sd, TorchTensor? latentAvg, string layout)
    {
        var t = new Translator(new SourceState(sd, "a rosinality StyleGAN2 Generator state dict"));
        int nMlp = 0;
        while (t.Has($"style.{nMlp + 1}.weight")) nMlp++;
        if (nMlp == 0)
            throw new CheckpointImportException($"no 'style.1.weight': not a rosinality StyleGAN2 generator state dict{CheckpointGuess.Hint(t.Source)}");
        var fc0 = t.Peek("style.1.weight", 2);
        int wDim = (int)fc0.Shape[0], zDim = (int)fc0.Shape[1];
        for (int i = 1; i <= nMlp; i++)
        {
            t.Put($"mapping.fc{i - 1}.weight", $"style.{i}.weight", [wDim, i == 1 ? zDim : wDim]);
            t.Put($"mapping.fc{i - 1}.bias", $"style.{i}.bias", [wDim]);
        }

        int blocksAbove4 = 0;
        while (t.Has($"to_rgbs.{blocksAbove4}.conv.weight")) blocksAbove4++;
        int resolution = 4 << blocksAbove4;
        var constInput = t.Peek("input.input", 4);
        var channels = new int[blocksAbove4 + 1];
        channels[0] = (int)constInput.Shape[1];
        for (int j = 0; j < blocksAbove4; j++) channels[j + 1] = (int)t.Peek($"convs.{2 * j}.conv.weight", 5).Shape[1];
        int imageChannels = (int)t.Peek("to_rgb1.conv.weight", 5).Shape[1];

        t.Put("synthesis.b4.const", "input.input", [channels[0], 4, 4]);
        StyledConv(t, "conv1", "synthesis.b4.conv1", noiseIndex: 0, 4, up: false);
        ToRgb(t, "to_rgb1", "synthesis.b4.torgb", upsample: false);
        for (int j = 0; j < blocksAbove4; j++)
        {
            int res = 8 << j;
            StyledConv(t, $"convs.{2 * j}", $"synthesis.b{res}.conv0", 2 * j + 1, res, up: true);
            StyledConv(t, $"convs.{2 * j + 1}", $"synthesis.b{res}.conv1", 2 * j + 2, res, up: false);
            ToRgb(t, $"to_rgbs.{j}", $"synthesis.b{res}.torgb", upsample: true);
        }
        if (latentAvg is not null)
        {
            if (latentAvg.Count != wDim)
                throw new CheckpointImportException($"latent_avg has shape [{string.Join(", ", latentAvg.Shape)}]; the mapping's w has {wDim} values");
            t.PutExtra("mapping.w_avg", "latent_avg", new TorchTensor(latentAvg.DType, [wDim], latentAvg.Data));
        }
        t.Source.EnsureAllAccountedFor();

        var arch = WithChannelTable(new StyleGan2Architecture
        {
            Resolution = resolution, ImageChannels = imageChannels, ZDim = zDim, WDim = wDim, MappingLayers = nMlp,
            MappingLrMultiplier = DefaultMappingLrMultiplier,
        }, channels);
        var inferred = Describe("rosinality", layout, arch, t.Source,
            $"mapping lr multiplier {DefaultMappingLrMultiplier.ToString(CultureInfo.InvariantCulture)} (rosinality's lr_mlp default; not stored in the file)");
        return new StyleGan2Translation("rosinality", arch, t.State, t.Sources, latentAvg is not null, inferred, []);
    }

    private static void StyledConv(Translator t, string src, string dst, int noiseIndex, int res, bool up)
    {
        var w = t.Peek($"{src}.conv.weight", 5);
        long o = w.Shape[1], i = w.Shape[2], k = w.Shape[3];
        if (w.Shape[0] != 1 || k != 3 || w.Shape[4] != 3)
            throw new CheckpointImportException($"'{src}.conv.weight' has shape [{string.Join(", ", w.Shape)}]; a StyledConv weight is (1, out, in, 3, 3)");
        t.Put($"{dst}.weight", $"{src}.conv.weight", [o, i, 3, 3], scale: 1 / Math.Sqrt(i * k * k));
        t.Put($"{dst}.affine.weight", $"{src}.conv.modulation.weight");
        t.Put($"{dst}.affine.bias", $"{src}.conv.modulation.bias");
        t.Put($"{dst}.noise_strength", $"{src}.noise.weight", []);
        t.Put($"{dst}.bias", $"{src}.activate.bias");
        t.Put($"{dst}.noise_const", $"noises.noise_{noiseIndex}", [res, res]);
        if (up) t.DropFilter($"{src}.conv.blur.kernel", gain: 4);
    }

    private static void ToRgb(Translator t, string src, string dst, bool upsample)
    {
        var w = t.Peek($"{src}.conv.weight", 5);
        t.Put($"{dst}.weight", $"{src}.conv.weight", [w.Shape[1], w.Shape[2], w.Shape[3], w.Shape[4]]);
        t.Put($"{dst}.affine.weight", $"{src}.conv.modulation.weight");
        t.Put($"{dst}.affine.bias", $"{src}.conv.modulation.bias");
        t.Put($"{dst}.bias", $"{src}.bias", [w.Shape[1]]);
        if (upsample) t.DropFilter($"{src}.upsample.kernel", gain: 4);
    }

    // ───────────────────────────── NVlabs ─────────────────────────────

    /// <summary>
    /// NVlabs stylegan2-ada-pytorch Generator (G_ema) state dict → ours: the names are already ours; the
    /// <c>*.resample_filter</c> buffers (setup_filter([1,3,3,1]): outer product / 64) are checked and dropped.
    /// <paramref name="initKwargs"/>: the object's _init_kwargs (z_dim, w_dim, c_dim, img_resolution, img_channels,
    /// mapping_kwargs, synthesis_kwargs), or null when the file lacks them (then conv_clamp is unknown: none, warned).
    /// </summary>
    public static StyleGan2Translation FromNvlabs(IReadOnlyDictionary<string, TorchTensor> sd, IReadOnlyDictionary<string, object?>? initKwargs)
    {
        var warnings = new List<string>();
        if (sd.Keys.Any(k => k.StartsWith("synthesis.input.", StringComparison.Ordinal) || k.StartsWith("synthesis.L", StringComparison.Ordinal)))
            throw new CheckpointImportException("this is a StyleGAN3 (alias-free) generator (synthesis.input / synthesis.L* layers); only StyleGAN2 networks import");
        if (sd.Keys.Any(k => k.StartsWith("mapping.embed.", StringComparison.Ordinal)) || Int(initKwargs, "c_dim") is > 0)
            throw new CheckpointImportException($"conditional generator (c_dim {Int(initKwargs, "c_dim")?.ToString(CultureInfo.InvariantCulture) ?? "> 0"}, mapping.embed): class-conditional StyleGAN2 import is not supported; only unconditional networks (c_dim 0)");
        var synthesisKwargs = Dict(initKwargs, "synthesis_kwargs");
        var mappingKwargs = Dict(initKwargs, "mapping_kwargs");
        if (Str(synthesisKwargs, "architecture") is { } architecture && architecture != "skip")
            throw new CheckpointImportException($"synthesis architecture '{architecture}': only NVlabs' default 'skip' generator imports");

        var t = new Translator(new SourceState(sd, "an NVlabs StyleGAN2 Generator"));
        int layers = 0;
        while (t.Has($"mapping.fc{layers}.weight")) layers++;
        if (layers == 0) throw new CheckpointImportException($"no 'mapping.fc0.weight': not an NVlabs StyleGAN2 generator{CheckpointGuess.Hint(t.Source)}");
        var fc0 = t.Peek("mapping.fc0.weight", 2);
        int wDim = (int)fc0.Shape[0], zDim = (int)fc0.Shape[1];
        var resolutions = new List<int>();
        for (int res = 4; t.Has($"synthesis.b{res}.conv1.weight"); res *= 2) resolutions.Add(res);
        if (resolutions.Count == 0) throw new CheckpointImportException("no 'synthesis.b4.conv1.weight': not an NVlabs StyleGAN2 generator");
        int resolution = resolutions[^1];
        var channels = resolutions.Select(r => (int)t.Peek($"synthesis.b{r}.conv1.weight", 4).Shape[0]).ToArray();
        int imageChannels = (int)t.Peek("synthesis.b4.torgb.weight", 4).Shape[0];

        foreach (var key in t.Source.Keys.Where(k => k.EndsWith(".resample_filter", StringComparison.Ordinal)).ToList())
            t.DropFilter(key, gain: 1);
        foreach (var key in t.Source.Keys.Where(k => !k.EndsWith(".resample_filter", StringComparison.Ordinal)).ToList())
            t.Put(key, key);
        if (!t.Has("mapping.w_avg"))
            throw new CheckpointImportException("no 'mapping.w_avg': the generator was built without w_avg tracking, so truncation has no centre");

        double lrMul = Double(mappingKwargs, "lr_multiplier") ?? DefaultMappingLrMultiplier;
        double? convClamp = Double(synthesisKwargs, "conv_clamp");
        if (initKwargs is null)
            warnings.Add("the file has no _init_kwargs: conv_clamp is unknown and assumed absent (NVlabs train.py sets 256 unless --fp32)");
        var arch = WithChannelTable(new StyleGan2Architecture
        {
            Resolution = resolution, ImageChannels = imageChannels, ZDim = zDim, WDim = wDim, MappingLayers = layers,
            MappingLrMultiplier = lrMul, ConvClamp = convClamp,
        }, channels);

        // The stored settings must agree with the shapes (a mismatch means a file we do not understand).
        void Agree(string name, int? stored, int fromShapes)
        {
            if (stored is { } v && v != fromShapes)
                throw new CheckpointImportException($"_init_kwargs.{name} is {v} but the weights say {fromShapes}");
        }
        Agree("z_dim", Int(initKwargs, "z_dim"), zDim);
        Agree("w_dim", Int(initKwargs, "w_dim"), wDim);
        Agree("img_resolution", Int(initKwargs, "img_resolution"), resolution);
        Agree("img_channels", Int(initKwargs, "img_channels"), imageChannels);
        Agree("mapping_kwargs.num_layers", Int(mappingKwargs, "num_layers"), layers);
        if (Int(synthesisKwargs, "channel_base") is { } cb)
        {
            int cm = Int(synthesisKwargs, "channel_max") ?? 512;
            var expected = resolutions.Select(r => Math.Min(cb / r, cm)).ToArray();
            if (!expected.SequenceEqual(channels))
                throw new CheckpointImportException($"_init_kwargs channel_base {cb} / channel_max {cm} give channels [{string.Join(", ", expected)}] but the weights have [{string.Join(", ", channels)}]");
        }
        var notes = new List<string>
        {
            $"mapping lr multiplier {lrMul.ToString(CultureInfo.InvariantCulture)}" + (Double(mappingKwargs, "lr_multiplier") is null ? " (NVlabs default)" : " (from mapping_kwargs)"),
            convClamp is { } c ? $"conv_clamp {c.ToString(CultureInfo.InvariantCulture)}: every synthesis layer and ToRGB output clamped to ±{c.ToString(CultureInfo.InvariantCulture)} (an ONNX Clip)" : "no conv_clamp",
        };
        if (Int(synthesisKwargs, "num_fp16_res") is > 0 and var fp16)
            notes.Add($"num_fp16_res {fp16}: NVlabs runs the top {fp16} resolutions in float16; they run in float32 here (outputs differ at float16 rounding level)");
        var inferred = Describe("nvlabs", "G_ema", arch, t.Source, [.. notes]);
        return new StyleGan2Translation("nvlabs", arch, t.State, t.Sources, WAvgFromFile: true, inferred, warnings);
    }

    // ───────────────────────────── shared ─────────────────────────────

    /// <summary>
    /// Sets the channel table: as ChannelBase/ChannelMax when min(base/res, max) reproduces it (every official config,
    /// e.g. rosinality channel_multiplier 2 = base 32768, max 512), else as an explicit table.
    /// </summary>
    public static StyleGan2Architecture WithChannelTable(StyleGan2Architecture arch, int[] channels)
    {
        int max = channels[0];
        int firstBelow = Array.FindIndex(channels, c => c < max);
        IEnumerable<int> candidates = firstBelow < 0
            ? [max * arch.Resolution]
            // floor(base/res) = c at that resolution: base ∈ [c·res, c·res + res − 1].
            : Enumerable.Range(0, 4 << firstBelow).Select(d => channels[firstBelow] * (4 << firstBelow) + d);
        foreach (int cb in candidates)
        {
            var fit = arch with { ChannelBase = cb, ChannelMax = max, Channels = null };
            if (fit.ChannelTable().SequenceEqual(channels.Select(c => (long)c))) return fit;
        }
        return arch with { Channels = channels };
    }

    private static List<string> Describe(string format, string layout, StyleGan2Architecture a, SourceState source, params string[] notes)
    {
        var table = string.Join(", ", a.Resolutions().Select(r => $"{r}²:{a.ChannelsAt(r)}"));
        int numWs = 2 * a.Resolutions().Count();
        var lines = new List<string>
        {
            $"format {format} ({layout})",
            $"resolution {a.Resolution}², {a.ImageChannels} image channels",
            $"z_dim {a.ZDim}, w_dim {a.WDim}, mapping {a.MappingLayers} layers",
            $"channels {table}" + (a.Channels is null ? $" (= min({a.ChannelBase}/res, {a.ChannelMax}))" : " (explicit table)"),
            $"num_ws {numWs}, {numWs - 1} noise layers",
        };
        lines.AddRange(notes);
        if (source.StrippedDataParallelPrefix) lines.Add("keys carried nn.DataParallel's 'module.' prefix (stripped)");
        if (source.Dropped.Count > 0) lines.Add($"dropped {source.Dropped.Count} fixed [1,3,3,1] filter buffers (checked equal to ours)");
        return lines;
    }

    private static IReadOnlyDictionary<string, object?>? Dict(IReadOnlyDictionary<string, object?>? d, string key) =>
        d is not null && d.TryGetValue(key, out var v) ? AsDict(v) : null;

    /// <summary>A pickled dict, or an object (EasyDict and the like) whose state is one.</summary>
    public static IReadOnlyDictionary<string, object?>? AsDict(object? v) => v switch
    {
        IReadOnlyDictionary<string, object?> d => d,
        PickleObject { State: IReadOnlyDictionary<string, object?> s } => s,
        _ => null,
    };

    private static int? Int(IReadOnlyDictionary<string, object?>? d, string key) =>
        d is not null && d.TryGetValue(key, out var v) && v is long l ? (int)l : null;

    private static double? Double(IReadOnlyDictionary<string, object?>? d, string key) =>
        d is not null && d.TryGetValue(key, out var v) ? v switch { long l => l, double x => x, _ => null } : null;

    private static string? Str(IReadOnlyDictionary<string, object?>? d, string key) =>
        d is not null && d.TryGetValue(key, out var v) ? v as string : null;

    /// <summary>
    /// Collects the renamed tensors under our names and remembers each one's source key; the bookkeeping of which
    /// source keys were taken or dropped (and the refusal of the rest) is <see cref="SourceState"/>'s.
    /// </summary>
    private sealed class Translator(SourceState source)
    {
        public SourceState Source => source;
        public Dictionary<string, TorchTensor> State { get; } = [];
        public Dictionary<string, string> Sources { get; } = [];

        public bool Has(string key) => source.Has(key);

        public TorchTensor Peek(string key, int rank)
        {
            var t = source.Peek(key) ?? throw source.Missing(key);
            if (t.Shape.Length != rank)
                throw new CheckpointImportException($"'{key}' has shape {SourceState.Format(t.Shape)}; expected {rank} dimensions");
            return t;
        }

        /// <summary>Takes source[src] as ours[dst], reshaped (same element count) and optionally scaled.</summary>
        public void Put(string dst, string src, long[]? shape = null, double scale = 1)
        {
            var t = source.Take(src, $"our '{dst}'");
            shape ??= t.Shape;
            if (shape.Aggregate(1L, (a, b) => a * b) != t.Count)
                throw new CheckpointImportException($"'{src}' has shape {SourceState.Format(t.Shape)}; {SourceState.Format(shape)} expected");
            var data = scale == 1 ? t.Data : t.Data.Select(v => (float)(v * scale)).ToArray();
            PutExtra(dst, src, new TorchTensor(t.DType, shape, data, t.IsParameter));
        }

        /// <summary>A tensor from outside the state dict (rosinality's latent_avg).</summary>
        public void PutExtra(string dst, string src, TorchTensor t)
        {
            State[dst] = t;
            Sources[dst] = src;
        }

        /// <summary>A fixed-filter buffer: must be the [1,3,3,1] kernel (outer product / 64) × gain; then dropped.</summary>
        public void DropFilter(string key, double gain)
        {
            var t = Peek(key, 2);
            var expected = StyleGanMath.FirKernel(gain);
            if (t.Count != expected.Length || t.Data.Zip(expected).Any(p => Math.Abs(p.First - p.Second) > 1e-6f * gain))
                throw new CheckpointImportException($"'{key}' is not the [1,3,3,1] filter our network uses (values [{string.Join(", ", t.Data.Take(4).Select(v => v.ToString("G5", CultureInfo.InvariantCulture)))}, …]); other blur kernels do not import");
            source.Drop(key, "the fixed [1,3,3,1] resampling filter (checked equal to ours)");
        }
    }
}
