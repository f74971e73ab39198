using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Api.Inference;

public enum NoiseMode { Const, Random, None }

/// <summary>What a generate/interpolate request asks of a model beyond the seeds.</summary>
/// <param name="Psi">Truncation ψ (StyleGAN / models with a psi input); null = the manifest's default.</param>
/// <param name="Label">Class index for conditional models.</param>
/// <param name="MixSeed">StyleGAN style mixing: layers ≥ <paramref name="MixCutoff"/> take this seed's w.</param>
public sealed record GenerateSettings(float? Psi = null, long? Label = null, uint? MixSeed = null, int? MixCutoff = null, NoiseMode Noise = NoiseMode.Const);

/// <summary>
/// Request → tensors → images for each task. Pure apart from running the model's graphs, so the tensor plumbing
/// (batching, W broadcast, mixing, noise) reads in one place.
/// </summary>
public static class GanPipelines
{
    /// <summary>image (1, C, H, W) [+ one-hot label_vector (1, K)] → image.</summary>
    public static Image<Rgb24> Translate(LoadedModel model, Image<Rgb24> input, ResizePolicy policy, int? targetIndex, CancellationToken ct)
    {
        var spec = model.Manifest.Image;
        using var resized = ImageCodec.Resize(input, spec.Width, spec.Height, policy);
        var graph = model.Main;
        var inputs = new List<NamedTensor>
        {
            NamedTensor.Of(graph.Input(TensorRoles.Image)!.Name, ImageCodec.ToTensor(resized, spec), 1, spec.Channels, spec.Height, spec.Width),
        };
        if (graph.Input(TensorRoles.LabelVector) is { } lv)
        {
            var oneHot = new float[model.Manifest.Labels.Length];
            oneHot[targetIndex ?? 0] = 1f;
            inputs.Add(NamedTensor.Of(lv.Name, oneHot, 1, oneHot.Length));
        }
        return Images(model, graph.Run(inputs, ct))[0];
    }

    /// <summary>One image per seed, in one batch.</summary>
    public static List<Image<Rgb24>> Generate(LoadedModel model, IReadOnlyList<uint> seeds, GenerateSettings settings, CancellationToken ct)
    {
        if (model.IsStyleBased)
        {
            var w = Map(model, seeds, settings, ct);
            float[]? mix = settings.MixSeed is { } ms ? Map(model, [ms], settings, ct) : null;
            return Synthesize(model, WsFromW(model, w, seeds.Count, mix, settings.MixCutoff), seeds, settings.Noise, ct);
        }
        var z = SeedLatent.Batch(seeds, model.Manifest.Latent!.Size);
        return RunPlain(model, z, seeds.Count, settings, ct);
    }

    /// <summary><paramref name="steps"/> images from seed <paramref name="from"/> to <paramref name="to"/>: linear in z for plain
    /// generators, linear in W for StyleGAN (W is where interpolation looks smooth).</summary>
    public static List<Image<Rgb24>> Interpolate(LoadedModel model, uint from, uint to, int steps, GenerateSettings settings, CancellationToken ct)
    {
        if (model.IsStyleBased)
        {
            var ends = Map(model, [from, to], settings, ct);
            var w = Lerp(ends, ends.Length / 2, steps);
            return Synthesize(model, WsFromW(model, w, steps, null, null), Enumerable.Repeat(from, steps).ToList(), settings.Noise, ct);
        }
        int zSize = model.Manifest.Latent!.Size;
        var z = Lerp(SeedLatent.Batch([from, to], zSize), zSize, steps);
        return RunPlain(model, z, steps, settings, ct);
    }

    private static List<Image<Rgb24>> RunPlain(LoadedModel model, float[] z, int batch, GenerateSettings settings, CancellationToken ct)
    {
        var graph = model.Main;
        int zSize = model.Manifest.Latent!.Size;
        // A graph exported without a dynamic batch (torch.onnx.export without dynamic_axes; `gan package` keeps its
        // fixed 1) takes one latent at a time.
        if (graph.Input(TensorRoles.Latent)!.Shape[0] == 1 && batch > 1)
            return Enumerable.Range(0, batch).SelectMany(b => RunPlain(model, z[(b * zSize)..((b + 1) * zSize)], 1, settings, ct)).ToList();
        var inputs = new List<NamedTensor> { NamedTensor.Of(graph.Input(TensorRoles.Latent)!.Name, z, batch, zSize) };
        AddConditioning(graph, inputs, batch, settings, model.Manifest);
        return Images(model, graph.Run(inputs, ct));
    }

    /// <summary>z (B, Z) [+ ψ (1,), label (B,)] → w (B, w_dim), flattened.</summary>
    private static float[] Map(LoadedModel model, IReadOnlyList<uint> seeds, GenerateSettings settings, CancellationToken ct)
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
    }

    /// <summary>w (B, w_dim) → ws (B, num_ws, w_dim); with a mix w, layers ≥ cutoff take it.</summary>
    private static float[] WsFromW(LoadedModel model, float[] w, int batch, float[]? mix, int? cutoff)
    {
        var style = model.Manifest.Style!;
        int numWs = style.NumWs, wDim = style.WDim;
        var ws = new float[batch * numWs * wDim];
        for (int b = 0; b < batch; b++)
            for (int l = 0; l < numWs; l++)
            {
                var source = mix is not null && l >= (cutoff ?? numWs / 2) ? mix.AsSpan(0, wDim) : w.AsSpan(b * wDim, wDim);
                source.CopyTo(ws.AsSpan((b * numWs + l) * wDim, wDim));
            }
        return ws;
    }

    private static List<Image<Rgb24>> Synthesize(LoadedModel model, float[] ws, IReadOnlyList<uint> noiseSeeds, NoiseMode noise, CancellationToken ct)
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
        return Images(model, synthesis.Run(inputs, ct));
    }

    /// <summary>Random noise: per sample one stream (SeedLatent.Streams.Noise) of all noise maps' values, split in
    /// manifest order. A map with a fixed leading dim (not −1) takes the first sample's values.</summary>
    private static IEnumerable<(Contracts.TensorSpec Spec, float[] Data, long[] Shape)> NoiseInputs(List<TensorSpec> specs, IReadOnlyList<uint> seeds, NoiseMode mode)
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
    private static float[] Lerp(float[] ends, int size, int steps)
    {
        var result = new float[steps * size];
        for (int s = 0; s < steps; s++)
        {
            float t = steps == 1 ? 0f : s / (float)(steps - 1);
            for (int i = 0; i < size; i++) result[s * size + i] = ends[i] * (1 - t) + ends[size + i] * t;
        }
        return result;
    }

    private static List<Image<Rgb24>> Images(LoadedModel model, IReadOnlyDictionary<string, NamedTensor> outputs)
    {
        var spec = model.Manifest.Image;
        var output = outputs[model.Main.Output(TensorRoles.Image)!.Name];
        int per = spec.Channels * spec.Height * spec.Width;
        int batch = (int)output.Shape[0];
        var images = new List<Image<Rgb24>>(batch);
        for (int b = 0; b < batch; b++) images.Add(ImageCodec.FromTensor(output.Floats.AsSpan(b * per, per), spec));
        return images;
    }
}
