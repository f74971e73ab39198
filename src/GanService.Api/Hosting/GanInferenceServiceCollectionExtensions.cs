using GanService.Api.Auth;
using GanService.Api.Inference;
using GanService.Contracts;
using GanService.Inference;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace GanService.Api.Hosting;

public static class GanInferenceServiceCollectionExtensions
{
    public const int DefaultPort = 5080;

    /// <summary>Listens on http://localhost:5080 unless URLs or ports are configured (ASPNETCORE_URLS, --urls,
    /// ASPNETCORE_HTTP_PORTS, Kestrel:Endpoints), whatever the working directory or launch profile.</summary>
    public static WebApplicationBuilder UseGanDefaultPort(this WebApplicationBuilder builder)
    {
        var c = builder.Configuration;
        bool configured = !string.IsNullOrEmpty(c["urls"]) || !string.IsNullOrEmpty(c["http_ports"]) || !string.IsNullOrEmpty(c["https_ports"])
                          || c.GetSection("Kestrel:Endpoints").GetChildren().Any();
        if (!configured) builder.WebHost.UseUrls($"http://localhost:{DefaultPort}");
        return builder;
    }

    /// <summary>Options (validated at start), the model repository (hosted: loads and watches models), sessions,
    /// the concurrency gate, the decode deadline, body limits, request timeouts and problem details.</summary>
    public static IServiceCollection AddGanInference(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GanOptions>().Bind(configuration.GetSection(GanOptions.Section)).ValidateDataAnnotations()
            .Validate(o => CudaSettings.ConvAlgoSearches.Contains(o.Cuda.ConvAlgoSearch),
                $"Gan:Cuda:ConvAlgoSearch must be one of {string.Join(", ", CudaSettings.ConvAlgoSearches)}")
            .Validate(o => o.Batching.Problem() is null, "Gan:Batching: MaxBatch must be 1…1024 and MaxDelayMilliseconds 0…1000")
            .Validate(o => o.Defaults.All(kv => ModelName.IsValid(kv.Key) && ModelName.IsValid(kv.Value)),
                "Gan:Defaults: every key and value must be a model name (lower-case letters, digits, . _ -)")
            .Validate(o => o.Auth.Problem() is null, "Gan:Auth: every key needs a unique Name (A-Z a-z 0-9 . _ -), a unique Sha256 (64 hex digits) and quotas ≥ 1")
            .ValidateOnStart();
        services.AddSingleton<Auth.ApiKeys>();
        services.AddGanKeyQuotas();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GanOptions>>().Value;
            var device = options.Device;
            var logger = sp.GetRequiredService<ILogger<SessionFactory>>();
            return new SessionFactory(device, reason => logger.LogWarning("Device {Device} requested but falling back to CPU: {Reason}", device, reason),
                options.Cuda.Settings);
        });
        services.AddSingleton<ModelRepository>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelRepository>());
        services.AddSingleton<InferenceGate>();
        services.AddSingleton<PixelDecoder>(GanService.Contracts.ImageCodec.Decode);
        services.AddSingleton<DecodeWatchdog>();

        // Kestrel's own limit leaves room for multipart framing; handlers enforce MaxRequestBytes on the image itself.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<GanOptions>>((kestrel, gan) =>
            kestrel.Limits.MaxRequestBodySize = gan.Value.MaxRequestBytes + GanOptions.MultipartFramingBytes);
        services.AddOptions<FormOptions>().Configure<IOptions<GanOptions>>((form, gan) =>
        {
            form.MultipartBodyLengthLimit = gan.Value.MaxRequestBytes + GanOptions.MultipartFramingBytes;
            form.ValueCountLimit = GanOptions.MaxFormFields;
        });
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<GanOptions>>((timeouts, gan) =>
            timeouts.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = TimeSpan.FromSeconds(gan.Value.RequestTimeoutSeconds),
                TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
                WriteTimeoutResponse = async context =>
                {
                    GanMetrics.Rejected.WithLabels("timeout").Inc();
                    context.Response.Headers.RetryAfter = gan.Value.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                    {
                        HttpContext = context,
                        ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = "Request timed out", Detail = $"the request took longer than {gan.Value.RequestTimeoutSeconds} s" },
                    });
                },
            });
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c => c.ProblemDetails.Extensions["requestId"] = c.HttpContext.TraceIdentifier);
        return services;
    }
}
