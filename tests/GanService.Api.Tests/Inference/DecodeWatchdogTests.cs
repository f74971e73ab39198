using System.Net;
using GanService.Api.Inference;
using GanService.Api.Tests.Fixtures;
using GanService.Contracts;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace GanService.Api.Tests.Inference;

/// <summary>The decode deadline: a decoder that never returns (as ImageSharp 2.1 did on a short interlaced PNG) costs the
/// request 422 and nothing else; past the bound of abandoned decodes the service says it is not ready.</summary>
public sealed class DecodeWatchdogTests
{
    [Fact]
    public async Task Overrunning_decode_is_abandoned_with_422_its_slot_freed_counted_and_bounded()
    {
        using var release = new ManualResetEventSlim();
        int calls = 0;
        PixelDecoder stuck = (_, _, _) =>
        {
            Interlocked.Increment(ref calls);
            release.Wait(TimeSpan.FromSeconds(30)); // ignores cancellation, like a decoder spinning in a loop
            throw new ImageRejectedException(ImageRejection.Undecodable, "released");
        };
        using var baseFactory = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Translate), new Dictionary<string, string?>
        {
            ["Gan:DecodeTimeoutMilliseconds"] = "200",
            ["Gan:MaxAbandonedDecodes"] = "2",
            ["Gan:MaxConcurrentInferences"] = "1",
            ["Gan:QueueLimit"] = "0",
        });
        using var factory = baseFactory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton(stuck)));
        var client = factory.CreateClient();
        double before = await TestMetrics.Value(client, "gan_abandoned_decodes_total");
        var png = FixtureModels.Png(8, 8);

        // One slot only: the second request would get 429 if the first had kept it.
        for (int i = 0; i < 2; i++)
            await TestHttp.AssertProblem(await client.PostAsync("/translate/sketch", TestHttp.Raw(png, "image/png")), HttpStatusCode.UnprocessableEntity, "abandoned");
        Assert.Equal(before + 2, await TestMetrics.Value(client, "gan_abandoned_decodes_total"));
        Assert.Equal(2, await TestMetrics.Value(client, "gan_abandoned_decodes_running"));

        // At the bound: no new decode starts, and the process asks to be replaced.
        await TestHttp.AssertProblem(await client.PostAsync("/translate/sketch", TestHttp.Raw(png, "image/png")), HttpStatusCode.ServiceUnavailable, "abandoned");
        Assert.Equal(2, calls);
        var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("abandoned", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/v2/health/ready")).StatusCode);

        // When the stuck decodes end, the service is ready again.
        release.Set();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await client.GetAsync("/readyz")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(0, await TestMetrics.Value(client, "gan_abandoned_decodes_running"));
    }
}
