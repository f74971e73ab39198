using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using GanService.Api.Auth;
using GanService.Api.Tests.Fixtures;
using Microsoft.Playwright;

namespace GanService.Api.Tests.Web;

/// <summary>The shipped zoo served once for the browser tests that use it (loading and warming fifteen models takes a while).</summary>
public sealed class ZooApi : IDisposable
{
    public KestrelApi Api { get; } = new(RepositoryZoo.ModelsPath);
    public void Dispose() => Api.Dispose();
}

[CollectionDefinition(Name)]
public sealed class ZooCollection : ICollectionFixture<ZooApi>
{
    public const string Name = "shipped zoo";
}

/// <summary>
/// The page as a new user meets it, on the shipped zoo: a gallery of every model with its sample, a panel that shows a
/// first result at once, at desktop (1280×800) and phone (390×844) width. Screenshots are saved for a person to look at
/// in <c>screenshots/</c> under the test output (tests/GanService.Api.Tests/bin/Debug/net10.0/screenshots/).
/// </summary>
[Collection(ZooCollection.Name)]
public sealed class WebGalleryTests(ZooApi zoo)
{
    private async Task<string[]> ReadyModels()
    {
        using var http = new HttpClient { BaseAddress = zoo.Api.BaseAddress };
        var body = await http.GetFromJsonAsync<JsonElement>("/models");
        return [.. body.GetProperty("models").EnumerateArray().Where(m => m.GetProperty("status").GetString() == "ready").Select(m => m.GetProperty("name").GetString()!)];
    }

    private static Task WaitForSamples(IPage page, int count) => page.WaitForFunctionAsync(
        "n => { const imgs = [...document.querySelectorAll('.tile img')]; return imgs.length === n && imgs.every(i => i.complete && i.naturalWidth > 0); }", count);

    /// <summary>Whether the page is wider than the viewport (a person would have to scroll sideways).</summary>
    private static Task<bool> ScrollsSideways(IPage page) =>
        page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > document.documentElement.clientWidth");

    [ChromiumFact]
    public async Task Gallery_lists_every_model_with_its_sample_grouped_by_task_and_a_tile_opens_a_panel_with_a_first_result()
    {
        var names = await ReadyModels();
        // Every model folder of the zoo is loaded (and so has a tile).
        Assert.Equal(Directory.GetDirectories(RepositoryZoo.ModelsPath).Where(d => File.Exists(Path.Combine(d, "model.json"))).Select(Path.GetFileName).Order(), names.Order());
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await HeadlessChromium.OpenAsync(browser, zoo.Api.BaseAddress, 1280, 800);

        await WaitForSamples(page, names.Length);
        Assert.Equal(names.Order(), (await page.Locator("a.tile").EvaluateAllAsync<string[]>("tiles => tiles.map(t => t.dataset.model)")).Order());
        Assert.Equal(["Translate (image → image)", "Generate (seed → image)", "Text to image", "Encode / reconstruct", "Upscale"],
            await page.Locator(".group h3").AllTextContentsAsync());
        // The zoo's upscaler runs an image at its own size: its tile says so rather than the warm-up size.
        await Assertions.Expect(page.Locator("a.tile[data-model='emoji-upscale-x4'] .tile-facts")).ToContainTextAsync("srgan");
        var sketch = page.Locator("a.tile[data-model='sketch2emoji']");
        await Assertions.Expect(sketch.Locator(".tile-facts")).ToHaveTextAsync("pix2pix · translate · 64×64");
        await Assertions.Expect(sketch.Locator(".tile-headline")).ToContainTextAsync("held-out SSIM 0.838");
        await Assertions.Expect(sketch.Locator(".tile-licence")).ToHaveTextAsync("Licence: CC-BY-SA-4.0");
        await Assertions.Expect(sketch.Locator("img")).ToHaveAttributeAsync("alt", new System.Text.RegularExpressions.Regex("^Sample grid of sketch2emoji: pix2pix"));
        Assert.False(await ScrollsSideways(page));
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("desktop-gallery.png") });
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("desktop-gallery-full.png"), FullPage = true });

        // The keyboard reaches a tile and opens it; the panel runs its first example and shows the card.
        await sketch.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#panel-title")).ToHaveTextAsync("sketch2emoji");
        await Assertions.Expect(page.Locator("#translate-result")).ToHaveAttributeAsync("alt", new System.Text.RegularExpressions.Regex(@"^sketch2emoji output for .+\.png$"));
        Assert.True(await page.Locator("#examples button").CountAsync() >= 3);
        await Assertions.Expect(page.Locator("#card-body h2").First).ToContainTextAsync("Measured against ground truth");
        await Assertions.Expect(page.Locator("#card-body table")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("#card-body script, #card-body img").CountAsync());
        await Assertions.Expect(page.Locator("#translate-caption")).ToHaveTextAsync("64×64 px, shown ×4 (nearest neighbour)");
        Assert.EndsWith("?model=sketch2emoji", page.Url);
        Assert.False(await ScrollsSideways(page));
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("desktop-sketch2emoji.png") });

        // A generation model opens on a result too: its default seed.
        await page.GoBackAsync();
        await HeadlessChromium.OpenModelAsync(page, "fmnist-cgan");
        await Assertions.Expect(page.Locator("#generate-result")).ToHaveAttributeAsync("alt", "fmnist-cgan output, seed 42, label T-shirt/top");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("desktop-fmnist-cgan.png") });

        // A multi-domain translator opens on its second domain with its first example; an encoder model reconstructs its first.
        await HeadlessChromium.OpenModelAsync(page, "emoji-style");
        await Assertions.Expect(page.Locator("#translate-result")).ToHaveAttributeAsync("alt", "emoji-style output for 1-1f606-openmoji.png, target noto");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("desktop-emoji-style.png") });
        await HeadlessChromium.OpenModelAsync(page, "fmnist-aae");
        await Assertions.Expect(page.Locator("#reconstruct-result")).ToHaveAttributeAsync("alt", new System.Text.RegularExpressions.Regex("^fmnist-aae reconstruction G\\(E\\(x\\)\\) of test-"));
        await Assertions.Expect(page.Locator("#latent")).ToContainTextAsync("E(x) = [");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("desktop-fmnist-aae.png") });
    }

    [ChromiumFact]
    public async Task At_phone_width_the_gallery_and_a_panel_fit_the_screen()
    {
        var names = await ReadyModels();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await HeadlessChromium.OpenAsync(browser, zoo.Api.BaseAddress, 390, 844);

        await WaitForSamples(page, names.Length);
        Assert.False(await ScrollsSideways(page));
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("phone-gallery.png") });

        await HeadlessChromium.OpenModelAsync(page, "sketch2emoji");
        await Assertions.Expect(page.Locator("#translate-result")).ToHaveAttributeAsync("alt", new System.Text.RegularExpressions.Regex(@"^sketch2emoji output for .+\.png$"));
        Assert.False(await ScrollsSideways(page));
        // One column: the card comes below the work, and the canvas fits the screen.
        var canvas = (await page.Locator("#sketch").BoundingBoxAsync())!;
        var card = (await page.Locator(".model-card").BoundingBoxAsync())!;
        Assert.True(canvas.X >= 0 && canvas.X + canvas.Width <= 390, $"canvas at {canvas.X}…{canvas.X + canvas.Width}");
        Assert.True(card.Y > canvas.Y + canvas.Height, "the card is below the input");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("phone-sketch2emoji.png") });
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("phone-sketch2emoji-full.png"), FullPage = true });

        await page.GoBackAsync();
        await HeadlessChromium.OpenModelAsync(page, "emoji-stylegan2");
        await Assertions.Expect(page.Locator("#generate-result")).ToHaveAttributeAsync("alt", "emoji-stylegan2 output, seed 42, ψ 0.7");
        Assert.False(await ScrollsSideways(page));
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("phone-emoji-stylegan2.png") });
    }
}

/// <summary>The page on fixture models: a shared address restores the image, drag-and-drop translates, a 429 is shown.</summary>
public sealed class WebPageResultTests
{
    private static async Task<string> ShownImageSha256(IPage page, string selector) => await page.EvalOnSelectorAsync<string>(selector, """
        async img => {
          const bytes = await (await fetch(img.src)).arrayBuffer();
          return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map(b => b.toString(16).padStart(2, '0')).join('');
        }
        """);

    [ChromiumFact]
    public async Task A_generated_images_address_restores_the_same_image()
    {
        using var api = new KestrelApi(FixtureModels.CreateFolder(FixtureModels.Cgan, FixtureModels.StyleGan));
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await HeadlessChromium.OpenAsync(browser, api.BaseAddress);

        // Label: cgan, seed 777, the second class.
        await HeadlessChromium.OpenModelAsync(page, FixtureModels.Cgan);
        await Assertions.Expect(page.Locator("#generate-result")).ToHaveAttributeAsync("alt", new System.Text.RegularExpressions.Regex("seed 42"));
        var first = await ShownImageSha256(page, "#generate-result");
        await page.FillAsync("#seed", "777");
        await page.SelectOptionAsync("#label", "1");
        await page.ClickAsync("#generate");
        await Assertions.Expect(page.Locator("#generate-result")).ToHaveAttributeAsync("alt", new System.Text.RegularExpressions.Regex("seed 777, label"));
        var shown = await ShownImageSha256(page, "#generate-result");
        Assert.NotEqual(first, shown);
        var address = new Uri(page.Url);
        Assert.Contains("seed=777", address.Query);
        Assert.Contains("label=1", address.Query);
        // The address's query is GET /generate's: the server gives these very bytes for it.
        Assert.Equal(shown, Convert.ToHexStringLower(SHA256.HashData(await http.GetByteArrayAsync($"/generate{address.Query}"))));

        var other = await browser.NewPageAsync();
        await other.GotoAsync(address.ToString());
        await Assertions.Expect(other.Locator("#panel-title")).ToHaveTextAsync(FixtureModels.Cgan);
        await Assertions.Expect(other.Locator("#generate-result")).ToHaveAttributeAsync("alt", new System.Text.RegularExpressions.Regex("seed 777, label"));
        Assert.Equal(shown, await ShownImageSha256(other, "#generate-result"));
        Assert.Equal("777", await other.InputValueAsync("#seed"));
        Assert.Equal("1", await other.InputValueAsync("#label"));

        // ψ: the StyleGAN fixture at ψ 0.25.
        await HeadlessChromium.OpenModelAsync(page, FixtureModels.StyleGan);
        await page.FillAsync("#seed", "99");
        await page.Locator("#psi").FillAsync("0.25");
        await page.ClickAsync("#generate");
        await Assertions.Expect(page.Locator("#generate-result")).ToHaveAttributeAsync("alt", "stylegan output, seed 99, ψ 0.25");
        var styled = await ShownImageSha256(page, "#generate-result");
        await other.GotoAsync(page.Url);
        await Assertions.Expect(other.Locator("#generate-result")).ToHaveAttributeAsync("alt", "stylegan output, seed 99, ψ 0.25");
        Assert.Equal(styled, await ShownImageSha256(other, "#generate-result"));

        // Back goes to the gallery.
        await page.ClickAsync("#back");
        await Assertions.Expect(page.Locator("#gallery")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#panel")).ToBeHiddenAsync();
    }

    [ChromiumFact]
    public async Task An_image_dropped_on_the_input_is_translated()
    {
        using var api = new KestrelApi(FixtureModels.CreateFolder(FixtureModels.Translate));
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await HeadlessChromium.OpenAsync(browser, api.BaseAddress);
        await HeadlessChromium.OpenModelAsync(page, FixtureModels.Translate);

        // A drop as the browser delivers it: a DataTransfer holding one PNG file.
        var dataTransfer = await page.EvaluateHandleAsync("""
            b64 => {
              const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
              const dt = new DataTransfer();
              dt.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
              return dt;
            }
            """, Convert.ToBase64String(FixtureModels.Png(40, 24)));
        var response = await page.RunAndWaitForResponseAsync(
            () => page.DispatchEventAsync("#sketch", "drop", new Dictionary<string, object> { ["dataTransfer"] = dataTransfer }),
            r => r.Url.Contains("/translate/", StringComparison.Ordinal));
        Assert.Equal(200, response.Status);
        await Assertions.Expect(page.Locator("#translate-result")).ToHaveAttributeAsync("alt", "sketch output for dropped.png");
        await Assertions.Expect(page.Locator("#input-help")).ToHaveTextAsync("dropped.png: 40×24 px");
        Assert.Equal(16, await page.EvalOnSelectorAsync<int>("#translate-result", "img => img.naturalWidth"));
        Assert.Equal("sketch-dropped.png", await page.GetAttributeAsync("#download", "download"));
    }

    [ChromiumFact]
    public async Task A_429_is_shown_as_the_problem_and_the_page_waits_for_retry_after()
    {
        const string key = "quota-7c1d-key";
        using var api = new KestrelApi(FixtureModels.CreateFolder(FixtureModels.Dcgan), new Dictionary<string, string?>
        {
            ["Gan:Auth:Keys:0:Name"] = "page",
            ["Gan:Auth:Keys:0:Sha256"] = ApiKeys.Hash(key),
            ["Gan:Auth:Keys:0:RequestsPerMinute"] = "1", // one token a minute: none comes back during the test
            ["Gan:Auth:Keys:0:Burst"] = "20",
        });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync(key);
        await page.GotoAsync(api.BaseAddress.ToString());
        await HeadlessChromium.OpenModelAsync(page, FixtureModels.Dcgan);
        await Assertions.Expect(page.Locator("#generate-result")).ToHaveAttributeAsync("alt", "dcgan output, seed 42");

        // Spend what is left of the key's burst, as another client with the same key would.
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        int spent = 0;
        while ((await http.GetAsync("/models")).StatusCode != System.Net.HttpStatusCode.TooManyRequests) Assert.True(++spent < 20, "the burst never ran out");

        await page.FillAsync("#seed", "3");
        var refused = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#generate"), r => r.Url.Contains("/generate?", StringComparison.Ordinal));
        Assert.Equal(429, refused.Status);
        var retryAfter = int.Parse((await refused.HeaderValueAsync("retry-after"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(retryAfter > 1, $"Retry-After {retryAfter}");
        var status = page.Locator("#status");
        await Assertions.Expect(status).ToContainTextAsync("429 Too many requests for this key: the key 'page' is over its rate of 1 requests per minute");
        await Assertions.Expect(status).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"retry in \d+ s\.$"));
        await Assertions.Expect(status).ToHaveClassAsync("error");
        // Retry-After respected: the actions wait; the last good image stays.
        await Assertions.Expect(page.Locator("#generate")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#random")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#generate-result")).ToHaveAttributeAsync("alt", "dcgan output, seed 42");
        await page.ScreenshotAsync(new() { Path = Screenshots.PathOf("desktop-429.png") });
    }
}
