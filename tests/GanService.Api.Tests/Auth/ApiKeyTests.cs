using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using GanService.Api.Auth;
using GanService.Api.Tests.Fixtures;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace GanService.Api.Tests.Auth;

/// <summary>Gan:Auth:Keys on: model routes need a key (Bearer or X-Api-Key), the allow-list and the rate quota hold,
/// open routes stay open, and no key material reaches the log.</summary>
public sealed class ApiKeyTests : IDisposable
{
    public const string AliceKey = "alice-3f9c2e71-key", BobKey = "bob-b81d44c0-key";

    private readonly LogCapture _log = new();
    private readonly CapturingApi _api;
    private readonly HttpClient _client;

    public ApiKeyTests()
    {
        _api = new CapturingApi(FixtureModels.CreateFolder(FixtureModels.Translate, FixtureModels.Dcgan), _log, new Dictionary<string, string?>
        {
            ["Gan:Auth:Keys:0:Name"] = "alice",
            ["Gan:Auth:Keys:0:Sha256"] = ApiKeys.Hash(AliceKey),
            ["Gan:Auth:Keys:1:Name"] = "bob",
            ["Gan:Auth:Keys:1:Sha256"] = ApiKeys.Hash(BobKey).ToUpperInvariant(), // hex in either case
            ["Gan:Auth:Keys:1:Models:0"] = FixtureModels.Dcgan,
            ["Gan:Auth:Keys:1:RequestsPerMinute"] = "2",
            ["Serilog:MinimumLevel:Default"] = "Verbose",
            ["Serilog:MinimumLevel:Override:Microsoft"] = "Verbose",
            ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Verbose",
        });
        _client = _api.CreateClient();
    }

    public void Dispose()
    {
        _client.Dispose();
        _api.Dispose();
        try { Directory.Delete(_api.ModelsPath, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_model_route_without_a_key_is_401_with_a_challenge_and_open_routes_stay_open()
    {
        foreach (var path in new[] { "/models", $"/generate?model={FixtureModels.Dcgan}", $"/v2/models/{FixtureModels.Dcgan}" })
        {
            var response = await _client.GetAsync(path);
            await TestHttp.AssertProblem(response, HttpStatusCode.Unauthorized, "API key");
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
        var upload = await _client.PostAsync($"/translate/{FixtureModels.Translate}", TestHttp.Raw(FixtureModels.Png(16, 16), "image/png"));
        await TestHttp.AssertProblem(upload, HttpStatusCode.Unauthorized);
        foreach (var path in new[] { "/healthz", "/readyz", "/metrics", "/v2/health/live", "/swagger/v1/swagger.json", "/" })
            Assert.True((await _client.GetAsync(path)).IsSuccessStatusCode, path);
    }

    [Fact]
    public async Task Bearer_and_X_Api_Key_both_authenticate_and_the_log_has_the_name_never_the_key()
    {
        using var bearer = new HttpRequestMessage(HttpMethod.Post, $"/translate/{FixtureModels.Translate}") { Content = TestHttp.Raw(FixtureModels.Png(16, 16), "image/png") };
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AliceKey);
        await TestHttp.AssertImage(await _client.SendAsync(bearer));

        using var header = new HttpRequestMessage(HttpMethod.Get, $"/generate?model={FixtureModels.Dcgan}&seed=3");
        header.Headers.Add(ApiKeyMiddleware.HeaderName, AliceKey);
        await TestHttp.AssertImage(await _client.SendAsync(header));

        var wrongKey = "wrong-" + AliceKey;
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/models");
        wrong.Headers.Add(ApiKeyMiddleware.HeaderName, wrongKey);
        var refused = await _client.SendAsync(wrong);
        await TestHttp.AssertProblem(refused, HttpStatusCode.Unauthorized, "matches no configured key");
        Assert.Contains("invalid_token", refused.Headers.WwwAuthenticate.ToString());

        // The host's "Request finished" line comes after the response has gone: wait for the last request's. (Serilog's
        // own request line goes to the static logger, which parallel test hosts share, so it is not waited for.)
        var log = await _log.WaitForAsync(text => text.Contains("/translate/" + FixtureModels.Translate)
                                                 && System.Text.RegularExpressions.Regex.IsMatch(text, "Request finished .*/models.* 401"));
        Assert.Contains("\"alice\"", log);                              // the caller's key name
        Assert.DoesNotContain(AliceKey, log);
        Assert.DoesNotContain(wrongKey, log);
        Assert.DoesNotContain("3f9c2e71", log);                          // no part of the key either
        var metrics = await _client.GetStringAsync("/metrics");
        Assert.Contains("gan_api_key_requests_total{key=\"alice\",outcome=\"accepted\"}", metrics);
        Assert.DoesNotContain("3f9c2e71", metrics);
    }

    [Fact]
    public async Task A_model_outside_the_keys_allow_list_is_403_and_the_rate_quota_is_429_with_retry_after()
    {
        using var other = new HttpRequestMessage(HttpMethod.Post, $"/translate/{FixtureModels.Translate}") { Content = TestHttp.Raw(FixtureModels.Png(16, 16), "image/png") };
        other.Headers.Authorization = new AuthenticationHeaderValue("Bearer", BobKey);
        var forbidden = await _client.SendAsync(other);
        await TestHttp.AssertProblem(forbidden, HttpStatusCode.Forbidden, "may not use model");
        Assert.Contains("insufficient_scope", forbidden.Headers.WwwAuthenticate.ToString());

        // bob: 2 requests per minute, burst 2 → the third within the minute is over the quota (the 403 above did not count).
        var codes = new List<HttpStatusCode>();
        for (int i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/generate?model={FixtureModels.Dcgan}&seed={i}");
            request.Headers.Add(ApiKeyMiddleware.HeaderName, BobKey);
            var response = await _client.SendAsync(request);
            codes.Add(response.StatusCode);
            if (i == 2)
            {
                await TestHttp.AssertProblem(response, HttpStatusCode.TooManyRequests, "requests per minute");
                Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            }
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], codes);
        // alice has no quota: unaffected by bob's.
        using var alice = new HttpRequestMessage(HttpMethod.Get, $"/generate?model={FixtureModels.Dcgan}&seed=9");
        alice.Headers.Add(ApiKeyMiddleware.HeaderName, AliceKey);
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(alice)).StatusCode);
    }

    [Fact]
    public void A_key_that_is_not_a_SHA_256_stops_the_start()
    {
        using var api = new GanApiFactory(FixtureModels.NewFolder(), new Dictionary<string, string?>
        {
            ["Gan:Auth:Keys:0:Name"] = "alice",
            ["Gan:Auth:Keys:0:Sha256"] = AliceKey, // the key itself instead of its hash
        });
        var e = Assert.ThrowsAny<Exception>(() => api.CreateClient());
        Assert.Contains("Gan:Auth", e.ToString());
    }

    /// <summary>Every log event rendered as JSON-ish text (message and properties).</summary>
    public sealed class LogCapture : ILogEventSink
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public void Emit(LogEvent logEvent)
        {
            var properties = string.Join(",", logEvent.Properties.Select(p => $"\"{p.Key}\":{p.Value}"));
            _lines.Enqueue($"{logEvent.RenderMessage()} {{{properties}}} {logEvent.Exception}");
        }

        public string Text() => string.Join("\n", _lines);

        public async Task<string> WaitForAsync(Func<string, bool> done)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!done(Text()))
            {
                Assert.True(DateTime.UtcNow < deadline, "the log never showed the requests: " + Text()[..Math.Min(Text().Length, 2000)]);
                await Task.Delay(20);
            }
            return Text();
        }
    }

    /// <summary>The API with a log sink added (GanLogging reads sinks from the services).</summary>
    public sealed class CapturingApi(string modelsPath, LogCapture log, IReadOnlyDictionary<string, string?> settings) : GanApiFactory(modelsPath, settings)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<ILogEventSink>(log));
        }
    }
}
