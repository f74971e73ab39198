using GanService.Api.Auth;
using GanService.Api.Inference;
using GanService.Contracts;
using GanService.Inference;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
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
        var group = app.MapGroup("").WithTags("Encode").RequireApiKey();
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

    public static Task<Results<Ok<EncodeResponse>, ProblemHttpResult>> Encode([AsParameters] EncodeRequest request, [AsParameters] InferenceServices services) =>
        WithImagesAsync<Ok<EncodeResponse>>(request.Model, request.TryParse, ["image"], services,
            (m, images, policy, timings) => TypedResults.Ok(new EncodeResponse(m.Name, EncoderPipelines.Encode(m.Model, images[0], policy, services.Cancellation, timings))));

    public static Task<Results<FileContentHttpResult, ProblemHttpResult>> Reconstruct([AsParameters] EncodeRequest request, [AsParameters] InferenceServices services) =>
        WithImagesAsync<FileContentHttpResult>(request.Model, request.TryParse, ["image"], services,
            (m, images, policy, timings) => TypedResults.File(ImageGrid.Encode([EncoderPipelines.Reconstruct(m.Model, images[0], policy, services.Cancellation, timings)], 1,
                OutputFormat.Png, services.Options.Value.PngCompressionLevel, timings), "image/png"));

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> InterpolateImages([AsParameters] InterpolateImagesRequest request, [AsParameters] InferenceServices services)
    {
        if (!request.TrySteps(out var n, out var problem)) return problem;
        return await WithImagesAsync<FileContentHttpResult>(request.Model, request.TryParse, ["from", "to"], services,
            (m, images, policy, timings) => TypedResults.File(ImageGrid.Encode(EncoderPipelines.Interpolate(m.Model, images[0], images[1], n, policy, services.Cancellation, timings), n,
                OutputFormat.Png, services.Options.Value.PngCompressionLevel, timings), "image/png"));
    }

    private delegate bool ParseUpload(LoadedModel m, out ResizePolicy policy, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem);

    /// <summary>Model lookup and check, then the upload through <see cref="ImageUploads"/> (the translate intake), then
    /// <paramref name="run"/>; every refusal is problem+json.</summary>
    private static async Task<Results<T, ProblemHttpResult>> WithImagesAsync<T>(string model, ParseUpload parse, string[] fields, InferenceServices services,
        Func<LoadedModel, IReadOnlyList<Image<Rgb24>>, ResizePolicy, StageTimings, T> run) where T : IResult
    {
        var (context, models) = (services.Context, services.Models);
        if (!models.TryAcquire(model, out var lease)) return Problems.UnknownModel(model, models);
        using (lease)
        {
            var m = lease.Model;
            if (!parse(m, out var policy, out var problem)) return problem;
            var timings = new StageTimings();
            return await ImageUploads.RunAsync(context, fields, services.Gate, services.Decoder, services.Options.Value, timings, images =>
            {
                var result = run(m, images, policy, timings);
                ServerTiming.Write(context, m.Name, timings);
                return result;
            }, services.Cancellation);
        }
    }
}
