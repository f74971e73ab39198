using GanService.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Inference;

/// <summary>
/// Image → latent → image for models with an encoder graph (<see cref="GraphRoles.Encoder"/>: ALI/BiGAN, adversarial
/// autoencoders): <see cref="Encode"/> (x → E(x)), <see cref="Reconstruct"/> (x → G(E(x))) and
/// <see cref="Interpolate"/> (G of the line from E(a) to E(b)). The decoder run is the generate pipeline's, so a code
/// fed back through GET /generate's path gives the same pixels.
/// </summary>
public static class EncoderPipelines
{
    /// <summary>Why <paramref name="model"/> cannot encode (null if it can).</summary>
    public static string? Problem(OnnxModel model) =>
        model.Graphs.ContainsKey(GraphRoles.Encoder) ? null
            : $"model '{model.Name}' has no encoder graph; encoding needs a model with one (ALI/BiGAN, AAE), e.g. {model.Manifest.Family} models do not have it";

    /// <summary>One uploaded image → its latent E(x), (Z,).</summary>
    public static float[] Encode(OnnxModel model, Image<Rgb24> image, ResizePolicy policy, CancellationToken ct, StageTimings? timings = null) =>
        EncodeMany(model, [image], policy, ct, timings);

    /// <summary>Images → their latents, concatenated (B·Z).</summary>
    private static float[] EncodeMany(OnnxModel model, IReadOnlyList<Image<Rgb24>> images, ResizePolicy policy, CancellationToken ct, StageTimings? timings)
    {
        if (Problem(model) is { } problem) throw new ArgumentException(problem);
        var spec = model.Manifest.Image;
        var pixels = images.SelectMany(i => GanPipelines.ImageTensor(spec, i, policy, timings)).ToArray();
        using (StageTimings.Measure(timings, StageTimings.Inference))
            return EncodeTensor(model, pixels, images.Count, ct);
    }

    /// <summary>Images already in the model's input layout and range, (B, C, H, W) flattened → latents (B·Z), for
    /// callers that measure (gan eval reconstruction) rather than upload.</summary>
    public static float[] EncodeTensor(OnnxModel model, float[] pixels, int batch, CancellationToken ct)
    {
        if (Problem(model) is { } problem) throw new ArgumentException(problem);
        var encoder = model.Graphs[GraphRoles.Encoder];
        var spec = model.Manifest.Image;
        var input = encoder.Input(TensorRoles.Image)!;
        var outputs = encoder.Run([NamedTensor.Of(input.Name, pixels, batch, spec.Channels, spec.Height, spec.Width)], ct);
        return outputs[encoder.Output(TensorRoles.Latent)!.Name].Floats!;
    }

    /// <summary>(B, C, H, W) flattened, in the model's range → G(E(x)) as the decoder's raw output (B, C, H, W).</summary>
    public static NamedTensor ReconstructTensor(OnnxModel model, float[] pixels, int batch, CancellationToken ct) =>
        GanPipelines.RunPlain(model, EncodeTensor(model, pixels, batch, ct), batch, new GenerateSettings(), ct);

    /// <summary>x → G(E(x)).</summary>
    public static Image<Rgb24> Reconstruct(OnnxModel model, Image<Rgb24> image, ResizePolicy policy, CancellationToken ct, StageTimings? timings = null)
    {
        var z = Encode(model, image, policy, ct, timings);
        NamedTensor output;
        using (StageTimings.Measure(timings, StageTimings.Inference))
            output = GanPipelines.RunPlain(model, z, 1, new GenerateSettings(), ct);
        using (StageTimings.Measure(timings, StageTimings.Denormalise))
            return GanPipelines.Images(model, output)[0];
    }

    /// <summary><paramref name="steps"/> images G(z) for z on the line from E(a) to E(b) (both ends included).</summary>
    public static List<Image<Rgb24>> Interpolate(OnnxModel model, Image<Rgb24> from, Image<Rgb24> to, int steps, ResizePolicy policy, CancellationToken ct,
        StageTimings? timings = null)
    {
        if (InferenceLimits.Default.StepsProblem(steps) is { } problem) throw new ArgumentException(problem);
        var ends = EncodeMany(model, [from, to], policy, ct, timings);
        var z = GanPipelines.Lerp(ends, model.Manifest.Latent!.Size, steps);
        NamedTensor output;
        using (StageTimings.Measure(timings, StageTimings.Inference))
            output = GanPipelines.RunPlain(model, z, steps, new GenerateSettings(), ct);
        using (StageTimings.Measure(timings, StageTimings.Denormalise))
            return GanPipelines.Images(model, output);
    }
}
