using System.Net;
using GanService.Api.Auth;
using GanService.Api.Tests.Fixtures;

namespace GanService.Api.Tests.Auth;

/// <summary>
/// Over real Kestrel: a key that floods the service cannot take the other key's share. The global gate has two slots
/// and no queue; each key may have one request in progress. Without the per-key bound the flooding key's eight
/// concurrent clients would hold both slots and the quiet key would get 429s; with it, the flood holds at most one and
/// the quiet key's sequential requests all succeed — during the flood as before it. Counts, not timings, are asserted.
/// </summary>
public sealed class KeyFairnessTests
{
    private const string QuietKey = "quiet-5d0a-key", FloodKey = "flood-91c7-key";
    private const int QuietRequests = 24, FloodClients = 8;

    [Fact]
    public async Task The_quiet_keys_success_rate_is_unchanged_while_another_key_floods()
    {
        using var api = new KestrelApi(FixtureModels.CreateFolder(FixtureModels.Translate), new Dictionary<string, string?>
        {
            ["Gan:MaxConcurrentInferences"] = "2",
            ["Gan:QueueLimit"] = "0",
            ["Gan:Auth:Keys:0:Name"] = "quiet",
            ["Gan:Auth:Keys:0:Sha256"] = ApiKeys.Hash(QuietKey),
            ["Gan:Auth:Keys:0:MaxConcurrentRequests"] = "1",
            ["Gan:Auth:Keys:1:Name"] = "flood",
            ["Gan:Auth:Keys:1:Sha256"] = ApiKeys.Hash(FloodKey),
            ["Gan:Auth:Keys:1:MaxConcurrentRequests"] = "1",
        });
        using var quiet = Client(api, QuietKey);
        using var flood = Client(api, FloodKey);
        var png = FixtureModels.Png(256, 256);

        int alone = await QuietSucceeded(quiet, png);

        using var stop = new CancellationTokenSource();
        var floodCodes = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var flooders = Enumerable.Range(0, FloodClients).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
                floodCodes.Add((await flood.PostAsync($"/translate/{FixtureModels.Translate}", TestHttp.Raw(png, "image/png"))).StatusCode);
        })).ToList();
        // The flood is on before the quiet key measures: some flood requests have been refused for its own quota.
        while (!floodCodes.Contains(HttpStatusCode.TooManyRequests)) await Task.Delay(10);
        int during = await QuietSucceeded(quiet, png);
        stop.Cancel();
        await Task.WhenAll(flooders);

        int floodOk = floodCodes.Count(c => c == HttpStatusCode.OK), floodRefused = floodCodes.Count(c => c == HttpStatusCode.TooManyRequests);
        Console.WriteLine($"quiet: {alone}/{QuietRequests} alone, {during}/{QuietRequests} during the flood; flood: {floodOk} × 200, {floodRefused} × 429 of {floodCodes.Count}");
        Assert.Equal(QuietRequests, alone);
        Assert.Equal(alone, during);
        Assert.True(floodOk > 0, "the flooding key still gets its share");
        Assert.All(floodCodes, c => Assert.True(c is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"flood got {(int)c}"));
        var metrics = await quiet.GetStringAsync("/metrics");
        Assert.Contains("gan_api_key_requests_total{key=\"flood\",outcome=\"over_concurrency\"}", metrics);
        Assert.DoesNotContain("gan_api_key_requests_total{key=\"quiet\",outcome=\"over_concurrency\"}", metrics);
    }

    private static HttpClient Client(KestrelApi api, string key)
    {
        var client = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add(ApiKeyMiddleware.HeaderName, key);
        return client;
    }

    private static async Task<int> QuietSucceeded(HttpClient quiet, byte[] png)
    {
        int ok = 0;
        for (int i = 0; i < QuietRequests; i++)
            if ((await quiet.PostAsync($"/translate/{FixtureModels.Translate}", TestHttp.Raw(png, "image/png"))).StatusCode == HttpStatusCode.OK) ok++;
        return ok;
    }
}
