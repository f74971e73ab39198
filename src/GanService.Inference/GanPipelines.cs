using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Inference;

/// <summary>What a generate/interpolate/style-mix call asks of a model beyond the seeds.</summary>
/// <param name="Psi">Truncation ψ (StyleGAN / models with a psi input); null = the manifest's default.</param>
/// <param name="Label">Class index for conditional models; null = class 0.</param>
/// <param name="MixSeed">StyleGAN style mixing: layers ≥ <paramref name="MixCutoff"/> take this seed's w.</param>
/// <param name="MixCutoff">First layer taken from <paramref name="MixSeed"/>; null = num_ws / 2.</param>
/// <param name="Noise">StyleGAN noise; modes other than const need a model with noise inputs.</param>
/// <param name="Text">Text-to-image models (a tokens input): the text, read by the manifest's <see cref="TextTokenizer"/>.</param>
/// <param name="Trunc">Truncation trick on z (BigGAN): values with |v| &gt; Trunc are resampled by <see cref="SeedLatent"/>;
/// null = none. Models that map z to W truncate with ψ instead.</param>
/// <param name="Controls">Values of the model's manifest-declared controls by query name (e.g. code=3, c1=−1.5); a
/// control left out gets its declared default.</param>
public sealed record GenerateSettings(float? Psi = null, long? Label = null, uint? MixSeed = null, int? MixCutoff = null, NoiseMode Noise = NoiseMode.Const,
    string? Text = null, float? Trunc = null, IReadOnlyDictionary<string, double>? Controls = null)
{
    /// <summary>Seed → z for these settings (truncated when <see cref="Trunc"/> is set).</summary>
    public float[] Latents(IReadOnlyList<uint> seeds, int size) => SeedLatent.Batch(seeds, size, truncation: Trunc);

    /// <summary>The controls in a stable text form (query order), for cache keys.</summary>
    public string ControlsKey => Controls is null ? "" : string.Join("&", Controls.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => FormattableString.Invariant($"{c.Key}={c.Value:R}")));
}

/// <summary>
/// Request → tensors → images for each task. Pure apart from running the model's graphs, so the tensor plumbing
/// (batching, W broadcast, mixing, noise) reads in one place. Every entry point checks its arguments against the model
/// and <see cref="InferenceLimits.Default"/> first (<see cref="ArgumentException"/> with the reason); callers that want
/// to report a problem their own way ask <see cref="Problem"/> first.
/// </summary>
public static class GanPipelines
{
    /// <summary>Why <paramref name="settings"/> cannot be used with <paramref name="model"/> (null if they can).</summary>
    public static string? Problem(OnnxModel model, GenerateSettings settings)
    {
        var limits = InferenceLimits.Default;
        var manifest = model.Manifest;
        if (manifest.Task != ModelTasks.Generate) return $"model '{model.Name}' is a {manifest.Task} model, not generate";
        if (settings.Psi is { } psi)
        {
            if (!model.TakesPsi) return $"model '{model.Name}' has no truncation (psi) input";
            if (limits.PsiProblem(psi) is { } psiProblem) return psiProblem;
        }
        if (settings.Label is { } label)
        {
            if (!model.TakesLabel) return $"model '{model.Name}' is not conditional; it takes no label";
            if (label < 0 || label >= manifest.Labels.Length)
                return $"label {label} is not one of this model's labels: {string.Join(", ", manifest.Labels.Select((l, i) => $"{i}={l}"))}";
        }
        if (settings.MixSeed is not null || settings.MixCutoff is not null)
        {
            if (!model.IsStyleBased) return $"model '{model.Name}' is not style-based; style mixing does not apply";
            if (settings.MixSeed is null) return "a mix cutoff needs a mix seed";
            int numWs = manifest.Style!.NumWs;
            if (settings.MixCutoff is < 0 || settings.MixCutoff > numWs) return $"mix cutoff must be 0…{numWs}, got {settings.MixCutoff}";
        }
        if (model.TakesText)
        {
            if (new TextTokenizer(manifest.Text!).Problem(settings.Text, out _) is { } textProblem) return textProblem;
        }
        else if (!string.IsNullOrEmpty(settings.Text)) return $"model '{model.Name}' is not text-conditioned; it takes no text";
        if (settings.Trunc is { } trunc)
        {
            if (model.IsStyleBased) return $"model '{model.Name}' truncates in W; use psi instead of trunc";
            if (SeedLatent.TruncationProblem(trunc) is { } truncProblem) return truncProblem;
        }
        if (settings.Noise != NoiseMode.Const && !model.SupportsNoiseModes)
            return $"model '{model.Name}' has no noise inputs; noise {settings.Noise.ToString().ToLowerInvariant()} does not apply";
        return ControlsProblem(model, settings.Controls);
    }

    /// <summary>Why these control values cannot be fed to <paramref name="model"/>: a name it does not declare, or a
    /// value outside the declared count / range (null if they can).</summary>
    public static string? ControlsProblem(OnnxModel model, IReadOnlyDictionary<string, double>? controls)
    {
        if (controls is null) return null;
        var declared = model.Manifest.Controls.ToDictionary(c => c.Control.Query, c => c.Control, StringComparer.Ordinal);
        foreach (var (name, value) in controls)
        {
            if (!declared.TryGetValue(name, out var control))
                return declared.Count == 0 ? $"model '{model.Name}' has no controls; '{name}' does not apply"
                    : $"model '{model.Name}' has no control '{name}'; its controls: {string.Join(", ", declared.Keys)}";
            if (control.Problem(value) is { } problem) return problem;
        }
        return null;
    }

    /// <summary>image (1, C, H, W) [+ one-hot label_vector (1, K)] → image. <paramref name="targetIndex"/>: the target
    /// domain of models with a label_vector input (StarGAN), required there and refused elsewhere.</summary>
    /// <param name="size">Auto: a model that takes any size (<see cref="ImageSpec.AnySize"/>) runs the image at its own
    /// size (<see cref="NativeSize"/>; <paramref name="policy"/> does not apply) and returns it at that size times the
    /// model's output scale; other models, and <see cref="SizeMode.Model"/>, resize it to the model's size.</param>
    /// <param name="limits">The native-size limit (<see cref="InferenceLimits.MaxNativePixels"/>) and the output cap
    /// (<see cref="InferenceLimits.MaxOutputPixels"/>: a larger output is an <see cref="ImageRejectedException"/>,
    /// TooLarge, before any work); null: the defaults.</param>
    public static Image<Rgb24> Translate(OnnxModel model, Image<Rgb24> input, ResizePolicy policy, int? targetIndex, CancellationToken ct,
        StageTimings? timings = null, SizeMode size = SizeMode.Auto, InferenceLimits? limits = null)
    {
        if (TranslateProblem(model, targetIndex) is { } problem) throw new ArgumentException(problem);
        var spec = model.Manifest.Image;
        if (size == SizeMode.Auto && spec.AnySize) return TranslateNative(model, input, targetIndex, ct, timings, limits ?? InferenceLimits.Default);
        var pixels = ImageTensor(spec, input, policy, timings);
        float[] output;
        using (StageTimings.Measure(timings, StageTimings.Inference))
            output = RunTranslation(model, pixels, spec.Width, spec.Height, targetIndex, ct);
        using (StageTimings.Measure(timings, StageTimings.Denormalise))
            return ImageCodec.FromTensor(output, spec with { Width = spec.Width * spec.Scale, Height = spec.Height * spec.Scale });
    }

    /// <summary>The image at its own size, refused when its output would pass the output cap (scaled down first where <see cref="NativeSize.Plan"/> says so, and the result
    /// scaled back up to the image's size times the model's scale).</summary>
    private static Image<Rgb24> TranslateNative(OnnxModel model, Image<Rgb24> input, int? targetIndex, CancellationToken ct, StageTimings? timings,
        InferenceLimits limits)
    {
        var spec = model.Manifest.Image;
        int s = spec.Scale;
        if (limits.OutputProblem(input.Width, input.Height, (long)input.Width * s, (long)input.Height * s) is { } tooLarge)
            throw new ImageRejectedException(ImageRejection.TooLarge, tooLarge);
        var plan = NativeSize.Plan(spec, input.Width, input.Height, limits);
        Image<Rgb24>? scaled = null;
        float[] pixels;
        try
        {
            using (StageTimings.Measure(timings, StageTimings.Resize))
                if (plan.ScaledDown) scaled = ImageCodec.Resize(input, plan.RunWidth, plan.RunHeight, ResizePolicy.Stretch);
            using (StageTimings.Measure(timings, StageTimings.Normalise))
                pixels = ImageCodec.ToTensor(scaled ?? input, spec with { Width = plan.RunWidth, Height = plan.RunHeight });
        }
        finally { scaled?.Dispose(); }
        float[] Window(float[] window, int w, int h) => RunTranslation(model, window, w, h, targetIndex, ct);
        if (plan.Tiled)
            // Tiles go straight into the 8-bit image (inference and denormalisation in one stage).
            using (StageTimings.Measure(timings, StageTimings.Inference))
                return NativeSize.RunTiledToImage(spec, pixels, plan.RunWidth, plan.RunHeight, Window, limits, ct);
        float[] output;
        using (StageTimings.Measure(timings, StageTimings.Inference))
            output = NativeSize.Run(spec, pixels, plan.RunWidth, plan.RunHeight, Window, limits, ct);
        Image<Rgb24> result;
        using (StageTimings.Measure(timings, StageTimings.Denormalise))
            result = ImageCodec.FromTensor(output, spec with { Width = plan.RunWidth * s, Height = plan.RunHeight * s });
        if (!plan.ScaledDown) return result;
        using (result)
        using (StageTimings.Measure(timings, StageTimings.Resize))
            return ImageCodec.Resize(result, input.Width * s, input.Height * s, ResizePolicy.Stretch);
    }

    /// <summary>One (1, C, h, w) image tensor [+ the target's one-hot label_vector (1, K)] through the model's graph →
    /// its (1, C, h·s, w·s) output.</summary>
    private static float[] RunTranslation(OnnxModel model, float[] pixels, int width, int height, int? targetIndex, CancellationToken ct)
    {
        var graph = model.Main;
        var inputs = new List<NamedTensor>
        {
            NamedTensor.Of(graph.Input(TensorRoles.Image)!.Name, pixels, 1, model.Manifest.Image.Channels, height, width),
        };
        if (graph.Input(TensorRoles.LabelVector) is { } lv)
        {
            var oneHot = new float[model.Manifest.Labels.Length];
            oneHot[targetIndex!.Value] = 1f;
            inputs.Add(NamedTensor.Of(lv.Name, oneHot, 1, oneHot.Length));
        }
        return ImageOutput(model, graph.Run(inputs, ct)).Floats!;
    }

    /// <summary>An uploaded image → the model's (1, C, H, W) input in its value range: resized to the model's size under
    /// <paramref name="policy"/> (not at all when it already has it), then normalised.</summary>
    public static float[] ImageTensor(ImageSpec spec, Image<Rgb24> input, ResizePolicy policy, StageTimings? timings = null)
    {
        // An image already at the model's size needs no resize under any policy (ImageSharp's resize would copy it as is).
        Image<Rgb24>? resized = null;
        try
        {
            using (StageTimings.Measure(timings, StageTimings.Resize))
                if (input.Width != spec.Width || input.Height != spec.Height) resized = ImageCodec.Resize(input, spec.Width, spec.Height, policy);
            using (StageTimings.Measure(timings, StageTimings.Normalise))
                return ImageCodec.ToTensor(resized ?? input, spec);
        }
        finally { resized?.Dispose(); }
    }

    /// <summary>Why a translation with this target cannot run (null if it can).</summary>
    public static string? TranslateProblem(OnnxModel model, int? targetIndex)
    {
        var labels = model.Manifest.Labels;
        if (model.Manifest.Task != ModelTasks.Translate) return $"model '{model.Name}' is a {model.Manifest.Task} model, not translate";
        if (model.Main.Input(TensorRoles.LabelVector) is null)
            return targetIndex is null ? null : $"model '{model.Name}' takes no target domain";
        if (targetIndex is null) return $"model '{model.Name}' needs a target domain, one of: {string.Join(", ", labels)}";
        return targetIndex < 0 || targetIndex >= labels.Length ? $"target {targetIndex} is not one of this model's domains: {string.Join(", ", labels.Select((l, i) => $"{i}={l}"))}" : null;
    }

    /// <summary>One image per seed, in one batch. <paramref name="timings"/>: seeds → tensors → graph runs count as
    /// inference (building latents is microseconds), tensors → images as denormalise.</summary>
    public static List<Image<Rgb24>> Generate(OnnxModel model, IReadOnlyList<uint> seeds, GenerateSettings settings, CancellationToken ct,
        StageTimings? timings = null)
    {
        NamedTensor output;
        using (StageTimings.Measure(timings, StageTimings.Inference))
            output = GenerateTensor(model, seeds, settings, ct);
        using (StageTimings.Measure(timings, StageTimings.Denormalise))
            return Images(model, output);
    }

    /// <summary>One image per seed as the model's raw output (B, C, H, W) in its value range, for callers that measure
    /// images (gan eval) rather than look at them.</summary>
    public static NamedTensor GenerateTensor(OnnxModel model, IReadOnlyList<uint> seeds, GenerateSettings settings, CancellationToken ct)
    {
        Require(Problem(model, settings) ?? InferenceLimits.Default.CountProblem(seeds.Count));
        if (model.IsStyleBased)
        {
            var w = Map(model, seeds, settings, ct);
            float[]? mix = settings.MixSeed is { } ms ? Map(model, [ms], settings, ct) : null;
            int cutoff = settings.MixCutoff ?? model.Manifest.Style!.NumWs / 2;
            return Synthesize(model, WsFromW(model, w, seeds.Count, mix, layer => layer >= cutoff), seeds, settings.Noise, ct);
        }
        var z = settings.Latents(seeds, model.Manifest.Latent!.Size);
        return RunPlain(model, z, seeds.Count, settings, ct);
    }

    /// <summary><paramref name="steps"/> images from seed <paramref name="from"/> to <paramref name="to"/>: linear in z for plain
    /// generators, linear in W for StyleGAN (W is where interpolation looks smooth).</summary>
    public static List<Image<Rgb24>> Interpolate(OnnxModel model, uint from, uint to, int steps, GenerateSettings settings, CancellationToken ct,
        StageTimings? timings = null)
    {
        NamedTensor output;
        using (StageTimings.Measure(timings, StageTimings.Inference))
            output = InterpolateTensor(model, from, to, steps, settings, ct);
        using (StageTimings.Measure(timings, StageTimings.Denormalise))
            return Images(model, output);
    }

    private static NamedTensor InterpolateTensor(OnnxModel model, uint from, uint to, int steps, GenerateSettings settings, CancellationToken ct)
    {
        Require(Problem(model, settings) ?? InferenceLimits.Default.StepsProblem(steps));
        if (settings.MixSeed is not null) throw new ArgumentException("an interpolation takes no mix seed");
        if (model.IsStyleBased)
        {
            var ends = Map(model, [from, to], settings, ct);
            var w = Lerp(ends, ends.Length / 2, steps);
            return Synthesize(model, WsFromW(model, w, steps, null, _ => false), Enumerable.Repeat(from, steps).ToList(), settings.Noise, ct);
        }
        int zSize = model.Manifest.Latent!.Size;
        var z = Lerp(settings.Latents([from, to], zSize), zSize, steps);
        return RunPlain(model, z, steps, settings, ct);
    }

    /// <summary>
    /// The NVlabs style-mixing figure as (rows + 1) × (cols + 1) tiles, row-major: a blank corner, then the column seeds'
    /// images; each row starts with its seed's image, then that seed's w with the layers in <paramref name="styles"/>
    /// taken from the column seed's w. Noise (random mode) follows the row seed, so a row differs only in the mixed layers.
    /// </summary>
    public static List<Image<Rgb24>> StyleMix(OnnxModel model, IReadOnlyList<uint> rows, IReadOnlyList<uint> cols, IReadOnlyList<int> styles,
        GenerateSettings settings, CancellationToken ct)
    {
        Require(Problem(model, settings) ?? InferenceLimits.Default.CountProblem(rows.Count * cols.Count + rows.Count + cols.Count, "a style-mix grid"));
        if (!model.IsStyleBased) throw new ArgumentException($"model '{model.Name}' is not style-based; style mixing does not apply");
        if (settings.MixSeed is not null) throw new ArgumentException("a style-mix grid takes its mix seeds from the columns");
        int numWs = model.Manifest.Style!.NumWs, wDim = model.Manifest.Style.WDim;
        if (styles.Count == 0 || styles.Any(s => s < 0 || s >= numWs)) throw new ArgumentException($"styles must be layers in 0…{numWs - 1}");
        if (rows.Count == 0 || cols.Count == 0) throw new ArgumentException("a style-mix grid needs at least one row seed and one column seed");

        var seeds = rows.Concat(cols).Distinct().ToArray();
        var w = Map(model, seeds, settings, ct);
        float[] W(uint seed) => w.AsSpan(Array.IndexOf(seeds, seed) * wDim, wDim).ToArray();
        var mixed = new HashSet<int>(styles);
        var tiles = new List<Image<Rgb24>>();
        try
        {
            var spec = model.Manifest.Image;
            tiles.Add(new Image<Rgb24>(spec.Width, spec.Height, new Rgb24(255, 255, 255)));
            tiles.AddRange(Images(model, Synthesize(model, WsFromW(model, cols.SelectMany(W).ToArray(), cols.Count, null, _ => false), cols, settings.Noise, ct)));
            foreach (var row in rows)
            {
                var rowW = W(row);
                tiles.AddRange(Images(model, Synthesize(model, WsFromW(model, rowW, 1, null, _ => false), [row], settings.Noise, ct)));
                var ws = new float[cols.Count * numWs * wDim];
                for (int c = 0; c < cols.Count; c++)
                    WsFromW(model, rowW, 1, W(cols[c]), mixed.Contains).CopyTo(ws, c * numWs * wDim);
                tiles.AddRange(Images(model, Synthesize(model, ws, Enumerable.Repeat(row, cols.Count).ToList(), settings.Noise, ct)));
            }
            return tiles;
        }
        catch
        {
            foreach (var t in tiles) t.Dispose();
            throw;
        }
    }

    private static void Require(string? problem)
    {
        if (problem is not null) throw new ArgumentException(problem);
    }

    /// <summary>z (B, Z) [+ ψ, label] → the main graph's image output (B, C, H, W).</summary>
    internal static NamedTensor RunPlain(OnnxModel model, float[] z, int batch, GenerateSettings settings, CancellationToken ct)
    {
        var graph = model.Main;
        int zSize = model.Manifest.Latent!.Size;
        // A graph exported without a dynamic batch (torch.onnx.export without dynamic_axes; `gan package` keeps its
        // fixed 1) takes one latent at a time.
        if (graph.Input(TensorRoles.Latent)!.Shape[0] == 1 && batch > 1)
        {
            var rows = Enumerable.Range(0, batch).Select(b => RunPlain(model, z[(b * zSize)..((b + 1) * zSize)], 1, settings, ct)).ToList();
            return NamedTensor.Of(rows[0].Name, rows.SelectMany(r => r.Floats!).ToArray(), [batch, .. rows[0].Shape.Skip(1)]);
        }
        var inputs = new List<NamedTensor> { NamedTensor.Of(graph.Input(TensorRoles.Latent)!.Name, z, batch, zSize) };
        AddConditioning(graph, inputs, batch, settings, model.Manifest);
        return ImageOutput(model, graph.Run(inputs, ct));
    }

    /// <summary>z (B, Z) [+ ψ (1,), label (B,)] → w (B, w_dim), flattened.</summary>
    private static float[] Map(OnnxModel model, IReadOnlyList<uint> seeds, GenerateSettings settings, CancellationToken ct)
    {
        var mapping = model.Mapping!;
        var inputs = new List<NamedTensor>
        {
            NamedTensor.Of(mapping.Input(TensorRoles.Latent)!.Name, SeedLatent.Batch(seeds, model.Manifest.Latent!.Size), seeds.Count, model.Manifest.Latent.Size),
        };
        AddConditioning(mapping, inputs, seeds.Count, settings, model.Manifest);
        var output = mapping.Run(inputs, ct)[mapping.Output(TensorRoles.W)!.Name];
        return output.Floats!;
    }

    private static void AddConditioning(OnnxGraph graph, List<NamedTensor> inputs, int batch, GenerateSettings settings, ModelManifest manifest)
    {
        if (graph.Input(TensorRoles.Psi) is { } psi)
            inputs.Add(NamedTensor.Of(psi.Name, [settings.Psi ?? manifest.Style?.DefaultPsi ?? 1f], 1));
        if (graph.Input(TensorRoles.Label) is { } label)
            inputs.Add(NamedTensor.Of(label.Name, Enumerable.Repeat(settings.Label ?? 0, batch).ToArray(), batch));
        if (graph.Input(TensorRoles.Tokens) is { } tokens)
        {
            // One text for the whole batch (a grid of seeds): its padded ids repeated per row, and its length.
            var tokenizer = new TextTokenizer(manifest.Text!);
            Require(tokenizer.Problem(settings.Text, out var read));
            var (ids, length) = tokenizer.Pad(read!);
            inputs.Add(NamedTensor.Of(tokens.Name, Enumerable.Repeat(ids, batch).SelectMany(r => r).ToArray(), batch, ids.Length));
            if (graph.Input(TensorRoles.TokenLengths) is { } lengths)
                inputs.Add(NamedTensor.Of(lengths.Name, Enumerable.Repeat(length, batch).ToArray(), batch));
        }
        // Manifest-declared controls: the query's value, else the declared default, the same for every image of the batch.
        foreach (var input in graph.Spec.Inputs.Where(t => t.Control is not null))
        {
            var control = input.Control!;
            double value = settings.Controls is not null && settings.Controls.TryGetValue(control.Query, out var v) ? v : control.Default;
            if (input.Role == TensorRoles.Code)
                inputs.Add(NamedTensor.Of(input.Name, Enumerable.Repeat((long)value, batch).ToArray(), batch));
            else if (input.Role == TensorRoles.CodeContinuous)
                inputs.Add(NamedTensor.Of(input.Name, Enumerable.Repeat((float)value, batch).ToArray(), batch, 1));
            else throw new InvalidOperationException($"input '{input.Name}': role '{input.Role}' has no control feeding");
        }
    }

    /// <summary>w (B, w_dim) → ws (B, num_ws, w_dim); with a mix w (1, w_dim), the layers <paramref name="fromMix"/>
    /// picks take it.</summary>
    private static float[] WsFromW(OnnxModel model, float[] w, int batch, float[]? mix, Func<int, bool> fromMix)
    {
        var style = model.Manifest.Style!;
        int numWs = style.NumWs, wDim = style.WDim;
        var ws = new float[batch * numWs * wDim];
        for (int b = 0; b < batch; b++)
            for (int l = 0; l < numWs; l++)
            {
                var source = mix is not null && fromMix(l) ? mix.AsSpan(0, wDim) : w.AsSpan(b * wDim, wDim);
                source.CopyTo(ws.AsSpan((b * numWs + l) * wDim, wDim));
            }
        return ws;
    }

    private static NamedTensor Synthesize(OnnxModel model, float[] ws, IReadOnlyList<uint> noiseSeeds, NoiseMode noise, CancellationToken ct)
    {
        // const: the main graph (noise baked in, or overridable initializers); random / none: the graph with noise inputs.
        var synthesis = noise == NoiseMode.Const ? model.Main : model.NoiseInputGraph ?? model.Main;
        var style = model.Manifest.Style!;
        int batch = noiseSeeds.Count;
        var inputs = new List<NamedTensor> { NamedTensor.Of(synthesis.Input(TensorRoles.Ws)!.Name, ws, batch, style.NumWs, style.WDim) };
        var noiseSpecs = synthesis.Inputs(TensorRoles.Noise).ToList();
        // const: the graph's own noise buffers (overridable initializers are left alone); none: zeros; random: seeded.
        foreach (var (spec, data, shape) in NoiseInputs(noiseSpecs, noiseSeeds, noise))
            if (noise != NoiseMode.Const || !synthesis.IsOptional(spec.Name))
                inputs.Add(NamedTensor.Of(spec.Name, data, shape));
        return ImageOutput(model, synthesis.Run(inputs, ct));
    }

    /// <summary>Random noise: per sample one stream (SeedLatent.Streams.Noise) of all noise maps' values, split in
    /// manifest order. A map with a fixed leading dim (not −1) takes the first sample's values.</summary>
    private static IEnumerable<(TensorSpec Spec, float[] Data, long[] Shape)> NoiseInputs(List<TensorSpec> specs, IReadOnlyList<uint> seeds, NoiseMode mode)
    {
        if (specs.Count == 0) yield break;
        var perSample = specs.Select(s => (int)s.Shape.Skip(1).Aggregate(1L, (a, d) => a * d)).ToArray();
        int total = perSample.Sum();
        var streams = seeds.Select(s => mode == NoiseMode.Random ? SeedLatent.Normal(s, total, SeedLatent.Streams.Noise) : new float[total]).ToList();
        int offset = 0;
        for (int i = 0; i < specs.Count; i++)
        {
            bool batched = specs[i].Shape[0] == -1;
            int rows = batched ? seeds.Count : (int)specs[i].Shape[0];
            var data = new float[rows * perSample[i]];
            for (int r = 0; r < rows; r++)
                streams[batched ? r : 0].AsSpan(offset, perSample[i]).CopyTo(data.AsSpan(r * perSample[i]));
            yield return (specs[i], data, [rows, .. specs[i].Shape.Skip(1)]);
            offset += perSample[i];
        }
    }

    /// <summary>(2, D) endpoints → (steps, D), t = i / (steps − 1).</summary>
    internal static float[] Lerp(float[] ends, int size, int steps)
    {
        var result = new float[steps * size];
        for (int s = 0; s < steps; s++)
        {
            float t = steps == 1 ? 0f : s / (float)(steps - 1);
            for (int i = 0; i < size; i++) result[s * size + i] = ends[i] * (1 - t) + ends[size + i] * t;
        }
        return result;
    }

    private static NamedTensor ImageOutput(OnnxModel model, IReadOnlyDictionary<string, NamedTensor> outputs) =>
        outputs[model.Main.Output(TensorRoles.Image)!.Name];

    private static List<Image<Rgb24>> Images(OnnxModel model, IReadOnlyDictionary<string, NamedTensor> outputs) => Images(model, ImageOutput(model, outputs));

    /// <summary>(B, C, H, W) in the manifest's range → one RGB image per row.</summary>
    public static List<Image<Rgb24>> Images(OnnxModel model, NamedTensor output)
    {
        var spec = model.Manifest.Image;
        int per = spec.Channels * spec.Height * spec.Width;
        int batch = (int)output.Shape[0];
        var images = new List<Image<Rgb24>>(batch);
        for (int b = 0; b < batch; b++) images.Add(ImageCodec.FromTensor(output.Floats.AsSpan(b * per, per), spec));
        return images;
    }
}
