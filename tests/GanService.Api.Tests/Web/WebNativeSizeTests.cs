using GanService.Api.Tests.Fixtures;
using Microsoft.Playwright;

namespace GanService.Api.Tests.Web;

/// <summary>The page with models exported for any size: an upscaler has its own gallery group, a translator's tile says
/// "any size", its panel sends size=native by default and the result comes back at the upload's own size.</summary>
public sealed class WebNativeSizeTests
{
    [ChromiumFact]
    public async Task Any_size_models_are_grouped_described_and_translate_at_the_uploads_own_size()
    {
        using var api = new KestrelApi(FixtureModels.CreateFolder(FixtureModels.AnySize, FixtureModels.Upscale, FixtureModels.Translate));
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await HeadlessChromium.OpenAsync(browser, api.BaseAddress);
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("3 model(s)");
        Assert.Equal(["Translate (image → image)", "Upscale"], await page.Locator(".group h3").AllTextContentsAsync());
        await Assertions.Expect(page.Locator($"a.tile[data-model='{FixtureModels.Upscale}'] .tile-facts"))
            .ToHaveTextAsync("srgan · translate · any size (trained at 16×16, output ×2)");
        await Assertions.Expect(page.Locator($"a.tile[data-model='{FixtureModels.AnySize}'] .tile-facts"))
            .ToHaveTextAsync("pix2pix · translate · any size (trained at 16×16)");

        await HeadlessChromium.OpenModelAsync(page, FixtureModels.AnySize);
        Assert.Equal("native", await page.InputValueAsync("#size"));
        var upload = Path.Combine(FixtureModels.NewFolder(), "wide.png");
        await File.WriteAllBytesAsync(upload, FixtureModels.Png(40, 24));
        var translated = await page.RunAndWaitForResponseAsync(() => page.SetInputFilesAsync("#upload", upload), r => r.Url.Contains("/translate/", StringComparison.Ordinal));
        Assert.Equal(200, translated.Status);
        Assert.Contains("size=native", translated.Url);
        await Assertions.Expect(page.Locator("#translate-caption")).ToContainTextAsync("40×24 px");
        Assert.Equal(40, await page.EvalOnSelectorAsync<int>("#translate-result", "img => img.naturalWidth"));

        // A fixed-size model cannot take native: the option is not offered and fit is chosen.
        await page.SelectOptionAsync("#model", FixtureModels.Translate);
        Assert.Equal("fit", await page.InputValueAsync("#size"));
        Assert.True(await page.EvalOnSelectorAsync<bool>("#size option[value='native']", "o => o.disabled && o.hidden"));
    }
}
