using GanService.Api.Tests.Fixtures;
using Microsoft.Playwright;

namespace GanService.Api.Tests.Web;

/// <summary>
/// The page at / in headless Chromium (the system one at /usr/bin/chromium; CI installs it). Skips with a message
/// only when that binary is absent.
/// </summary>
public sealed class WebPageTests
{
    public const string Chromium = "/usr/bin/chromium";

    [ChromiumFact]
    public async Task Web_page_translates_an_uploaded_image_and_generates_with_a_seed()
    {
        using var api = new KestrelApi(FixtureModels.CreateFolder(FixtureModels.Translate, FixtureModels.Dcgan));
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await HeadlessChromium.OpenAsync(browser, api.BaseAddress);
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("2 model(s)");

        // Translate: upload a file, press Translate, a PNG appears.
        await page.SelectOptionAsync("#model", FixtureModels.Translate);
        var upload = Path.Combine(FixtureModels.NewFolder(), "upload.png");
        await File.WriteAllBytesAsync(upload, FixtureModels.Png(48, 32));
        await page.SetInputFilesAsync("#upload", upload);
        await page.ClickAsync("#translate");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("image/png");
        Assert.Equal(16, await page.EvalOnSelectorAsync<int>("#translate-result", "img => img.naturalWidth"));
        var screenshots = Environment.GetEnvironmentVariable("GAN_SCREENSHOT_DIR");
        if (!string.IsNullOrEmpty(screenshots)) await page.ScreenshotAsync(new() { Path = Path.Combine(screenshots, "web-translate.png"), FullPage = true });

        // Generate with a seed.
        await page.SelectOptionAsync("#model", FixtureModels.Dcgan);
        await page.FillAsync("#seed", "1234");
        await page.ClickAsync("#generate");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("image/png");
        Assert.Equal(8, await page.EvalOnSelectorAsync<int>("#generate-result", "img => img.naturalWidth"));

        if (!string.IsNullOrEmpty(screenshots)) await page.ScreenshotAsync(new() { Path = Path.Combine(screenshots, "web-generate.png"), FullPage = true });
    }
}

public sealed class WebPageStarGanTests
{
    [ChromiumFact]
    public async Task A_multi_domain_model_offers_its_targets_and_the_chosen_one_is_sent()
    {
        using var api = new KestrelApi(FixtureModels.CreateFolder(FixtureModels.StarGan, FixtureModels.Dcgan));
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await HeadlessChromium.OpenAsync(browser, api.BaseAddress);
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("2 model(s)");

        // A generation model has no target control; the StarGAN model shows one with its domains.
        await page.SelectOptionAsync("#model", FixtureModels.Dcgan);
        Assert.True(await page.Locator("#target-label").IsHiddenAsync());
        await page.SelectOptionAsync("#model", FixtureModels.StarGan);
        await Assertions.Expect(page.Locator("#target-label")).ToBeVisibleAsync();
        Assert.Equal(["summer", "winter"], await page.Locator("#target option").AllTextContentsAsync());

        await page.SelectOptionAsync("#target", "winter");
        var upload = Path.Combine(FixtureModels.NewFolder(), "upload.png");
        await File.WriteAllBytesAsync(upload, FixtureModels.Png(16, 16));
        await page.SetInputFilesAsync("#upload", upload);
        var request = page.WaitForRequestAsync(r => r.Url.Contains("/translate/", StringComparison.Ordinal));
        await page.ClickAsync("#translate");
        Assert.Contains("target=1", (await request).Url); // the page sends the domain's index; the API takes a name or an index
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("image/png");
        Assert.Equal(16, await page.EvalOnSelectorAsync<int>("#translate-result", "img => img.naturalWidth"));
    }
}

/// <summary>The design card's sketch-to-photo, as a person does it: the shipped sketch2emoji model, a face drawn with the
/// page's pen on its canvas, and a coloured emoji back (the drawing is black on white; the output must not be).</summary>
public sealed class WebPageSketchTests
{
    private static string RepositoryModels()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GanService.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("GanService.sln above the test binaries"), "models");
    }

    [ChromiumFact]
    public async Task A_face_drawn_on_the_canvas_comes_back_as_a_coloured_emoji_from_sketch2emoji()
    {
        using var api = new KestrelApi(RepositoryModels());
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await HeadlessChromium.OpenAsync(browser, api.BaseAddress);
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("model(s)");
        await page.SelectOptionAsync("#model", "sketch2emoji");

        // A face with the page's pen: a circle, two eyes, a smile (canvas coordinates, 256²).
        var box = (await page.Locator("#sketch").BoundingBoxAsync())!;
        async Task Stroke(IEnumerable<(double X, double Y)> points)
        {
            var list = points.ToList();
            await page.Mouse.MoveAsync((float)(box.X + list[0].X), (float)(box.Y + list[0].Y));
            await page.Mouse.DownAsync();
            foreach (var (x, y) in list.Skip(1)) await page.Mouse.MoveAsync((float)(box.X + x), (float)(box.Y + y));
            await page.Mouse.UpAsync();
        }
        IEnumerable<(double, double)> Arc(double cx, double cy, double r, double from, double to) =>
            Enumerable.Range(0, 41).Select(i => from + (to - from) * i / 40.0).Select(a => (cx + r * Math.Cos(a), cy + r * Math.Sin(a)));
        await Stroke(Arc(128, 128, 90, 0, 2 * Math.PI));
        await Stroke(Arc(95, 105, 8, 0, 2 * Math.PI));
        await Stroke(Arc(161, 105, 8, 0, 2 * Math.PI));
        await Stroke(Arc(128, 135, 45, 0.2 * Math.PI, 0.8 * Math.PI));

        await page.ClickAsync("#translate");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("image/png");
        // Colour: the largest per-pixel channel spread (max − min of R, G, B) the output holds somewhere, measured in the page.
        var spread = await page.EvalOnSelectorAsync<int>("#translate-result", """
            img => {
              const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
              const g = c.getContext('2d'); g.drawImage(img, 0, 0);
              const d = g.getImageData(0, 0, c.width, c.height).data;
              let coloured = 0;
              for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i+1], d[i+2]) - Math.min(d[i], d[i+1], d[i+2]) > 60) coloured++;
              return coloured;
            }
            """);
        var drawnSpread = await page.EvalOnSelectorAsync<int>("#sketch", """
            c => {
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let coloured = 0;
              for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i+1], d[i+2]) - Math.min(d[i], d[i+1], d[i+2]) > 60) coloured++;
              return coloured;
            }
            """);
        Assert.Equal(0, drawnSpread);
        // At 64², a filled face is hundreds of pixels; a tenth of the disc inside the drawn circle must be in colour.
        Assert.True(spread > 200, $"{spread} coloured pixels in the output");
        var screenshots = Environment.GetEnvironmentVariable("GAN_SCREENSHOT_DIR");
        if (!string.IsNullOrEmpty(screenshots)) await page.ScreenshotAsync(new() { Path = Path.Combine(screenshots, "web-sketch2emoji.png"), FullPage = true });
    }
}

/// <summary>The system Chromium, headless, and the page at an address in a 1100×1000 viewport.</summary>
internal static class HeadlessChromium
{
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new()
    {
        ExecutablePath = WebPageTests.Chromium,
        Headless = true,
        Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });

    public static async Task<IPage> OpenAsync(IBrowser browser, Uri address)
    {
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1100, Height = 1000 } });
        await page.GotoAsync(address.ToString());
        return page;
    }
}

/// <summary>A fact that is skipped, saying why, only when the system Chromium is missing.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!File.Exists(WebPageTests.Chromium))
            Skip = $"{WebPageTests.Chromium} is not installed (apt-get install -y chromium); the browser test needs it";
    }
}
