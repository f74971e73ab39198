using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace GanService.Api.Auth;

/// <summary>
/// Per-key quotas (<c>Gan:Auth:Keys:N:MaxConcurrentRequests</c>, <c>RequestsPerMinute</c>, <c>Burst</c>): partitioned
/// limiters keyed by the caller's key name, in front of the global inference gate. A key at its concurrency bound is
/// refused at once (429, no queue), so a flooding caller holds at most its share of the gate and the others keep theirs.
/// Requests without a key (keys off, or open routes) are not limited here.
/// </summary>
public static class KeyQuotas
{
    public static IServiceCollection AddGanKeyQuotas(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<GanOptions>>((limiter, gan) =>
        {
            var retryAfter = gan.Value.RetryAfterSeconds;
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context => ApiKeyMiddleware.Caller(context) is { MaxConcurrentRequests: { } permits } key
                    ? RateLimitPartition.GetConcurrencyLimiter(key.Name, _ => new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(context => ApiKeyMiddleware.Caller(context) is { RequestsPerMinute: { } perMinute } key
                    ? RateLimitPartition.GetTokenBucketLimiter(key.Name, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = key.Burst ?? perMinute,
                        TokensPerPeriod = 1,
                        ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter("")));
            limiter.OnRejected = async (rejected, cancellation) =>
            {
                var context = rejected.HttpContext;
                var key = ApiKeyMiddleware.Caller(context);
                bool rate = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait);
                GanMetrics.KeyRequests.WithLabels(key?.Name ?? "none", rate ? "over_rate" : "over_concurrency").Inc();
                GanMetrics.Rejected.WithLabels("key_quota").Inc();
                int seconds = rate ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : retryAfter;
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests for this key",
                        Detail = rate
                            ? $"the key '{key?.Name}' is over its rate of {key?.RequestsPerMinute} requests per minute; retry after {seconds} s"
                            : $"the key '{key?.Name}' already has {key?.MaxConcurrentRequests} requests in progress; retry after {seconds} s",
                    },
                });
            };
        });
        return services;
    }
}
