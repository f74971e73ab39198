using GanService.Api.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GanService.Api.Endpoints;

public sealed record Liveness(string Status);

public sealed record FailedModel(string Name, string Reason);

public sealed record Readiness(string Status, string? Reason, string[] Models, FailedModel[] Failed, ProviderStatus Provider, DateTimeOffset? LastScan);

/// <summary>/healthz: the process answers. /readyz: at least one model is loaded (503 otherwise, with the reason).</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Health");
        group.MapGet("/healthz", Live).WithName("Live");
        group.MapGet("/readyz", Ready).WithName("Ready").Produces<Readiness>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static Ok<Liveness> Live() => TypedResults.Ok(new Liveness("live"));

    public static Results<Ok<Readiness>, JsonHttpResult<Readiness>> Ready(ModelRepository models, SessionFactory sessions)
    {
        var loaded = models.Names.ToArray();
        var failed = models.Failed.Select(f => new FailedModel(f.Name, f.Reason)).ToArray();
        if (loaded.Length > 0)
            return TypedResults.Ok(new Readiness("ready", null, loaded, failed, sessions.Status, models.LastScan));
        var reason = failed.Length > 0
            ? $"no model loaded: {failed.Length} model folder(s) in {models.Root} failed to load"
            : Directory.Exists(models.Root) ? $"no model loaded: {models.Root} has no folder with a model.json" : $"no model loaded: {models.Root} does not exist";
        return TypedResults.Json(new Readiness("not ready", reason, loaded, failed, sessions.Status, models.LastScan), statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
