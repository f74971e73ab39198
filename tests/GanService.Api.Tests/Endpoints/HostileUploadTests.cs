using System.Diagnostics;
using System.Net;
using System.Text;
using GanService.Api.Tests.Fixtures;
using GanService.Fuzzing;

namespace GanService.Api.Tests.Endpoints;

/// <summary>The adversarial probe's findings (issue 10, "Why" 1, 2, 3 and 5), each kept as a request that once hung,
/// exploded or answered 500.</summary>
[Collection(SharedApiCollection.Name)]
public sealed class HostileUploadTests(SharedApi api)
{
    private readonly HttpClient _client = api.Client;

    /// <summary>The probe's 8×8 interlaced PNG with image data 10 bytes short: ImageSharp 2.1 spun on it for minutes,
    /// holding its inference slot; two of them stopped all inference.</summary>
    private static byte[] ShortInterlacedPng() => new PngBuilder { Width = 8, Height = 8, Interlaced = true, RawDelta = -10 }.Build();

    [Fact]
    public async Task Interlaced_png_with_short_image_data_is_422_at_once_and_frees_its_slot()
    {
        var png = ShortInterlacedPng();
        Assert.True(png.Length < 200, $"{png.Length} bytes");
        using var http = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 3; i++) // more than the slots there are: none may be kept
            await TestHttp.AssertProblem(await _client.PostAsync("/translate/sketch", TestHttp.Raw(png, "image/png"), http.Token), HttpStatusCode.UnprocessableEntity, "short");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        await TestHttp.AssertImage(await _client.PostAsync("/translate/sketch", TestHttp.Raw(FixtureModels.Png(8, 8), "image/png"), http.Token));
    }

    [Theory]
    [InlineData("zTXt", new byte[] { (byte)'C', 0, 0 })]
    [InlineData("iTXt", new byte[] { (byte)'C', 0, 1, 0, 0, 0 })]
    [InlineData("iCCP", new byte[] { (byte)'P', 0, 0 })]
    public async Task Compressed_ancillary_chunk_bomb_is_never_inflated(string chunk, byte[] prefix)
    {
        // 256 MiB of zeros behind a ~250 kB chunk: inflating it (as Identify did) allocates ≥ 256 MB and takes seconds.
        byte[] payload = [.. prefix, .. PngBuilder.ZlibOfZeros(HostileImages.BombBytes)];
        var png = new PngBuilder { Width = 16, Height = 16, BeforeImageData = [(chunk, payload)] }.Build();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        using var image = await TestHttp.AssertImage(await _client.PostAsync("/translate/sketch", TestHttp.Raw(png, "image/png")));
        long grew = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        Assert.True(grew < 128L << 20, $"the request allocated {grew / (1 << 20)} MiB");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Idat_bomb_is_refused_after_the_bytes_the_header_implies()
    {
        var png = new PngBuilder { Width = 8, Height = 8, ImageData = PngBuilder.ZlibOfZeros(HostileImages.BombBytes) }.Build();
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/sketch", TestHttp.Raw(png, "image/png")), HttpStatusCode.UnprocessableEntity, "more than the 200 bytes");
    }

    [Fact]
    public async Task Multipart_body_that_never_closes_its_boundary_is_400()
    {
        var content = new ByteArrayContent(Encoding.ASCII.GetBytes("--xyz\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nabc"));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=xyz");
        await TestHttp.AssertProblem(await _client.PostAsync("/translate/sketch", content), HttpStatusCode.BadRequest, "multipart");
    }

    [Fact]
    public async Task Too_many_form_fields_is_400_that_says_so()
    {
        var form = TestHttp.Multipart(FixtureModels.Png(8, 8));
        for (int i = 0; i < 40; i++) form.Add(new StringContent("x"), $"field{i}");
        var json = await TestHttp.AssertProblem(await _client.PostAsync("/translate/sketch", form), HttpStatusCode.BadRequest, "fields");
        Assert.DoesNotContain("bytes", json.GetProperty("detail").GetString());
    }
}
