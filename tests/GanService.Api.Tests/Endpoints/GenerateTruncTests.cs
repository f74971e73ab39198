using System.Net;
using GanService.Api.Tests.Fixtures;

namespace GanService.Api.Tests.Endpoints;

/// <summary>GET /generate's trunc (the truncation trick on z) on the conditional z → image fixture.</summary>
[Collection(SharedApiCollection.Name)]
public sealed class GenerateTruncTests(SharedApi api)
{
    private readonly HttpClient _client = api.Client;

    private async Task<byte[]> Pixels(string url)
    {
        using var image = await TestHttp.AssertImage(await _client.GetAsync(url));
        return TestHttp.Pixels(image);
    }

    [Fact]
    public async Task Generate_trunc_resamples_z_deterministically_with_its_own_etag()
    {
        var truncated = await _client.GetAsync("/generate?model=cgan&seed=6&label=1&trunc=0.3");
        var bytes = await truncated.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, truncated.StatusCode);
        Assert.Equal(bytes, await (await _client.GetAsync("/generate?model=cgan&seed=6&label=1&trunc=0.3")).Content.ReadAsByteArrayAsync());
        var plain = await _client.GetAsync("/generate?model=cgan&seed=6&label=1");
        Assert.NotEqual(bytes, await plain.Content.ReadAsByteArrayAsync());
        Assert.NotEqual(plain.Headers.ETag, truncated.Headers.ETag);
        // A threshold above every value of this seed's 8-dim z leaves it unchanged.
        Assert.All(GanService.Contracts.SeedLatent.Normal(6, FixtureModels.Z), v => Assert.True(Math.Abs(v) <= 4));
        Assert.Equal(await Pixels("/generate?model=cgan&seed=6&label=1"), await Pixels("/generate?model=cgan&seed=6&label=1&trunc=4"));
    }

    [Theory]
    [InlineData("cgan", "trunc=0", "trunc")]
    [InlineData("cgan", "trunc=0.01", "trunc")]
    [InlineData("cgan", "trunc=4.5", "trunc")]
    [InlineData("cgan", "trunc=abc", "trunc")]
    [InlineData("stylegan", "trunc=0.5", "use psi")]
    public async Task Generate_rejects_bad_or_inapplicable_trunc_with_400(string model, string query, string mentions) =>
        await TestHttp.AssertProblem(await _client.GetAsync($"/generate?model={model}&{query}"), HttpStatusCode.BadRequest, mentions);

    [Fact]
    public async Task Swagger_documents_trunc_on_generate()
    {
        var doc = await _client.GetStringAsync("/swagger/v1/swagger.json");
        Assert.Contains("\"trunc\"", doc);
        Assert.Contains("resampled", doc);
    }
}
