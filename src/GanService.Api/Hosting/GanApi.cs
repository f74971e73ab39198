using GanService.Api.Auth;
using GanService.Api.Endpoints;
using Prometheus;

namespace GanService.Api.Hosting;

/// <summary>The service as <c>Program.cs</c> runs it, buildable by other hosts: the bench's `fuzz` starts it in-process on
/// loopback so that it measures the real pipeline (and the process's RSS) without a second process.</summary>
public static class GanApi
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.UseGanDefaultPort();
        builder.AddGanLogging();
        builder.Services.AddGanInference(builder.Configuration);
        builder.Services.AddGanApiDocs();

        var app = builder.Build();
        app.UseRequestId();
        app.UseGanRequestLogging();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseSwagger();
        app.UseSwaggerUI(o => o.DocumentTitle = "GanService API");
        app.UseRouting();
        app.UseClientFaults();
        app.UseRequestTimeouts();
        app.UseHttpMetrics();
        app.UseGanApiKeys();
        app.UseRateLimiter();

        app.MapHealth();
        app.MapModels();
        app.MapTranslate();
        app.MapGenerate();
        app.MapEncode();
        app.MapInferenceProtocol();
        app.MapMetrics("/metrics");
        return app;
    }
}
