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

public sealed class MultipartLimitTests(SmallLimitsApi api) : IClassFixture<SmallLimitsApi>
{
    /// <summary>A PNG of exactly <paramref name="size"/> bytes (padding in a tEXt chunk).</summary>
    private static byte[] PngOfSize(int size)
    {
        var png = FixtureModels.Png(16, 16);
        int text = size - png.Length - 12;
        byte[] payload = [.. "pad"u8, 0, .. Enumerable.Repeat((byte)'x', text - 4)];
        using var chunk = new MemoryStream();
        GanService.Contracts.Intake.PngChunks.Write(chunk, "tEXt", payload);
        byte[] result = [.. png[..33], .. chunk.ToArray(), .. png[33..]];
        Assert.Equal(size, result.Length);
        return result;
    }

    [Fact]
    public async Task Image_at_the_limit_is_accepted_raw_and_as_multipart_alike()
    {
        var png = PngOfSize(20_000);
        await TestHttp.AssertImage(await api.Client.PostAsync("/translate/sketch", TestHttp.Raw(png, "image/png")));
        await TestHttp.AssertImage(await api.Client.PostAsync("/translate/sketch", TestHttp.Multipart(png)));
    }

    [Fact]
    public async Task Image_one_byte_over_the_limit_is_413_raw_and_as_multipart_alike()
    {
        var png = PngOfSize(20_001);
        await TestHttp.AssertProblem(await api.Client.PostAsync("/translate/sketch", TestHttp.Raw(png, "image/png")), HttpStatusCode.RequestEntityTooLarge, "20,000 bytes");
        await TestHttp.AssertProblem(await api.Client.PostAsync("/translate/sketch", TestHttp.Multipart(png)), HttpStatusCode.RequestEntityTooLarge, "20,000 bytes");
    }
}
