using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Timeouts;

namespace GanService.Api.Hosting;

/// <summary>
/// Faults of the client's making are not server errors. A client that disconnects mid-request is logged as aborted
/// (information), counted in <c>gan_aborted_requests_total</c> and given status 499 (nginx's "client closed request") in
/// the request log and metrics — never a 500 and an error log. Kestrel's own refusals that reach here (a body too slow,
/// too large or malformed, read outside the handlers that answer them) get their status as problem+json.
/// Sits outside the request-timeout middleware, which answers its own timeouts (503).
/// </summary>
public static class ClientFaults
{
    public const int ClientClosedRequest = 499;

    /// <summary>True when the exception is the client going away (not a request timeout cancelling the work).</summary>
    public static bool IsClientAbort(HttpContext context, Exception e) =>
        e is ConnectionResetException
        || (e is OperationCanceledException or IOException && e is not BadHttpRequestException
            && context.RequestAborted.IsCancellationRequested
            && context.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested != true);

    public static IApplicationBuilder UseClientFaults(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (IsClientAbort(context, e))
        {
            GanMetrics.AbortedRequests.Inc();
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClientFaults))
                .LogInformation("Client aborted {Method} {Path} before the response ({Reason})", context.Request.Method, context.Request.Path, e.GetType().Name);
            if (!context.Response.HasStarted) context.Response.StatusCode = ClientClosedRequest;
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClientFaults))
                .LogInformation("Bad request body on {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path, e.Message);
            context.Response.StatusCode = e.StatusCode;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = e.StatusCode, Title = "Bad request body", Detail = e.Message },
            });
        }
    });
}
