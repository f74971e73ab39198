using System.Net;
using GanService.Api.Tests.Fixtures;

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
        // A 1500×1500 PNG: decoding + resizing it inside the slot takes long enough for the clients to pile up.
        var png = FixtureModels.Png(1500, 1500);
        using var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var start = new SemaphoreSlim(0);
        var clients = Enumerable.Range(0, 12).Select(async _ =>
        {
            await start.WaitAsync();
            return await http.PostAsync("/translate/sketch", TestHttp.Raw(png, "image/png"));
        }).ToList();
        start.Release(clients.Count);
        var responses = await Task.WhenAll(clients);

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {(int)r.StatusCode}"));
        var rejected = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(rejected);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var r in rejected)
        {
            Assert.Equal(TimeSpan.FromSeconds(2), r.Headers.RetryAfter?.Delta);
            await TestHttp.AssertProblem(r, HttpStatusCode.TooManyRequests, "queue");
        }
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("gan_rejected_requests_total{reason=\"queue_full\"}", metrics);
    }
}
