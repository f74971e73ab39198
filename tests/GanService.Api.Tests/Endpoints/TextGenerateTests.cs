using System.Net;
using GanService.Api.Tests.Fixtures;

namespace GanService.Api.Tests.Endpoints;

/// <summary>GET /generate with text= on a text-to-image model (the text2img fixture: tokens + token_lengths + z).</summary>
public sealed class TextGenerateTests : IDisposable
{
    private readonly GanApiFactory _factory = new(FixtureModels.CreateFolder(FixtureModels.Text, FixtureModels.Dcgan));
    private readonly HttpClient _client;

    public TextGenerateTests() => _client = _factory.CreateClient();

    public void Dispose()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    private async Task<byte[]> Bytes(string url)
    {
        var response = await _client.GetAsync(url);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(bytes)}");
        return bytes;
    }

    [Fact]
    public async Task Text_and_seed_give_the_same_bytes_every_time_and_the_text_changes_the_image()
    {
        var a = await Bytes("/generate?model=text2img&text=a+smiling+cat&seed=42");
        Assert.Equal(a, await Bytes("/generate?model=text2img&text=a+smiling+cat&seed=42"));
        Assert.NotEqual(a, await Bytes("/generate?model=text2img&text=a+smiling+dog&seed=42"));
        Assert.NotEqual(a, await Bytes("/generate?model=text2img&text=a+smiling+cat&seed=43"));
    }

    [Fact]
    public async Task Unknown_words_are_ignored_so_equal_known_words_share_image_and_etag()
    {
        var first = await _client.GetAsync("/generate?model=text2img&text=A+SMILING+cat!&seed=3");
        var second = await _client.GetAsync("/generate?model=text2img&text=smiling%2C+purring+cat&seed=3");
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(), await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        var other = await _client.GetAsync("/generate?model=text2img&text=smiling+dog&seed=3");
        Assert.NotEqual(first.Headers.ETag, other.Headers.ETag);
    }

    [Fact]
    public async Task Count_returns_a_grid_of_seeds_for_one_text()
    {
        using var grid = await TestHttp.AssertImage(await _client.GetAsync("/generate?model=text2img&text=red+cat&seed=10&count=4"));
        Assert.Equal((2 * 8 + 3 * 2, 2 * 8 + 3 * 2), (grid.Width, grid.Height));
        using var seed11 = await TestHttp.AssertImage(await _client.GetAsync("/generate?model=text2img&text=red+cat&seed=11"));
        Assert.Equal(TestHttp.Pixels(seed11), TestHttp.Pixels(grid, 2 + 8 + 2, 2, 8, 8));
    }

    [Theory]
    [InlineData("", "text is required")]
    [InlineData("&text=", "text is required")]
    [InlineData("&text=+,+", "text is required")]
    [InlineData("&text=a+purring+parrot", "no word this model knows")]
    [InlineData("&text=red+red+cat+cat", "at most 3")]
    public async Task Missing_unknown_or_too_many_words_are_a_400_that_says_why(string query, string mentions) =>
        await TestHttp.AssertProblem(await _client.GetAsync($"/generate?model=text2img&seed=1{query}"), HttpStatusCode.BadRequest, mentions);

    [Fact]
    public async Task Over_long_text_is_a_400() =>
        await TestHttp.AssertProblem(await _client.GetAsync("/generate?model=text2img&text=" + string.Concat(Enumerable.Repeat("cat+", 200))),
            HttpStatusCode.BadRequest, "at most 512");

    [Fact]
    public async Task A_model_without_text_input_refuses_text() =>
        await TestHttp.AssertProblem(await _client.GetAsync("/generate?model=dcgan&text=cat"), HttpStatusCode.BadRequest, "takes no text");

    [Fact]
    public async Task Models_list_says_which_model_takes_text_and_the_manifest_carries_the_vocabulary()
    {
        var list = await _client.GetStringAsync("/models");
        using var doc = System.Text.Json.JsonDocument.Parse(list);
        var models = doc.RootElement.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.True(models["text2img"].GetProperty("status").GetString() == "ready", list);
        Assert.True(models["text2img"].GetProperty("capabilities").GetProperty("text").GetBoolean());
        Assert.False(models["dcgan"].GetProperty("capabilities").GetProperty("text").GetBoolean());
        var detail = await _client.GetStringAsync("/models/text2img");
        Assert.Contains("\"smiling\"", detail);
    }

    [Fact]
    public async Task Interpolate_takes_the_text_too() =>
        await TestHttp.AssertImage(await _client.GetAsync("/interpolate?model=text2img&text=smiling+cat&from=1&to=2&steps=3"));
}
