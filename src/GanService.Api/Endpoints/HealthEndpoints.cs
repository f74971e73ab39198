using GanService.Api.Inference;
using GanService.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GanService.Api.Endpoints;

public sealed record Liveness(string Status);

public sealed record FailedModel(string Name, string Reason);

public sealed record Readiness(string Status, string? Reason, string[] Models, FailedModel[] Failed, ProviderStatus Provider, DateTimeOffset? LastScan);

/// <summary>/healthz: the process answers. /readyz: at least one model is loaded and image decoding is not jammed by
/// abandoned decodes (503 otherwise, with the reason). Reasons never name server paths.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Health");
        group.MapGet("/healthz", Live).WithName("Live").WithSummary("Liveness: the process answers");
        group.MapGet("/readyz", Ready).WithName("Ready").WithSummary("Readiness: a model is loaded and decoding is not jammed (503 with the reason otherwise)").Produces<Readiness>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static Ok<Liveness> Live() => TypedResults.Ok(new Liveness("live"));

    public static Results<Ok<Readiness>, JsonHttpResult<Readiness>> Ready(ModelRepository models, SessionFactory sessions, DecodeWatchdog decoder)
    {
        var loaded = models.Names.ToArray();
        var failed = models.Failed.Select(f => new FailedModel(f.Name, f.Reason)).ToArray();
        var reason = NotReadyReason(models, decoder);
        if (reason is null)
            return TypedResults.Ok(new Readiness("ready", null, loaded, failed, sessions.Status, models.LastScan));
        return TypedResults.Json(new Readiness("not ready", reason, loaded, failed, sessions.Status, models.LastScan), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Null when ready; shared by /readyz and the OIP ready endpoint.</summary>
    public static string? NotReadyReason(ModelRepository models, DecodeWatchdog decoder)
    {
        if (decoder.NotReadyReason is { } jammed) return jammed;
        if (models.Names.Count > 0) return null;
        int failed = models.Failed.Count;
        return failed > 0 ? $"no model loaded: {failed} model folder(s) failed to load"
            : Directory.Exists(models.Root) ? "no model loaded: the models folder (Gan:ModelsPath) has no folder with a model.json"
            : "no model loaded: the models folder (Gan:ModelsPath) does not exist";
    }
}
