using System.Net;
using GanService.Api.Inference;
using GanService.Api.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace GanService.Api.Tests.Endpoints;

/// <summary>Over real Kestrel: one inference slot and one queue place, many concurrent clients.</summary>
public sealed class ConcurrencyLimitTests
{
    [Fact]
    public async Task Full_queue_answers_429_with_retry_after_instead_of_failing()
    {
        using var api = new KestrelApi(FixtureModels.CreateFolder(FixtureModels.Translate), new Dictionary<string, string?>
        {
            ["Gan:MaxConcurrentInferences"] = "1",
            ["Gan:QueueLimit"] = "1",
            ["Gan:RetryAfterSeconds"] = "2",
        });
        // Occupy the only slot, as a slow inference would, so the outcome does not depend on timing.
        var gate = api.Factory.Services.GetRequiredService<InferenceGate>();
        var busy = await gate.EnterAsync(CancellationToken.None);
        Assert.True(busy.Acquired);

        var png = FixtureModels.Png(64, 64);
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var clients = Enumerable.Range(0, 8).Select(_ => Task.Run(() => http.PostAsync("/translate/sketch", TestHttp.Raw(png, "image/png")))).ToList();

        // One client waits in the queue; the other seven are refused at once.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (clients.Count(c => c.IsCompleted) < 7 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(7, clients.Count(c => c.IsCompleted));
        busy.Dispose();
        var responses = await Task.WhenAll(clients);

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        var rejected = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(7, rejected.Count);
        foreach (var r in rejected)
        {
            Assert.Equal(TimeSpan.FromSeconds(2), r.Headers.RetryAfter?.Delta);
            await TestHttp.AssertProblem(r, HttpStatusCode.TooManyRequests, "queue");
        }
        Assert.Contains("gan_rejected_requests_total{reason=\"queue_full\"}", await http.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Concurrent_clients_under_load_get_only_200_or_429()
    {
        using var api = new KestrelApi(FixtureModels.CreateFolder(FixtureModels.Translate), new Dictionary<string, string?>
        {
            ["Gan:MaxConcurrentInferences"] = "1",
            ["Gan:QueueLimit"] = "1",
        });
        var png = FixtureModels.Png(1200, 1200); // decode + resize inside the slot takes a while
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() => http.PostAsync("/translate/sketch", TestHttp.Raw(png, "image/png")))));
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {(int)r.StatusCode}"));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
    }
}
