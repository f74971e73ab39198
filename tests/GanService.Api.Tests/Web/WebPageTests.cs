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

        // Translate: open the model's tile, upload a file; the translation runs and a PNG appears.
        await HeadlessChromium.OpenModelAsync(page, FixtureModels.Translate);
        var upload = Path.Combine(FixtureModels.NewFolder(), "upload.png");
        await File.WriteAllBytesAsync(upload, FixtureModels.Png(48, 32));
        var translated = await page.RunAndWaitForResponseAsync(() => page.SetInputFilesAsync("#upload", upload), r => r.Url.Contains("/translate/", StringComparison.Ordinal));
        Assert.Equal(200, translated.Status);
        await Assertions.Expect(page.Locator("#translate-result")).ToHaveAttributeAsync("alt", "sketch output for upload.png");
        Assert.Equal(16, await page.EvalOnSelectorAsync<int>("#translate-result", "img => img.naturalWidth"));
        // Shown enlarged (nearest neighbour) with its true size said.
        Assert.Equal(256, await page.EvalOnSelectorAsync<int>("#translate-result", "img => img.getBoundingClientRect().width"));
        await Assertions.Expect(page.Locator("#translate-caption")).ToHaveTextAsync("16×16 px, shown ×16 (nearest neighbour)");
        Assert.Equal("pixelated", await page.EvalOnSelectorAsync<string>("#translate-result", "img => getComputedStyle(img).imageRendering"));
        await Assertions.Expect(page.Locator("#input-help")).ToHaveTextAsync("upload.png: 48×32 px");

        // Generate with a seed: the panel opened on seed 42 already; seed 1234 replaces it.
        await page.SelectOptionAsync("#model", FixtureModels.Dcgan);
        await Assertions.Expect(page.Locator("#generate-result")).ToHaveAttributeAsync("alt", "dcgan output, seed 42");
        await page.FillAsync("#seed", "1234");
        var generated = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#generate"), r => r.Url.Contains("/generate?", StringComparison.Ordinal));
        Assert.Contains("seed=1234", generated.Url);
        await Assertions.Expect(page.Locator("#generate-result")).ToHaveAttributeAsync("alt", "dcgan output, seed 1234");
        Assert.Equal(8, await page.EvalOnSelectorAsync<int>("#generate-result", "img => img.naturalWidth"));
        // The session's results, newest first, with their parameters; the download offers the latest.
        Assert.Equal(["dcgan: seed 1234", "dcgan: seed 42", "sketch: upload.png · fit"], await page.Locator("#history li span").AllTextContentsAsync());
        Assert.Equal("dcgan-seed1234.png", await page.GetAttributeAsync("#download", "download"));
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
        await HeadlessChromium.OpenModelAsync(page, FixtureModels.Dcgan);
        Assert.True(await page.Locator("#target-label").IsHiddenAsync());
        await page.SelectOptionAsync("#model", FixtureModels.StarGan);
        await Assertions.Expect(page.Locator("#target-label")).ToBeVisibleAsync();
        Assert.Equal(["summer", "winter"], await page.Locator("#target option").AllTextContentsAsync());

        await page.SelectOptionAsync("#target", "winter");
        var upload = Path.Combine(FixtureModels.NewFolder(), "upload.png");
        await File.WriteAllBytesAsync(upload, FixtureModels.Png(16, 16));
        var request = page.WaitForRequestAsync(r => r.Url.Contains("/translate/", StringComparison.Ordinal));
        await page.SetInputFilesAsync("#upload", upload);
        Assert.Contains("target=1", (await request).Url); // the page sends the domain's index; the API takes a name or an index
        await Assertions.Expect(page.Locator("#translate-result")).ToHaveAttributeAsync("alt", "stargan output for upload.png, target winter");
        Assert.Equal(16, await page.EvalOnSelectorAsync<int>("#translate-result", "img => img.naturalWidth"));
        Assert.Contains("target=1", page.Url); // the address keeps the target
    }
}

/// <summary>The design card's sketch-to-photo, as a person does it: the shipped sketch2emoji model, a face drawn with the
/// page's pen on its canvas, and a coloured emoji back (the drawing is black on white; the output must not be).</summary>
[Collection(ZooCollection.Name)]
public sealed class WebPageSketchTests(ZooApi zoo)
{
    [ChromiumFact]
    public async Task A_face_drawn_on_the_canvas_comes_back_as_a_coloured_emoji_from_sketch2emoji()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await HeadlessChromium.OpenAsync(browser, zoo.Api.BaseAddress);
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("model(s)");
        await HeadlessChromium.OpenModelAsync(page, "sketch2emoji");
        // The panel opened on its first example; the drawing starts on a clean canvas.
        await Assertions.Expect(page.Locator("#translate-result")).ToHaveAttributeAsync("alt", new System.Text.RegularExpressions.Regex("^sketch2emoji output for .+\\.png$"));
        await page.ClickAsync("#clear");

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
        await Assertions.Expect(page.Locator("#translate-result")).ToHaveAttributeAsync("alt", "sketch2emoji output for drawing");
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
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("sketch2emoji-drawn-face.png"), FullPage = true });
    }
}

/// <summary>The system Chromium, headless, and the page at an address in a 1100×1000 viewport (or the one given).</summary>
internal static class HeadlessChromium
{
    /// <summary>Opens a model's panel from its gallery tile, as a person does (from a panel: back to the gallery first).</summary>
    public static async Task OpenModelAsync(IPage page, string model)
    {
        if (await page.Locator("#panel").IsVisibleAsync()) await page.ClickAsync("#back");
        await page.ClickAsync($"a.tile[data-model='{model}']");
        await Assertions.Expect(page.Locator("#panel-title")).ToHaveTextAsync(model);
    }

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new()
    {
        ExecutablePath = WebPageTests.Chromium,
        Headless = true,
        Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });

    public static async Task<IPage> OpenAsync(IBrowser browser, Uri address, int width = 1100, int height = 1000)
    {
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        await page.GotoAsync(address.ToString());
        return page;
    }
}

/// <summary>The shipped model zoo (models/ next to GanService.sln).</summary>
internal static class RepositoryZoo
{
    public static string ModelsPath
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GanService.sln"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("GanService.sln above the test binaries"), "models");
        }
    }
}

/// <summary>
/// Where the web tests save screenshots for a person to look at: <c>screenshots/</c> in the test output folder
/// (tests/GanService.Api.Tests/bin/&lt;configuration&gt;/net10.0/screenshots/), or <c>GAN_SCREENSHOT_DIR</c> when set.
/// </summary>
internal static class Screenshots
{
    public static string PathOf(string file)
    {
        var folder = Environment.GetEnvironmentVariable("GAN_SCREENSHOT_DIR") is { Length: > 0 } set ? set : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, file);
    }
}

/// <summary>A fact that is skipped, saying why, only when the system Chromium is missing (never under CI, which installs it).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        Skip = GanService.TestSupport.Prerequisite.SkipUnless(File.Exists(WebPageTests.Chromium),
            $"{WebPageTests.Chromium} is not installed (apt-get install -y chromium); the browser test needs it");
    }
}
