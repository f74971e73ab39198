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
    public void Invalid_options_fail_at_start()
    {
        using var factory = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Dcgan), new Dictionary<string, string?> { ["Gan:Device"] = "tpu" });
        var e = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.IsType<OptionsValidationException>(e.GetBaseException());
    }
}
