using GanService.Api.Auth;
using GanService.Api.Inference;
using GanService.Inference;
using GanService.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GanService.Api.Endpoints;

/// <summary>POST /translate/{model}: image in, image out (pix2pix, CycleGAN, StarGAN).</summary>
public static class TranslateEndpoints
{
    public static readonly string[] ImageMediaTypes = ["image/png", "image/jpeg", "image/webp"];

    public static IEndpointRouteBuilder MapTranslate(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/translate").WithTags("Translate").RequireApiKey().AddEndpointFilter(new RequestMetricsFilter("translate"));
        group.MapPost("/{model}", Translate)
            .WithName("Translate")
            .WithSummary("Translate an image with an image-to-image model")
            .WithDescription("Send the image as multipart/form-data field 'image' or as a raw image/png, image/jpeg or image/webp body. " +
                             "size: fit = scale to fit and letterbox with black (default), crop = scale to cover and centre-crop, stretch = ignore aspect. " +
                             "The output is the model's size, PNG unless format= or Accept asks for JPEG/WebP. StarGAN models need target=<domain>.")
            .Produces(StatusCodes.Status200OK, contentType: "image/png", additionalContentTypes: ["image/jpeg", "image/webp"])
            .ProducesUploadProblems();
        return app;
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Translate([AsParameters] TranslateRequest request, [AsParameters] InferenceServices services)
    {
        var (context, models) = (services.Context, services.Models);
        if (!models.TryAcquire(request.Model, out var lease)) return Problems.UnknownModel(request.Model, models);
        using (lease)
        {
            var m = lease.Model;
            if (!request.TryParse(m, context.Request, out var settings, out var problem)) return problem;
            var (options, cancellation) = (services.Options.Value, services.Cancellation);
            var timings = new StageTimings();
            context.Response.Headers.Vary = "Accept";
            return await ImageUploads.RunAsync<FileContentHttpResult>(context, ["image"], services.Gate, services.Decoder, options, timings, images =>
            {
                var output = GanPipelines.Translate(m.Model, images[0], settings.Policy, settings.TargetIndex, cancellation, timings);
                var bytes = ImageGrid.Encode([output], 1, settings.Format, options.PngCompressionLevel, timings);
                ServerTiming.Write(context, m.Name, timings);
                return TypedResults.File(bytes, ImageCodec.ContentType(settings.Format));
            }, cancellation);
        }
    }
}
