using GanService.Api.Inference;
using GanService.Inference;
using GanService.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace GanService.Api.Endpoints;

/// <summary>POST /translate/{model}: image in, image out (pix2pix, CycleGAN, StarGAN).</summary>
public static class TranslateEndpoints
{
    public static readonly string[] ImageMediaTypes = ["image/png", "image/jpeg", "image/webp"];

    public static IEndpointRouteBuilder MapTranslate(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/translate").WithTags("Translate").AddEndpointFilter(new RequestMetricsFilter("translate"));
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

    /// <param name="model">A loaded model name (GET /models).</param>
    /// <param name="target">StarGAN target domain, by name or index (only for models with a label_vector input).</param>
    /// <param name="format">png (default), jpeg or webp; overrides Accept.</param>
    /// <param name="size">fit (letterbox, default) | crop (centre crop) | stretch.</param>
    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Translate(
        string model, [FromQuery] string? target, [FromQuery] string? format, [FromQuery] string? size,
        HttpContext context, ModelRepository models, InferenceGate gate, DecodeWatchdog decoder, IOptions<GanOptions> options, CancellationToken cancellation)
    {
        if (!models.TryAcquire(model, out var lease)) return Problems.UnknownModel(model, models);
        using (lease)
        {
            var m = lease.Model;
            if (m.Manifest.Task != ModelTasks.Translate) return Problems.WrongTask(m, ModelTasks.Translate);
            if (!QueryValues.TryResize(size, out var policy, out var error) || !QueryValues.TryFormat(format, context.Request, out var outputFormat, out error))
                return Problems.BadQuery(error!);
            int? targetIndex = null;
            if (m.Model.Main.Input(TensorRoles.LabelVector) is not null)
            {
                if (string.IsNullOrEmpty(target))
                    return Problems.BadQuery($"model '{m.Name}' needs target=<domain>, one of: {string.Join(", ", m.Manifest.Labels)}");
                if (!ModelLabels.TryParse(target, m.Manifest.Labels, "target", out var index, out error)) return Problems.BadQuery(error!);
                targetIndex = index;
            }
            else if (!string.IsNullOrEmpty(target))
                return Problems.BadQuery($"model '{m.Name}' takes no target domain");

            var timings = new StageTimings();
            context.Response.Headers.Vary = "Accept";
            return await ImageUploads.RunAsync<FileContentHttpResult>(context, ["image"], gate, decoder, options.Value, timings, images =>
            {
                var output = GanPipelines.Translate(m.Model, images[0], policy, targetIndex, cancellation, timings);
                var bytes = ImageGrid.Encode([output], 1, outputFormat, options.Value.PngCompressionLevel, timings);
                ServerTiming.Write(context, m.Name, timings);
                return TypedResults.File(bytes, ImageCodec.ContentType(outputFormat));
            }, cancellation);
        }
    }
}
