using System.Net;
using GanService.Api.Tests.Fixtures;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace GanService.Api.Tests.Endpoints;

/// <summary>
/// Models exported for any size (image.sizeMultiple) are served at the image's own size: padding to the multiple is
/// cropped back, an upscaler returns its scale times the input, and above Gan:MaxNativePixels a model with a tile margin
/// runs tile by tile with the same pixels as a whole run.
/// </summary>
public sealed class NativeSizeEndpointsTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _models = FixtureModels.CreateFolder(FixtureModels.AnySize, FixtureModels.Upscale, FixtureModels.Translate);
    private readonly List<GanApiFactory> _factories = [];

    private HttpClient Client(long? maxNativePixels = null, long? maxOutputPixels = null)
    {
        var settings = new Dictionary<string, string?>();
        if (maxNativePixels is { } n) settings["Gan:MaxNativePixels"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (maxOutputPixels is { } o) settings["Gan:MaxOutputPixels"] = o.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var factory = new GanApiFactory(_models, settings.Count == 0 ? null : settings);
        _factories.Add(factory);
        return factory.CreateClient();
    }

    [Theory]
    [InlineData(37, 23)]
    [InlineData(64, 16)]
    public async Task Translate_returns_the_image_at_its_own_size(int width, int height)
    {
        var response = await Client().PostAsync("/translate/anysize", TestHttp.Multipart(FixtureModels.Png(width, height)));
        using var image = await TestHttp.AssertImage(response);
        Assert.Equal((width, height), (image.Width, image.Height));
    }

    [Fact]
    public async Task Size_fit_resizes_to_the_training_size_and_native_is_refused_by_a_fixed_size_model()
    {
        var client = Client();
        using (var fit = await TestHttp.AssertImage(await client.PostAsync("/translate/anysize?size=fit", TestHttp.Multipart(FixtureModels.Png(37, 23)))))
            Assert.Equal((16, 16), (fit.Width, fit.Height));
        await TestHttp.AssertProblem(await client.PostAsync("/translate/sketch?size=native", TestHttp.Multipart(FixtureModels.Png(37, 23))),
            HttpStatusCode.BadRequest, "takes 16×16 images only");
    }

    [Fact]
    public async Task Upscale_returns_twice_the_size_and_refuses_a_model_that_keeps_it()
    {
        var client = Client();
        using (var image = await TestHttp.AssertImage(await client.PostAsync("/upscale/upscale2", TestHttp.Multipart(FixtureModels.Png(50, 31)))))
            Assert.Equal((100, 62), (image.Width, image.Height));
        await TestHttp.AssertProblem(await client.PostAsync("/upscale/anysize", TestHttp.Multipart(FixtureModels.Png(20, 20))),
            HttpStatusCode.BadRequest, "use POST /translate/anysize");
    }

    [Fact]
    public async Task An_output_over_the_cap_is_refused_with_413_before_any_work_and_one_at_the_cap_is_made()
    {
        // ×2: a 64×50 upload makes 128×100 = 12,800 output pixels. The cap counts the output, not the upload.
        var client = Client(maxOutputPixels: 128 * 100);
        using (var image = await TestHttp.AssertImage(await client.PostAsync("/upscale/upscale2", TestHttp.Multipart(FixtureModels.Png(64, 50)))))
            Assert.Equal((128, 100), (image.Width, image.Height));
        await TestHttp.AssertProblem(await client.PostAsync("/upscale/upscale2", TestHttp.Multipart(FixtureModels.Png(64, 51))),
            HttpStatusCode.RequestEntityTooLarge, "64×51 would make a 128×102 output (13,056 pixels), over the cap of 12,800 output pixels");
        // A translator's output is its input: the same cap, at scale 1. At the model's own size (size=fit) the output is fixed.
        await TestHttp.AssertProblem(await client.PostAsync("/translate/anysize", TestHttp.Multipart(FixtureModels.Png(130, 100))),
            HttpStatusCode.RequestEntityTooLarge, "over the cap of 12,800 output pixels");
        using (var fit = await TestHttp.AssertImage(await client.PostAsync("/upscale/upscale2?size=fit", TestHttp.Multipart(FixtureModels.Png(200, 200)))))
            Assert.True(fit.Width * fit.Height <= 128 * 100);
    }

    [Theory]
    [InlineData("/translate/anysize", 300, 200)]
    [InlineData("/upscale/upscale2", 512, 384)]
    public async Task Tiles_above_the_native_size_limit_give_the_pixels_of_a_whole_run(string route, int width, int height)
    {
        var png = FixtureModels.Png(width, height);
        using var whole = await TestHttp.AssertImage(await Client().PostAsync(route, TestHttp.Multipart(png)));
        using var tiled = await TestHttp.AssertImage(await Client(maxNativePixels: 4096).PostAsync(route, TestHttp.Multipart(png)));
        Assert.Equal((whole.Width, whole.Height), (tiled.Width, tiled.Height));
        var a = TestHttp.Pixels(whole);
        var b = TestHttp.Pixels(tiled);
        int differ = 0, worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            int d = Math.Abs(a[i] - b[i]);
            if (d > 0) differ++;
            worst = Math.Max(worst, d);
        }
        log.WriteLine($"{route} {width}×{height} → {whole.Width}×{whole.Height}, tiles of ≤ 64² input pixels: {differ} of {a.Length} bytes differ, worst {worst}");
        // The same convolution per output pixel: only a float rounding at a byte boundary could move a value, by one.
        Assert.True(worst <= 1 && differ <= a.Length / 10_000, $"{differ} bytes differ, worst {worst}");
    }

    public void Dispose()
    {
        foreach (var f in _factories) f.Dispose();
        try { Directory.Delete(_models, recursive: true); } catch (IOException) { }
    }
}
