using System.Net;
using GanService.Api.Tests.Fixtures;

namespace GanService.Api.Tests.Endpoints;

/// <summary>Model names are looked up in the loaded set, never turned into paths. A real model placed next to the
/// models folder proves traversal does not reach it.</summary>
public sealed class HostileNameTests : IDisposable
{
    private readonly string _parent;
    private readonly GanApiFactory _factory;
    private readonly HttpClient _client;

    public HostileNameTests()
    {
        _parent = FixtureModels.CreateFolder(FixtureModels.Dcgan); // <parent>/dcgan is a valid model outside the served folder
        var served = Path.Combine(_parent, "served");
        FixtureModels.Write(served, FixtureModels.Translate);
        _factory = new GanApiFactory(served);
        _client = _factory.CreateClient();
    }

    public static TheoryData<string> Names => new()
    {
        "..%2Fdcgan", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2fdcgan", "..%5Cdcgan", "sketch%0A", "SKETCH", "%E3%83%A2%E3%83%87%E3%83%AB", "sketch%2F..%2F..%2Fdcgan",
        new string('a', 5000), "model.json", "%20sketch",
    };

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Hostile_model_names_are_404_and_never_reach_files(string name)
    {
        foreach (var (method, url) in new[]
        {
            (HttpMethod.Get, $"/models/{name}"), (HttpMethod.Get, $"/models/{name}/sample.png"), (HttpMethod.Get, $"/generate?model={name}"),
            (HttpMethod.Get, $"/v2/models/{name}"), (HttpMethod.Post, $"/translate/{name}"), (HttpMethod.Get, $"/interpolate?model={name}"),
        })
        {
            using var request = new HttpRequestMessage(method, url);
            if (method == HttpMethod.Post) request.Content = TestHttp.Multipart(FixtureModels.Png(8, 8));
            var response = await _client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("dcgan\",\"task\"", body);
            Assert.NotEqual("image/png", response.Content.Headers.ContentType?.MediaType);
            Assert.True(body.Length < 2000, $"{url}: echoed a long body");
        }
    }

    [Fact]
    public async Task The_model_outside_the_folder_is_not_listed() =>
        Assert.DoesNotContain("dcgan", await _client.GetStringAsync("/models"));

    public void Dispose()
    {
        _client.Dispose();
        _factory.Dispose();
    }
}
