using System.Net;
using GanService.Api.Tests.Fixtures;

namespace GanService.Api.Tests.Endpoints;

/// <summary>An API with small limits: 20 kB bodies, 10 000-pixel images.</summary>
public sealed class SmallLimitsApi : IDisposable
{
    public SmallLimitsApi()
    {
        Factory = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Translate), new Dictionary<string, string?>
        {
            ["Gan:MaxRequestBytes"] = "20000",
            ["Gan:MaxImagePixels"] = "10000",
        });
        Client = Factory.CreateClient();
    }

    public GanApiFactory Factory { get; }
    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        Factory.Dispose();
    }
}

public sealed class LimitsTests(SmallLimitsApi api) : IClassFixture<SmallLimitsApi>
{
    [Fact]
    public async Task Translate_rejects_image_over_pixel_cap_with_413()
    {
        var png = FixtureModels.Png(101, 100); // 10 100 px, a few kB
        Assert.True(png.Length < 20000);
        await TestHttp.AssertProblem(await api.Client.PostAsync("/translate/sketch", TestHttp.Multipart(png)), HttpStatusCode.RequestEntityTooLarge, "exceeds the cap");
    }

    [Fact]
    public async Task Translate_rejects_raw_body_over_limit_with_413() =>
        await TestHttp.AssertProblem(await api.Client.PostAsync("/translate/sketch", TestHttp.Raw(new byte[30000], "image/png")), HttpStatusCode.RequestEntityTooLarge, "20,000 bytes");

    [Fact]
    public async Task Translate_rejects_multipart_file_over_limit_with_413() =>
        await TestHttp.AssertProblem(await api.Client.PostAsync("/translate/sketch", TestHttp.Multipart(new byte[30000])), HttpStatusCode.RequestEntityTooLarge);

    [Fact]
    public async Task Translate_under_the_limits_still_works()
    {
        using var image = await TestHttp.AssertImage(await api.Client.PostAsync("/translate/sketch", TestHttp.Multipart(FixtureModels.Png(100, 100))));
        Assert.Equal(16, image.Width);
    }
}
