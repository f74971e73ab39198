using System.Diagnostics;
using GanService.Api.Inference;

namespace GanService.Api.Endpoints;

/// <summary>Counts and times each request per model and endpoint. Only loaded model names become label values. A client
/// that went away is counted as 499, not 500.</summary>
public sealed class RequestMetricsFilter(string endpoint) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var requested = http.Request.RouteValues["model"] as string ?? http.Request.RouteValues["name"] as string ?? http.Request.Query["model"].ToString();
        var model = http.RequestServices.GetRequiredService<ModelRepository>().Names.Contains(requested) ? requested : "unknown";
        var clock = Stopwatch.StartNew();
        int code = StatusCodes.Status500InternalServerError;
        try
        {
            var result = await next(context);
            code = result is IStatusCodeHttpResult { StatusCode: { } c } ? c : StatusCodes.Status200OK;
            if (result is INestedHttpResult { Result: IStatusCodeHttpResult { StatusCode: { } nested } }) code = nested;
            return result;
        }
        catch (Exception e) when (Hosting.ClientFaults.IsClientAbort(http, e))
        {
            code = Hosting.ClientFaults.ClientClosedRequest;
            throw;
        }
        catch (BadHttpRequestException e)
        {
            code = e.StatusCode;
            throw;
        }
        finally
        {
            GanMetrics.Requests.WithLabels(model, endpoint, code.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
            GanMetrics.RequestSeconds.WithLabels(model, endpoint).Observe(clock.Elapsed.TotalSeconds);
        }
    }
}
