using GanService.Api.Auth;
using GanService.Api.Inference;
using GanService.Contracts;
using GanService.Inference;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GanService.Api.Endpoints;

/// <summary>GET /generate and GET /interpolate: seed(s) → image(s). Deterministic, so cacheable by ETag.</summary>
public static class GenerateEndpoints
{
    public static IEndpointRouteBuilder MapGenerate(this IEndpointRouteBuilder app)
    {
        // 304 (If-None-Match) is said in the descriptions, not declared as a response: a bodiless 3xx next to the image
        // makes client generators (Kiota) drop the image result.
        var group = app.MapGroup("").WithTags("Generate").RequireApiKey();
        group.MapGet("/generate", Generate)
            .WithName("Generate")
            .WithSummary("Generate images from seeds")
            .WithDescription("seed → latent with the shared SeedLatent algorithm, so the CLI and the API give identical pixels. " +
                             "count > 1 returns a grid PNG of seeds seed … seed+count−1. Same query ⇒ same bytes: strong ETag computed without inference, " +
                             "If-None-Match (weak comparison) → 304 without running the model; Vary: Accept. " +
                             "Models with manifest-declared controls (InfoGAN's categorical `code` and continuous `c1`, `c2`, …) take each as a query " +
                             "parameter of that name; GET /models/{name} lists a model's controls with their ranges, and a value outside one is a 400.")
            .AddEndpointFilter(new RequestMetricsFilter("generate"))
            .Produces(StatusCodes.Status200OK, contentType: "image/png", additionalContentTypes: ["image/jpeg", "image/webp"])
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapGet("/interpolate", Interpolate)
            .WithName("Interpolate")
            .WithSummary("Interpolate between two seeds")
            .WithDescription("A strip of `steps` images: linear in z for plain generators, linear in W for StyleGAN models. " +
                             "A model's declared controls (e.g. code, c1) are held at the query's values along the strip. " +
                             "Deterministic like /generate: strong ETag, If-None-Match → 304 without running the model.")
            .AddEndpointFilter(new RequestMetricsFilter("interpolate"))
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    public static Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> Generate([AsParameters] GenerateRequest request, [AsParameters] InferenceServices services) =>
        request.TryParse(out var job, out var problem) ? RunAsync(job, services) : Task.FromResult<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>>(problem);

    public static Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> Interpolate([AsParameters] InterpolateRequest request, [AsParameters] InferenceServices services) =>
        request.TryParse(out var job, out var problem) ? RunAsync(job, services) : Task.FromResult<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>>(problem);

    private static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> RunAsync(GenerateJob job, InferenceServices services)
    {
        var (context, models, options, cancellation) = (services.Context, services.Models, services.Options.Value, services.Cancellation);
        var model = job.Conditioning.Model;
        if (string.IsNullOrEmpty(model)) return Problems.BadQuery($"model is required; available: {string.Join(", ", models.Names)}");
        if (!models.TryAcquire(model, out var lease)) return Problems.UnknownModel(model, models);
        using (lease)
        {
            var m = lease.Model;
            if (!job.Conditioning.TryParse(m, context.Request, out var settings, out var format, out var problem)) return problem;

            // Every value the bytes depend on, resolved (defaults included), so equal images share one tag.
            var encoding = format == OutputFormat.Png ? $"png-level={options.PngCompressionLevel}" : "";
            var normalised = FormattableString.Invariant(
                $"{job.Request} psi={settings.Psi?.ToString("R") ?? "default"} label={settings.Label} mix={settings.MixSeed}/{settings.MixCutoff} noise={settings.Noise} trunc={settings.Trunc?.ToString("R") ?? "none"} controls={settings.ControlsKey} format={format} columns={job.Columns} {encoding}{TextTag(m, settings.Text)}");
            if (ImageResults.NotModified(context, ImageResults.ETag(m, normalised), variesByAccept: job.Conditioning.Format is null))
                return ImageResults.NotModifiedResult();

            using var slot = await services.Gate.EnterAsync(cancellation);
            if (!slot.Acquired) return Problems.Busy(context, services.Gate.RetryAfterSeconds);
            var timings = new StageTimings();
            var bytes = ImageGrid.Encode(job.Run(m, settings, timings, cancellation), job.Columns, format, options.PngCompressionLevel, timings);
            ServerTiming.Write(context, m.Name, timings);
            return TypedResults.File(bytes, ImageCodec.ContentType(format));
        }
    }

    /// <summary>The words a text model reads from the text (equal words ⇒ equal image ⇒ one ETag); empty for other models.</summary>
    private static string TextTag(LoadedModel m, string? text) =>
        m.Manifest.Text is { } spec && text is not null ? " text=" + new TextTokenizer(spec).Read(text).Normalised : "";
}
