using GanService.Api.Inference;
using GanService.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GanService.Api.Endpoints;

/// <summary>RFC 9457 problem+json for every refusal, each with a detail that says what to change.</summary>
public static class Problems
{
    public static ProblemHttpResult Of(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title, extensions: extensions);

    public static ProblemHttpResult BadQuery(string detail) => Of(StatusCodes.Status400BadRequest, "Invalid request", detail);

    /// <summary>
    /// 404 for a name that resolves to no model: lists the loaded models (and aliases), says why a folder of that name
    /// failed, why a family key did not resolve, and for a well-known official model the `gan import` line that adds it.
    /// </summary>
    public static ProblemHttpResult UnknownModel(string? requested, ModelRepository models)
    {
        var available = models.Names;
        var shown = requested is null ? "(none)" : $"'{Shorten(requested)}'";
        var detail = $"no model {shown} is loaded; available: {(available.Count == 0 ? "none" : string.Join(", ", available))}";
        if (models.Aliases.Count > 0) detail += $" (aliases: {string.Join(", ", models.Aliases.Select(a => $"{a.Key} → {a.Value}"))})";
        var extensions = new Dictionary<string, object?> { ["available"] = available };
        if (requested is not null)
        {
            if (models.FailureOf(requested) is { } failure) detail += $". '{failure.Name}' failed to load: {failure.Reason}";
            if (models.FamilyHint(requested) is { } hint) detail += $". {hint}";
            if (OfficialModels.Find(requested) is { } official)
            {
                detail += $". {official.Hint}";
                extensions["import"] = official.ImportCommand;
                extensions["download"] = official.Url;
            }
        }
        return Of(StatusCodes.Status404NotFound, "Unknown model", detail, extensions);
    }

    public static ProblemHttpResult WrongTask(LoadedModel model, string wanted) =>
        BadQueryTitled("Wrong model task", $"model '{model.Name}' is a '{model.Manifest.Task}' model; this endpoint needs a '{wanted}' model");

    public static ProblemHttpResult Busy(HttpContext context, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Of(StatusCodes.Status429TooManyRequests, "Too many requests", $"all inference slots and the wait queue are full; retry after {retryAfterSeconds} s");
    }

    public static ProblemHttpResult TooLarge(long limit) =>
        Of(StatusCodes.Status413PayloadTooLarge, "Request too large", $"the request body exceeds the limit of {limit:N0} bytes");

    public static ProblemHttpResult ImageTooLarge(long limit) =>
        Of(StatusCodes.Status413PayloadTooLarge, "Request too large",
            $"the image exceeds the limit of {limit:N0} bytes (a multipart upload may add {GanOptions.MultipartFramingBytes:N0} bytes of framing)");

    public static ProblemHttpResult Unavailable(HttpContext context, string detail, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Of(StatusCodes.Status503ServiceUnavailable, "Service unavailable", detail);
    }

    public static ProblemHttpResult FromImage(ImageRejectedException e) => e.Reason switch
    {
        ImageRejection.UnsupportedFormat => Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported image format", $"{e.Message}; send PNG, JPEG or WebP"),
        ImageRejection.TooLarge or ImageRejection.MultipleFrames => Of(StatusCodes.Status413PayloadTooLarge, "Image too large", e.Message),
        _ => Of(StatusCodes.Status422UnprocessableEntity, "Undecodable image", e.Message),
    };

    public static ProblemHttpResult BadQueryTitled(string title, string detail) => Of(StatusCodes.Status400BadRequest, title, detail);

    /// <summary>Echoed user input is cut short: a 10 kB name should not come back as a 10 kB detail.</summary>
    public static string Shorten(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
