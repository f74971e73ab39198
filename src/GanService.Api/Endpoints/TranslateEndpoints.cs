using GanService.Api.Auth;
using GanService.Api.Inference;
using GanService.Contracts;
using GanService.Inference;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GanService.Api.Endpoints;

/// <summary>POST /translate/{model}: image in, image out (pix2pix, CycleGAN, StarGAN); POST /upscale/{model}: the same
/// for models whose output is larger than their input (image.outputScale).</summary>
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
                             "size: native = the image's own size (models whose manifest has image.sizeMultiple: fully convolutional translators; " +
                             "the default for them), fit = scale to the model's size and letterbox with black (the default for the others), " +
                             "crop = scale to cover and centre-crop, stretch = ignore aspect. At native size the output has the input's size " +
                             "(times image.outputScale for upscalers); an image over the native-size limit runs tile by tile where the model " +
                             "declares image.tileMargin, else scaled down to the limit and back. " +
                             "PNG unless format= or Accept asks for JPEG/WebP. StarGAN models need target=<domain>.")
            .Produces(StatusCodes.Status200OK, contentType: "image/png", additionalContentTypes: ["image/jpeg", "image/webp"])
            .ProducesUploadProblems();
        var upscale = app.MapGroup("/upscale").WithTags("Translate").RequireApiKey().AddEndpointFilter(new RequestMetricsFilter("upscale"));
        upscale.MapPost("/{model}", Upscale)
            .WithName("Upscale")
            .WithSummary("Upscale an image with a super-resolution model")
            .WithDescription("Send the image as multipart/form-data field 'image' or as a raw image/png, image/jpeg or image/webp body. " +
                             "The model must be an upscaler (image.outputScale > 1 in its manifest): the output is the input's size times that " +
                             "scale, run whole up to the native-size limit and tile by tile above it (image.tileMargin), so memory stays " +
                             "bounded whatever the image's size. size=fit|crop|stretch instead resizes the input to the model's training size first. " +
                             "PNG unless format= or Accept asks for JPEG/WebP.")
            .Produces(StatusCodes.Status200OK, contentType: "image/png", additionalContentTypes: ["image/jpeg", "image/webp"])
            .ProducesUploadProblems();
        return app;
    }

    public static Task<Results<FileContentHttpResult, ProblemHttpResult>> Translate([AsParameters] TranslateRequest request, [AsParameters] InferenceServices services) =>
        Run(request, services, upscaleOnly: false);

    public static Task<Results<FileContentHttpResult, ProblemHttpResult>> Upscale([AsParameters] TranslateRequest request, [AsParameters] InferenceServices services) =>
        Run(request, services, upscaleOnly: true);

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Run(TranslateRequest request, InferenceServices services, bool upscaleOnly)
    {
        var (context, models) = (services.Context, services.Models);
        if (!models.TryAcquire(request.Model, out var lease)) return Problems.UnknownModel(request.Model, models);
        using (lease)
        {
            var m = lease.Model;
            if (upscaleOnly && m.Manifest.Image.Scale == 1)
                return Problems.BadQueryTitled("Not an upscaler", $"model '{m.Name}' keeps the image's size (no image.outputScale); use POST /translate/{m.Name}");
            if (!request.TryParse(m, context.Request, out var settings, out var problem)) return problem;
            var (options, cancellation) = (services.Options.Value, services.Cancellation);
            var timings = new StageTimings();
            context.Response.Headers.Vary = "Accept";
            return await ImageUploads.RunAsync<FileContentHttpResult>(context, ["image"], services.Gate, services.Decoder, options, timings, images =>
            {
                var output = GanPipelines.Translate(m.Model, images[0], settings.Policy, settings.TargetIndex, cancellation, timings, settings.Size,
                    options.Limits());
                var bytes = ImageGrid.Encode([output], 1, settings.Format, options.PngCompressionLevel, timings);
                ServerTiming.Write(context, m.Name, timings);
                return TypedResults.File(bytes, ImageCodec.ContentType(settings.Format));
            }, cancellation);
        }
    }
}
