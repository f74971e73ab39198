using System.Text.RegularExpressions;
using Serilog;
using Serilog.Context;
using Serilog.Formatting.Compact;

namespace GanService.Api.Hosting;

/// <summary>Serilog: compact JSON on the console (plain text in Development); one request log line per request with
/// its id and, when API keys are on, the caller's key name. Bodies (images), headers (Authorization, X-Api-Key) and keys
/// are never logged.</summary>
public static partial class GanLogging
{
    public const string RequestIdHeader = "X-Request-Id";

    public static WebApplicationBuilder AddGanLogging(this WebApplicationBuilder builder)
    {
        bool development = builder.Environment.IsDevelopment();
        builder.Services.AddSerilog((services, logger) =>
        {
            // ReadFrom.Services: sinks registered in DI too (the tests capture the log with one).
            logger.ReadFrom.Configuration(builder.Configuration).ReadFrom.Services(services).Enrich.FromLogContext();
            if (development) logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {RequestId}{NewLine}{Exception}");
            else logger.WriteTo.Console(new RenderedCompactJsonFormatter());
        });
        return builder;
    }

    /// <summary>Takes a caller's X-Request-Id when it is a short token, else uses the connection's trace id; echoes it.</summary>
    public static IApplicationBuilder UseRequestId(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var incoming = context.Request.Headers[RequestIdHeader].ToString();
        if (SafeId().IsMatch(incoming)) context.TraceIdentifier = incoming;
        context.Response.Headers[RequestIdHeader] = context.TraceIdentifier;
        using (LogContext.PushProperty("RequestId", context.TraceIdentifier))
            await next(context);
    });

    public static IApplicationBuilder UseGanRequestLogging(this IApplicationBuilder app) => app.UseSerilogRequestLogging(o =>
    {
        o.EnrichDiagnosticContext = (diagnostics, context) =>
        {
            diagnostics.Set("RequestId", context.TraceIdentifier);
            if (context.GetEndpoint()?.DisplayName is { } endpoint) diagnostics.Set("Endpoint", endpoint);
        };
    });

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex SafeId();
}
