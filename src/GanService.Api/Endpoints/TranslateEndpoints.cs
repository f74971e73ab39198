using GanService.Api.Inference;
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
            .DisableAntiforgery()
            .Produces(StatusCodes.Status200OK, contentType: "image/png", additionalContentTypes: ["image/jpeg", "image/webp"])
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    /// <param name="model">A loaded model name (GET /models).</param>
    /// <param name="target">StarGAN target domain, by name or index (only for models with a label_vector input).</param>
    /// <param name="format">png (default), jpeg or webp; overrides Accept.</param>
    /// <param name="size">fit (letterbox, default) | crop (centre crop) | stretch.</param>
    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Translate(
        string model, [FromQuery] string? target, [FromQuery] string? format, [FromQuery] string? size,
        HttpContext context, ModelRepository models, InferenceGate gate, IOptions<GanOptions> options, CancellationToken cancellation)
    {
        if (!models.TryAcquire(model, out var lease)) return Problems.UnknownModel(model, models);
        using (lease)
        {
            var m = lease.Model;
            if (m.Manifest.Task != ModelTasks.Translate) return Problems.WrongTask(m, ModelTasks.Translate);
            if (!QueryValues.TryResize(size, out var policy, out var error) || !QueryValues.TryFormat(format, context.Request, out var outputFormat, out error))
                return Problems.BadQuery(error!);
            int? targetIndex = null;
            if (m.Main.Input(TensorRoles.LabelVector) is not null)
            {
                if (string.IsNullOrEmpty(target))
                    return Problems.BadQuery($"model '{m.Name}' needs target=<domain>, one of: {string.Join(", ", m.Manifest.Labels)}");
                if (!QueryValues.TryLabel(target, m.Manifest.Labels, "target", out var index, out error)) return Problems.BadQuery(error!);
                targetIndex = index;
            }
            else if (!string.IsNullOrEmpty(target))
                return Problems.BadQuery($"model '{m.Name}' takes no target domain");

            var (data, problem) = await RequestImage.ReadAsync(context.Request, options.Value.MaxRequestBytes, cancellation);
            if (problem is not null) return problem;

            using var slot = await gate.EnterAsync(cancellation);
            if (!slot.Acquired) return Problems.Busy(context, gate.RetryAfterSeconds);
            try
            {
                var limits = new ImageLimits(options.Value.MaxImagePixels, options.Value.ImageAllocationLimitMegabytes);
                using var input = ImageCodec.Decode(data!, limits);
                var output = GanPipelines.Translate(m, input, policy, targetIndex, cancellation);
                var bytes = ImageResults.Encode([output], outputFormat, 1);
                return TypedResults.File(bytes, ImageCodec.ContentType(outputFormat));
            }
            catch (ImageRejectedException e) { return Problems.FromImage(e); }
        }
    }
}

/// <summary>Reads an uploaded image (multipart field 'image' or a raw image body) under the body limit.</summary>
public static class RequestImage
{
    public static async Task<(byte[]? Data, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, long limit, CancellationToken cancellation)
    {
        if (request.ContentLength > limit) return (null, Problems.TooLarge(limit));
        try
        {
            if (request.HasFormContentType)
            {
                if (!request.ContentType!.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
                    return (null, Unsupported(request.ContentType));
                var form = await request.ReadFormAsync(cancellation);
                var file = form.Files.GetFile("image");
                if (file is null) return (null, Problems.BadQuery("multipart field 'image' is missing"));
                if (file.Length > limit) return (null, Problems.TooLarge(limit));
                using var buffer = new MemoryStream((int)file.Length);
                await file.CopyToAsync(buffer, cancellation);
                return Checked(buffer.ToArray());
            }
            var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
            if (mediaType is null || !TranslateEndpoints.ImageMediaTypes.Contains(mediaType)) return (null, Unsupported(request.ContentType));
            return Checked(await ReadLimitedAsync(request.Body, limit, cancellation) ?? throw new RequestTooLargeException());
        }
        catch (RequestTooLargeException) { return (null, Problems.TooLarge(limit)); }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge) { return (null, Problems.TooLarge(limit)); }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)) { return (null, Problems.TooLarge(limit)); }
        catch (InvalidDataException e) { return (null, Problems.BadQuery($"the multipart body could not be read: {e.Message}")); }
    }

    private static (byte[]?, ProblemHttpResult?) Checked(byte[] data) =>
        data.Length == 0 ? (null, Problems.BadQuery("the image is empty")) : (data, null);

    private static ProblemHttpResult Unsupported(string? contentType) => Problems.Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
        $"content type '{Problems.Shorten(contentType ?? "(none)")}' is not accepted; send multipart/form-data with field 'image', or a raw image/png, image/jpeg or image/webp body");

    /// <summary>Null when the stream holds more than <paramref name="limit"/> bytes (chunked bodies have no Content-Length).</summary>
    private static async Task<byte[]?> ReadLimitedAsync(Stream body, long limit, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellation)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private sealed class RequestTooLargeException : Exception;
}
