using System.Net;
using GanService.Api.Tests.Fixtures;

namespace GanService.Api.Tests.Endpoints;

[Collection(SharedApiCollection.Name)]
public sealed class GenerateEndpointsTests(SharedApi api)
{
    private readonly HttpClient _client = api.Client;

    private async Task<byte[]> Bytes(string url)
    {
        var response = await _client.GetAsync(url);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(bytes)}");
        return bytes;
    }

    [Fact]
    public async Task Generate_returns_png_of_model_size()
    {
        using var image = await TestHttp.AssertImage(await _client.GetAsync("/generate?model=dcgan&seed=42"));
        Assert.Equal((8, 8), (image.Width, image.Height));
    }

    [Fact]
    public async Task Generate_same_query_gives_same_bytes_with_strong_etag_and_cache_control()
    {
        var first = await _client.GetAsync("/generate?model=dcgan&seed=7");
        var second = await _client.GetAsync("/generate?model=dcgan&seed=7");
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(), await second.Content.ReadAsByteArrayAsync());
        Assert.NotNull(first.Headers.ETag);
        Assert.False(first.Headers.ETag!.IsWeak);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.Contains("max-age", first.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task Generate_if_none_match_returns_304_without_body()
    {
        var first = await _client.GetAsync("/generate?model=dcgan&seed=8");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/generate?model=dcgan&seed=8");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        var second = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
    }

    [Fact]
    public async Task Generate_different_seeds_give_different_images() =>
        Assert.NotEqual(await Bytes("/generate?model=dcgan&seed=1"), await Bytes("/generate?model=dcgan&seed=2"));

    [Fact]
    public async Task Generate_count_returns_grid_whose_tiles_equal_single_seed_images()
    {
        using var grid = await TestHttp.AssertImage(await _client.GetAsync("/generate?model=dcgan&seed=10&count=4"));
        Assert.Equal((2 * 8 + 3 * 2, 2 * 8 + 3 * 2), (grid.Width, grid.Height)); // 2×2 tiles, 2 px padding
        using var seed11 = await TestHttp.AssertImage(await _client.GetAsync("/generate?model=dcgan&seed=11"));
        Assert.Equal(TestHttp.Pixels(seed11), TestHttp.Pixels(grid, 2 + 8 + 2, 2, 8, 8));
    }

    [Theory]
    [InlineData("seed=-1", "seed")]
    [InlineData("seed=4294967296", "seed")]
    [InlineData("seed=abc", "seed")]
    [InlineData("seed=4294967295&count=2", "run past")]
    [InlineData("count=0", "count")]
    [InlineData("count=65", "count")]
    [InlineData("format=bmp", "format")]
    public async Task Generate_rejects_bad_query_values_with_400(string query, string mentions) =>
        await TestHttp.AssertProblem(await _client.GetAsync($"/generate?model=dcgan&{query}"), HttpStatusCode.BadRequest, mentions);

    [Fact]
    public async Task Generate_accepts_largest_seed() =>
        await Bytes("/generate?model=dcgan&seed=4294967295");

    [Theory]
    [InlineData("2.5")]
    [InlineData("-1.5")]
    [InlineData("NaN")]
    [InlineData("x")]
    public async Task Generate_rejects_psi_outside_range_with_400(string psi) =>
        await TestHttp.AssertProblem(await _client.GetAsync($"/generate?model=stylegan&psi={psi}"), HttpStatusCode.BadRequest, "psi");

    [Fact]
    public async Task Generate_rejects_psi_for_model_without_truncation_with_400() =>
        await TestHttp.AssertProblem(await _client.GetAsync("/generate?model=dcgan&psi=0.5"), HttpStatusCode.BadRequest, "truncation");

    [Fact]
    public async Task Generate_label_by_name_equals_label_by_index_and_labels_differ()
    {
        var dog = await Bytes("/generate?model=cgan&seed=3&label=dog");
        Assert.Equal(dog, await Bytes("/generate?model=cgan&seed=3&label=1"));
        Assert.Equal(dog, await Bytes("/generate?model=cgan&seed=3&class=dog"));
        Assert.NotEqual(dog, await Bytes("/generate?model=cgan&seed=3&label=cat"));
    }

    [Theory]
    [InlineData("cgan", "label=horse", "0=cat")]
    [InlineData("cgan", "label=3", "0=cat")]
    [InlineData("dcgan", "label=cat", "not conditional")]
    public async Task Generate_rejects_label_not_in_manifest_with_400(string model, string query, string mentions) =>
        await TestHttp.AssertProblem(await _client.GetAsync($"/generate?model={model}&{query}"), HttpStatusCode.BadRequest, mentions);

    [Fact]
    public async Task Generate_rejects_translate_model_with_400() =>
        await TestHttp.AssertProblem(await _client.GetAsync("/generate?model=sketch"), HttpStatusCode.BadRequest, "'translate' model");

    [Fact]
    public async Task Generate_unknown_model_is_404_listing_available() =>
        await TestHttp.AssertProblem(await _client.GetAsync("/generate?model=nope"), HttpStatusCode.NotFound, "dcgan");

    [Fact]
    public async Task Generate_without_model_is_400_listing_available() =>
        await TestHttp.AssertProblem(await _client.GetAsync("/generate?seed=1"), HttpStatusCode.BadRequest, "dcgan");

    [Fact]
    public async Task Generate_stylegan_psi_zero_collapses_every_seed_to_the_average()
    {
        using var grid = await TestHttp.AssertImage(await _client.GetAsync("/generate?model=stylegan&seed=1&count=2&psi=0"));
        Assert.Equal(TestHttp.Pixels(grid, 2, 2, 8, 8), TestHttp.Pixels(grid, 12, 2, 8, 8));
        Assert.NotEqual(await Bytes("/generate?model=stylegan&seed=1&psi=0"), await Bytes("/generate?model=stylegan&seed=1&psi=1"));
    }

    [Fact]
    public async Task Generate_stylegan_default_psi_comes_from_manifest() =>
        Assert.Equal(await Bytes("/generate?model=stylegan&seed=5"), await Bytes("/generate?model=stylegan&seed=5&psi=0.7"));

    [Fact]
    public async Task Generate_stylegan_mix_cutoff_zero_takes_every_layer_from_mix_seed()
    {
        Assert.Equal(await Bytes("/generate?model=stylegan&seed=9"), await Bytes("/generate?model=stylegan&seed=1&mix_seed=9&mix_cutoff=0"));
        Assert.NotEqual(await Bytes("/generate?model=stylegan&seed=1"), await Bytes("/generate?model=stylegan&seed=1&mix_seed=9&mix_cutoff=2"));
    }

    [Theory]
    [InlineData("stylegan", "mix_seed=1&mix_cutoff=5", "mix_cutoff")]
    [InlineData("stylegan", "mix_cutoff=1", "needs mix_seed")]
    [InlineData("dcgan", "mix_seed=1", "not style-based")]
    [InlineData("stylegan", "noise=loud", "const, random or none")]
    [InlineData("dcgan", "noise=random", "no noise inputs")]
    public async Task Generate_rejects_style_options_that_do_not_apply_with_400(string model, string query, string mentions) =>
        await TestHttp.AssertProblem(await _client.GetAsync($"/generate?model={model}&{query}"), HttpStatusCode.BadRequest, mentions);

    [Fact]
    public async Task Generate_stylegan_random_noise_is_seeded_and_differs_from_const()
    {
        var random = await Bytes("/generate?model=stylegan&seed=4&noise=random");
        Assert.Equal(random, await Bytes("/generate?model=stylegan&seed=4&noise=random"));
        Assert.NotEqual(random, await Bytes("/generate?model=stylegan&seed=4&noise=const"));
    }

    [Theory]
    [InlineData("dcgan")]
    [InlineData("stylegan")]
    public async Task Interpolate_returns_strip_whose_ends_are_the_seed_images(string model)
    {
        using var strip = await TestHttp.AssertImage(await _client.GetAsync($"/interpolate?model={model}&from=3&to=4&steps=5"));
        Assert.Equal((5 * 8 + 6 * 2, 8 + 2 * 2), (strip.Width, strip.Height));
        using var from = await TestHttp.AssertImage(await _client.GetAsync($"/generate?model={model}&seed=3"));
        using var to = await TestHttp.AssertImage(await _client.GetAsync($"/generate?model={model}&seed=4"));
        Assert.Equal(TestHttp.Pixels(from), TestHttp.Pixels(strip, 2, 2, 8, 8));
        Assert.Equal(TestHttp.Pixels(to), TestHttp.Pixels(strip, 2 + 4 * 10, 2, 8, 8));
    }

    [Fact]
    public async Task Interpolate_has_etag() =>
        Assert.NotNull((await _client.GetAsync("/interpolate?model=dcgan&from=1&to=2")).Headers.ETag);

    [Theory]
    [InlineData("steps=1", "steps")]
    [InlineData("steps=65", "steps")]
    [InlineData("from=-3", "from")]
    public async Task Interpolate_rejects_bad_query_values_with_400(string query, string mentions) =>
        await TestHttp.AssertProblem(await _client.GetAsync($"/interpolate?model=dcgan&{query}"), HttpStatusCode.BadRequest, mentions);

    [Fact]
    public async Task Interpolate_rejects_translate_model_with_400() =>
        await TestHttp.AssertProblem(await _client.GetAsync("/interpolate?model=sketch"), HttpStatusCode.BadRequest, "generate");
}

/// <summary>The cache contract of /generate (issue 10, "Why" 5).</summary>
[Collection(SharedApiCollection.Name)]
public sealed class GenerateCachingTests(SharedApi api)
{
    private readonly HttpClient _client = api.Client;

    [Fact]
    public async Task Generate_varies_by_accept()
    {
        var response = await _client.GetAsync("/generate?model=dcgan&seed=30");
        Assert.Contains("Accept", response.Headers.Vary);
    }

    [Fact]
    public async Task Generate_matches_a_weak_etag_in_if_none_match()
    {
        var first = await _client.GetAsync("/generate?model=dcgan&seed=31");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/generate?model=dcgan&seed=31");
        request.Headers.TryAddWithoutValidation("If-None-Match", $"\"other\", W/{first.Headers.ETag!.Tag}");
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Generate_etags_differ_by_format_and_by_query()
    {
        var png = (await _client.GetAsync("/generate?model=dcgan&seed=32")).Headers.ETag;
        var jpeg = (await _client.GetAsync("/generate?model=dcgan&seed=32&format=jpeg")).Headers.ETag;
        var other = (await _client.GetAsync("/generate?model=dcgan&seed=33")).Headers.ETag;
        Assert.NotEqual(png, jpeg);
        Assert.NotEqual(png, other);
    }

    [Fact]
    public async Task Generate_304_runs_no_inference()
    {
        var first = await _client.GetAsync("/generate?model=stylegan&seed=34");
        const string runs = "gan_inference_duration_seconds_count{model=\"stylegan\",graph=\"mapping\"}";
        double before = await TestMetrics.Value(_client, runs);
        Assert.True(before >= 1);
        for (int i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/generate?model=stylegan&seed=34");
            request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
            Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(request)).StatusCode);
        }
        Assert.Equal(before, await TestMetrics.Value(_client, runs));
    }
}
