using GanService.Api.Auth;
using GanService.Api.Tests.Fixtures;
using Microsoft.Playwright;

namespace GanService.Api.Tests.Web;

/// <summary>With API keys on, the page asks for a key when the server says 401 and then works with it.</summary>
public sealed class WebPageKeyTests
{
    [ChromiumFact]
    public async Task The_page_asks_for_a_key_on_401_and_uses_it()
    {
        const string key = "page-4b2a-key";
        using var api = new KestrelApi(FixtureModels.CreateFolder(FixtureModels.Dcgan), new Dictionary<string, string?>
        {
            ["Gan:Auth:Keys:0:Name"] = "page",
            ["Gan:Auth:Keys:0:Sha256"] = ApiKeys.Hash(key),
        });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        int asked = 0;
        page.Dialog += async (_, dialog) =>
        {
            asked++;
            Assert.Contains("API key", dialog.Message);
            await dialog.AcceptAsync(key);
        };
        await page.GotoAsync(api.BaseAddress.ToString());
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("1 model(s)");
        Assert.Equal(1, asked);

        await HeadlessChromium.OpenModelAsync(page, FixtureModels.Dcgan);
        await Assertions.Expect(page.Locator("#generate-result")).ToHaveAttributeAsync("alt", "dcgan output, seed 42");
        await page.FillAsync("#seed", "5");
        await page.ClickAsync("#generate");
        await Assertions.Expect(page.Locator("#generate-result")).ToHaveAttributeAsync("alt", "dcgan output, seed 5");
        Assert.Equal(1, asked); // the key is kept for the tab
    }

    [ChromiumFact]
    public async Task Swagger_UIs_Authorize_sends_the_key()
    {
        const string key = "swagger-0f3e-key";
        using var api = new KestrelApi(FixtureModels.CreateFolder(FixtureModels.Dcgan), new Dictionary<string, string?>
        {
            ["Gan:Auth:Keys:0:Name"] = "swagger",
            ["Gan:Auth:Keys:0:Sha256"] = ApiKeys.Hash(key),
        });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(api.BaseAddress, "/swagger/index.html").ToString());
        await page.ClickAsync("button.authorize");
        await page.Locator(".modal-ux input[type=text]").First.FillAsync(key); // the ApiKey scheme (X-Api-Key) comes first
        await page.Locator(".modal-ux button.authorize").First.ClickAsync();
        await page.Locator(".modal-ux button.close-modal").ClickAsync();

        // "Try it out" on GET /models: the request carries the key and gets 200.
        await page.Locator("#operations-Models-ListModels button.opblock-summary-control").ClickAsync();
        await page.Locator("#operations-Models-ListModels button.try-out__btn").ClickAsync();
        var response = await page.RunAndWaitForResponseAsync(
            () => page.Locator("#operations-Models-ListModels button.execute").ClickAsync(),
            r => r.Url.EndsWith("/models", StringComparison.Ordinal));
        Assert.Equal(200, response.Status);
        Assert.Equal(key, await response.Request.HeaderValueAsync("x-api-key"));
    }
}
