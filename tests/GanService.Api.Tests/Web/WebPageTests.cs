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
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1100, Height = 1000 } });
        await page.GotoAsync(api.BaseAddress.ToString());
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
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = WebPageTests.Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1100, Height = 1000 } });
        await page.GotoAsync(api.BaseAddress.ToString());
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

/// <summary>A fact that is skipped, saying why, only when the system Chromium is missing.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!File.Exists(WebPageTests.Chromium))
            Skip = $"{WebPageTests.Chromium} is not installed (apt-get install -y chromium); the browser test needs it";
    }
}
