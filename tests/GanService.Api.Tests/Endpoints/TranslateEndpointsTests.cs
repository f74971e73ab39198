using System.Net;
using System.Text;
using GanService.Api.Tests.Fixtures;
using GanService.Contracts;

namespace GanService.Api.Tests.Endpoints;

[Collection(SharedApiCollection.Name)]
public sealed class TranslateEndpointsTests(SharedApi api)
{
    private readonly HttpClient _client = api.Client;

    [Fact]
    public async Task Translate_multipart_upload_returns_png_of_model_size()
    {
        var response = await _client.PostAsync("/translate/sketch", TestHttp.Multipart(FixtureModels.Png(40, 30)));
        using var image = await TestHttp.AssertImage(response);
        Assert.Equal((16, 16), (image.Width, image.Height));
    }

    [Theory]
    [InlineData("image/png")]
    [InlineData("image/jpeg")]
    public async Task Translate_accepts_raw_image_body(string mediaType)
    {
        // The declared type is only a gate: the codec identifies the real format from the bytes.
        var response = await _client.PostAsync("/translate/sketch", TestHttp.Raw(FixtureModels.Png(20, 20), mediaType));
        using var image = await TestHttp.AssertImage(response);
        Assert.Equal(16, image.Width);
    }

    [Theory]
    [InlineData("format=jpeg", null, "image/jpeg")]
    [InlineData("format=webp", null, "image/webp")]
    [InlineData("", "image/webp", "image/webp")]
    [InlineData("", "image/jpeg;q=0.9, image/png;q=0.5", "image/jpeg")]
    [InlineData("format=png", "image/jpeg", "image/png")]
    public async Task Translate_output_format_follows_format_query_then_accept(string query, string? accept, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/translate/sketch?{query}") { Content = TestHttp.Multipart(FixtureModels.Png(16, 16)) };
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        var response = await _client.SendAsync(request);
        using var image = await TestHttp.AssertImage(response, expected);
    }

    [Theory]
    [InlineData("fit")]
    [InlineData("crop")]
    [InlineData("stretch")]
    public async Task Translate_every_size_policy_gives_model_size(string size)
    {
        var response = await _client.PostAsync($"/translate/sketch?size={size}", TestHttp.Multipart(FixtureModels.Png(64, 16)));
        using var image = await TestHttp.AssertImage(response);
        Assert.Equal((16, 16), (image.Width, image.Height));
    }

    [Fact]
    public async Task Translate_size_policies_differ_for_non_square_input()
    {
        var fit = await _client.PostAsync("/translate/sketch?size=fit", TestHttp.Multipart(FixtureModels.Png(64, 16)));
        var crop = await _client.PostAsync("/translate/sketch?size=crop", TestHttp.Multipart(FixtureModels.Png(64, 16)));
        Assert.NotEqual(await fit.Content.ReadAsByteArrayAsync(), await crop.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Translate_rejects_unknown_size_policy_with_400() =>
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/sketch?size=zoom", TestHttp.Multipart(FixtureModels.Png(8, 8))), HttpStatusCode.BadRequest, "fit, crop or stretch");

    [Fact]
    public async Task Translate_rejects_unknown_format_with_400() =>
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/sketch?format=gif", TestHttp.Multipart(FixtureModels.Png(8, 8))), HttpStatusCode.BadRequest, "png, jpeg or webp");

    [Fact]
    public async Task Translate_stargan_target_by_name_or_index_selects_the_domain()
    {
        var png = FixtureModels.Png(16, 16);
        var summer = await (await _client.PostAsync("/translate/stargan?target=summer", TestHttp.Multipart(png))).Content.ReadAsByteArrayAsync();
        var zero = await (await _client.PostAsync("/translate/stargan?target=0", TestHttp.Multipart(png))).Content.ReadAsByteArrayAsync();
        var winter = await _client.PostAsync("/translate/stargan?target=winter", TestHttp.Multipart(png));
        using var image = await TestHttp.AssertImage(winter);
        Assert.Equal(summer, zero);
        Assert.NotEqual(summer, await winter.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Translate_stargan_without_target_is_400_listing_domains() =>
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/stargan", TestHttp.Multipart(FixtureModels.Png(8, 8))), HttpStatusCode.BadRequest, "summer, winter");

    [Fact]
    public async Task Translate_rejects_target_not_in_manifest_with_400() =>
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/stargan?target=autumn", TestHttp.Multipart(FixtureModels.Png(8, 8))), HttpStatusCode.BadRequest, "0=summer");

    [Fact]
    public async Task Translate_rejects_target_for_model_without_domains_with_400() =>
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/sketch?target=summer", TestHttp.Multipart(FixtureModels.Png(8, 8))), HttpStatusCode.BadRequest, "no target");

    [Fact]
    public async Task Translate_rejects_generate_model_with_400() =>
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/dcgan", TestHttp.Multipart(FixtureModels.Png(8, 8))), HttpStatusCode.BadRequest, "'generate' model");

    [Fact]
    public async Task Translate_unknown_model_is_404_listing_available_models()
    {
        var json = await TestHttp.AssertProblem(await _client.PostAsync("/translate/nope", TestHttp.Multipart(FixtureModels.Png(8, 8))), HttpStatusCode.NotFound, "sketch");
        Assert.Contains("stargan", json.GetProperty("available").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Translate_rejects_text_body_with_415() =>
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/sketch", new StringContent("hello", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType, "multipart/form-data");

    [Fact]
    public async Task Translate_rejects_gif_bytes_with_415()
    {
        var gif = "GIF89a"u8.ToArray().Concat(new byte[] { 1, 0, 1, 0, 0, 0, 0, 0x3B }).ToArray();
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/sketch", TestHttp.Multipart(gif, mediaType: "image/gif")), HttpStatusCode.UnsupportedMediaType, "PNG, JPEG or WebP");
    }

    [Fact]
    public async Task Translate_rejects_truncated_png_with_422()
    {
        var png = FixtureModels.Png(64, 64);
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/sketch", TestHttp.Raw(png[..(png.Length / 2)], "image/png")), HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Translate_rejects_multipart_without_image_field_with_400() =>
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/sketch", TestHttp.Multipart(FixtureModels.Png(8, 8), field: "file")), HttpStatusCode.BadRequest, "'image'");

    [Theory]
    [InlineData(OutputFormat.Jpeg, "image/jpeg")]
    [InlineData(OutputFormat.Webp, "image/webp")]
    public async Task Translate_decodes_jpeg_and_webp_uploads(OutputFormat format, string mediaType)
    {
        using var source = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(FixtureModels.Png(24, 24));
        var response = await _client.PostAsync("/translate/sketch", TestHttp.Multipart(ImageCodec.Encode(source, format), mediaType: mediaType));
        using var image = await TestHttp.AssertImage(response);
        Assert.Equal(16, image.Width);
    }

    [Fact]
    public async Task Translate_rejects_animated_png_with_413() =>
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/sketch", TestHttp.Raw(Apng(FixtureModels.Png(8, 8)), "image/png")), HttpStatusCode.RequestEntityTooLarge, "animated");

    /// <summary>Marks a PNG as animated by inserting an acTL chunk right after IHDR (8-byte signature + 25-byte IHDR).</summary>
    private static byte[] Apng(byte[] png)
    {
        using var chunk = new MemoryStream();
        GanService.Contracts.Intake.PngChunks.Write(chunk, "acTL", [0, 0, 0, 2, 0, 0, 0, 0]);
        return [.. png[..33], .. chunk.ToArray(), .. png[33..]];
    }

    [Fact]
    public async Task Translate_rejects_empty_body_with_400() =>
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/sketch", TestHttp.Raw([], "image/png")), HttpStatusCode.BadRequest, "empty");
}
