using GanService.Api.Endpoints;
using GanService.Api.Inference;
using Serilog;
using Serilog.Context;

namespace GanService.Api.Auth;

/// <summary>Endpoint metadata: this route needs an API key when keys are configured.</summary>
public sealed class ApiKeyRequired
{
    public static readonly ApiKeyRequired Instance = new();
}

/// <summary>
/// Checks the caller's key on routes marked <see cref="RequireApiKey"/> when <c>Gan:Auth:Keys</c> is set: no key → 401,
/// a key that matches none → 401 (both problem+json with <c>WWW-Authenticate</c>), a model outside the key's allow-list
/// → 403. The caller's key name (never the key) goes into the request log and the metrics; the per-key quotas
/// (<see cref="KeyQuotas"/>) partition by it.
/// </summary>
public static class ApiKeyMiddleware
{
    public const string HeaderName = "X-Api-Key";
    public const string Realm = "GanService";
    private const string CallerItem = "gan.api-key";

    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ApiKeyRequired.Instance);

    /// <summary>The authenticated caller's key (null when keys are off or the route is open).</summary>
    public static ApiKeyOptions? Caller(HttpContext context) => context.Items.TryGetValue(CallerItem, out var k) ? k as ApiKeyOptions : null;

    public static IApplicationBuilder UseGanApiKeys(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var keys = context.RequestServices.GetRequiredService<ApiKeys>();
        if (!keys.Enabled || context.GetEndpoint()?.Metadata.GetMetadata<ApiKeyRequired>() is null)
        {
            await next(context);
            return;
        }
        var presented = Presented(context.Request);
        if (presented is null)
        {
            await Refuse(context, StatusCodes.Status401Unauthorized, "none", "missing", "API key required",
                $"send an API key as 'Authorization: Bearer KEY' or '{HeaderName}: KEY'", $"Bearer realm=\"{Realm}\"");
            return;
        }
        if (keys.Find(presented) is not { } key)
        {
            await Refuse(context, StatusCodes.Status401Unauthorized, "none", "invalid", "Invalid API key",
                "the API key matches no configured key", $"Bearer realm=\"{Realm}\", error=\"invalid_token\"");
            return;
        }
        context.RequestServices.GetService<IDiagnosticContext>()?.Set("ApiKey", key.Name);
        if (Forbidden(context, key) is { } model)
        {
            await Refuse(context, StatusCodes.Status403Forbidden, key.Name, "forbidden", "Model not allowed for this key",
                $"the key '{key.Name}' may not use model '{Problems.Shorten(model)}'; it may use: {string.Join(", ", key.Models!)}",
                $"Bearer realm=\"{Realm}\", error=\"insufficient_scope\"");
            return;
        }
        context.Items[CallerItem] = key;
        GanMetrics.KeyRequests.WithLabels(key.Name, "accepted").Inc();
        using (LogContext.PushProperty("ApiKey", key.Name))
            await next(context);
    });

    /// <summary>The key from <c>Authorization: Bearer</c> or <c>X-Api-Key</c> (null when neither is there).</summary>
    private static string? Presented(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization[7..].Trim() is { Length: > 0 } bearer) return bearer;
        return request.Headers[HeaderName].ToString().Trim() is { Length: > 0 } header ? header : null;
    }

    /// <summary>The requested model when the key has an allow-list that does not include the model it resolves to.
    /// A name that resolves to no model goes on to the handler's 404.</summary>
    private static string? Forbidden(HttpContext context, ApiKeyOptions key)
    {
        if (key.Models is not { Length: > 0 } allowed) return null;
        var requested = context.Request.RouteValues["model"] as string ?? context.Request.RouteValues["name"] as string ?? context.Request.Query["model"].ToString();
        if (string.IsNullOrEmpty(requested)) return null;
        var models = context.RequestServices.GetRequiredService<ModelRepository>();
        if (!models.TryAcquire(requested, out var lease)) return null;
        using (lease)
            return allowed.Contains(lease.Model.Name, StringComparer.Ordinal) || allowed.Contains(requested, StringComparer.Ordinal) ? null : requested;
    }

    private static async Task Refuse(HttpContext context, int status, string keyName, string outcome, string title, string detail, string challenge)
    {
        GanMetrics.KeyRequests.WithLabels(keyName, outcome).Inc();
        context.Response.StatusCode = status;
        context.Response.Headers.WWWAuthenticate = challenge;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
