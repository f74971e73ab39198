using GanService.Api.Inference;
using GanService.Contracts;
using GanService.Inference;
using Microsoft.AspNetCore.Http.HttpResults;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Api.Endpoints;

/// <summary>
/// The one intake for endpoints that take uploaded images (POST /translate, /encode, /reconstruct, /interpolate/{model}):
/// read the body under the size limit, wait for an inference slot, decode under the watchdog with the pixel and
/// allocation limits, run, and answer every refusal as problem+json — so the hostile-input behaviour is the same on
/// every upload route.
/// </summary>
public static class ImageUploads
{
    /// <summary>The problems an upload route can answer (for OpenAPI).</summary>
    public static RouteHandlerBuilder ProducesUploadProblems(this RouteHandlerBuilder route) => route
        .DisableAntiforgery()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status408RequestTimeout)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>Reads <paramref name="fields"/> (one field: also a raw image body, as POST /translate takes it), then
    /// decodes them inside an inference slot and runs <paramref name="run"/> on the decoded images (disposed after).</summary>
    public static async Task<Results<T, ProblemHttpResult>> RunAsync<T>(HttpContext context, string[] fields, InferenceGate gate,
        DecodeWatchdog decoder, GanOptions options, StageTimings timings, Func<IReadOnlyList<Image<Rgb24>>, T> run,
        CancellationToken cancellation) where T : IResult
    {
        byte[][]? data;
        ProblemHttpResult? readProblem;
        using (StageTimings.Measure(timings, ServerTiming.Read))
        {
            if (fields.Length == 1)
            {
                var (one, p) = await RequestImage.ReadAsync(context.Request, options.MaxRequestBytes, cancellation);
                (data, readProblem) = (one is null ? null : [one], p);
            }
            else (data, readProblem) = await RequestImage.ReadFieldsAsync(context.Request, options.MaxRequestBytes, fields, cancellation);
        }
        if (readProblem is not null) return readProblem;

        using var slot = await gate.EnterAsync(cancellation);
        if (!slot.Acquired) return Problems.Busy(context, gate.RetryAfterSeconds);
        var images = new List<Image<Rgb24>>();
        try
        {
            var limits = new ImageLimits(options.MaxImagePixels, options.ImageAllocationLimitMegabytes);
            using (StageTimings.Measure(timings, StageTimings.Decode))
                foreach (var bytes in data!) images.Add(await decoder.DecodeAsync(bytes, limits, cancellation));
            return run(images);
        }
        catch (ImageRejectedException e) { return Problems.FromImage(e); }
        catch (DecodingUnavailableException e) { return Problems.Unavailable(context, e.Message, gate.RetryAfterSeconds); }
        finally { foreach (var i in images) i.Dispose(); }
    }
}
