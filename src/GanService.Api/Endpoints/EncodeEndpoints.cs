using GanService.Api.Inference;
using GanService.Contracts;
using GanService.Inference;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Api.Endpoints;

/// <summary>The latent code of an uploaded image: E(x) as JSON.</summary>
/// <param name="Model">The model that encoded it.</param>
/// <param name="Latent">E(x), the model's latent size long; GET /generate's seeds map to latents of the same space.</param>
public sealed record EncodeResponse(string Model, float[] Latent);

/// <summary>
/// POST /encode/{model}, POST /reconstruct/{model} and POST /interpolate/{model}: uploaded images through a model's
/// encoder graph (ALI/BiGAN, adversarial autoencoders). Uploads go through the translate endpoint's intake — the same
/// size limits, structural checks, decode watchdog and problem+json answers (<see cref="RequestImage"/>,
/// <see cref="DecodeWatchdog"/>).
/// </summary>
public static class EncodeEndpoints
{
    public static IEndpointRouteBuilder MapEncode(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Encode");
        group.MapPost("/encode/{model}", Encode)
            .WithName("Encode")
            .WithSummary("Encode an image to its latent code")
            .WithDescription("Multipart field 'image' or a raw image/png, image/jpeg, image/webp body → {\"model\", \"latent\"}: E(x) from the model's encoder graph. " +
                             "Models with an encoder graph only (ALI/BiGAN, AAE; GET /models/{name} lists the graphs).")
            .AddEndpointFilter(new RequestMetricsFilter("encode"))
            .ProducesUploadProblems();
        group.MapPost("/reconstruct/{model}", Reconstruct)
            .WithName("Reconstruct")
            .WithSummary("Reconstruct an image through the encoder and the generator")
            .WithDescription("Multipart field 'image' or a raw image body → PNG of G(E(x)) at the model's size.")
            .AddEndpointFilter(new RequestMetricsFilter("reconstruct"))
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .ProducesUploadProblems();
        group.MapPost("/interpolate/{model}", InterpolateImages)
            .WithName("InterpolateImages")
            .WithSummary("Interpolate between two uploaded images")
            .WithDescription("Multipart fields 'from' and 'to' (images) → a PNG strip of `steps` images G(z), z linear from E(from) to E(to). " +
                             "GET /interpolate does the same between two seeds.")
            .AddEndpointFilter(new RequestMetricsFilter("interpolate"))
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .ProducesUploadProblems();
        return app;
    }

    /// <param name="model">A loaded model with an encoder graph.</param>
    /// <param name="size">fit (letterbox, default) | crop (centre crop) | stretch: how the upload meets the model's size.</param>
    public static Task<Results<Ok<EncodeResponse>, ProblemHttpResult>> Encode(string model, [FromQuery] string? size,
        HttpContext context, ModelRepository models, InferenceGate gate, DecodeWatchdog decoder, IOptions<GanOptions> options, CancellationToken cancellation) =>
        WithImagesAsync<Ok<EncodeResponse>>(model, size, ["image"], context, models, gate, decoder, options.Value,
            (m, images, policy, timings) => TypedResults.Ok(new EncodeResponse(m.Name, EncoderPipelines.Encode(m.Model, images[0], policy, cancellation, timings))), cancellation);

    /// <param name="model">A loaded model with an encoder graph.</param>
    /// <param name="size">fit (letterbox, default) | crop (centre crop) | stretch.</param>
    public static Task<Results<FileContentHttpResult, ProblemHttpResult>> Reconstruct(string model, [FromQuery] string? size,
        HttpContext context, ModelRepository models, InferenceGate gate, DecodeWatchdog decoder, IOptions<GanOptions> options, CancellationToken cancellation) =>
        WithImagesAsync<FileContentHttpResult>(model, size, ["image"], context, models, gate, decoder, options.Value,
            (m, images, policy, timings) => TypedResults.File(ImageGrid.Encode([EncoderPipelines.Reconstruct(m.Model, images[0], policy, cancellation, timings)], 1,
                OutputFormat.Png, options.Value.PngCompressionLevel, timings), "image/png"), cancellation);

    /// <param name="model">A loaded model with an encoder graph.</param>
    /// <param name="steps">2 … 64 images (default 8).</param>
    /// <param name="size">fit (letterbox, default) | crop (centre crop) | stretch.</param>
    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> InterpolateImages(string model, [FromQuery] string? steps, [FromQuery] string? size,
        HttpContext context, ModelRepository models, InferenceGate gate, DecodeWatchdog decoder, IOptions<GanOptions> options, CancellationToken cancellation)
    {
        var limits = InferenceLimits.Default;
        if (!QueryValues.TryInt(steps, "steps", limits.MinInterpolationSteps, limits.MaxInterpolationSteps, 8, out var n, out var error)) return Problems.BadQuery(error!);
        return await WithImagesAsync<FileContentHttpResult>(model, size, ["from", "to"], context, models, gate, decoder, options.Value,
            (m, images, policy, timings) => TypedResults.File(ImageGrid.Encode(EncoderPipelines.Interpolate(m.Model, images[0], images[1], n, policy, cancellation, timings), n,
                OutputFormat.Png, options.Value.PngCompressionLevel, timings), "image/png"), cancellation);
    }

    /// <summary>Model lookup and check, then the upload through <see cref="ImageUploads"/> (the translate intake), then
    /// <paramref name="run"/>; every refusal is problem+json.</summary>
    private static async Task<Results<T, ProblemHttpResult>> WithImagesAsync<T>(string model, string? size, string[] fields, HttpContext context,
        ModelRepository models, InferenceGate gate, DecodeWatchdog decoder, GanOptions options,
        Func<LoadedModel, IReadOnlyList<Image<Rgb24>>, ResizePolicy, StageTimings, T> run, CancellationToken cancellation) where T : IResult
    {
        if (!models.TryAcquire(model, out var lease)) return Problems.UnknownModel(model, models);
        using (lease)
        {
            var m = lease.Model;
            if (EncoderPipelines.Problem(m.Model) is { } problem) return Problems.BadQuery(problem);
            if (!QueryValues.TryResize(size, out var policy, out var error)) return Problems.BadQuery(error!);
            var timings = new StageTimings();
            return await ImageUploads.RunAsync(context, fields, gate, decoder, options, timings, images =>
            {
                var result = run(m, images, policy, timings);
                ServerTiming.Write(context, m.Name, timings);
                return result;
            }, cancellation);
        }
    }
}
