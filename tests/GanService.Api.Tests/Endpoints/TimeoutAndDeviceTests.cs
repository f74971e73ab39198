using System.Net;
using System.Text.Json;
using GanService.Api.Inference;
using GanService.Api.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GanService.Api.Tests.Endpoints;

public sealed class TimeoutAndDeviceTests
{
    [Fact]
    public async Task Request_waiting_past_the_timeout_gets_503_problem_with_retry_after()
    {
        using var factory = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Dcgan), new Dictionary<string, string?>
        {
            ["Gan:RequestTimeoutSeconds"] = "1",
            ["Gan:MaxConcurrentInferences"] = "1",
        });
        var client = factory.CreateClient();
        using var busy = await factory.Services.GetRequiredService<InferenceGate>().EnterAsync(CancellationToken.None);
        var response = await client.GetAsync("/generate?model=dcgan&seed=1");
        await TestHttp.AssertProblem(response, HttpStatusCode.ServiceUnavailable, "longer than 1 s");
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Cuda_requested_without_the_gpu_package_falls_back_to_cpu_and_says_why()
    {
        using var factory = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Dcgan), new Dictionary<string, string?> { ["Gan:Device"] = "cuda" });
        var client = factory.CreateClient();
        var provider = JsonDocument.Parse(await client.GetStringAsync("/readyz")).RootElement.GetProperty("provider");
        Assert.Equal("cuda", provider.GetProperty("requested").GetString());
        Assert.Equal("cpu", provider.GetProperty("active").GetString());
        Assert.Contains("CUDA", provider.GetProperty("fallbackReason").GetString());
        Assert.Contains("fallbackReason", await client.GetStringAsync("/models"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/generate?model=dcgan")).StatusCode);
    }

    [Fact]
    public async Task Invalid_options_fail_at_start()
    {
        // The real host, as an operator starts it: WebApplicationFactory surfaces a failed start in more than one shape
        // (now and then an ObjectDisposedException from its own teardown), so the built service runs as a process here.
        string api = Path.Combine(AppContext.BaseDirectory, "GanService.Api.dll");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [api])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = FixtureModels.CreateFolder(FixtureModels.Dcgan),
        };
        start.Environment["Gan__Device"] = "tpu";
        start.Environment["Gan__ModelsPath"] = start.WorkingDirectory;
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        try { await process.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); Assert.Fail("the service started with Gan:Device=tpu"); }
        Assert.NotEqual(0, process.ExitCode);
        string output = await stderr + await stdout;
        Assert.Contains(nameof(OptionsValidationException), output);
        Assert.Contains("Device", output);
    }
}
