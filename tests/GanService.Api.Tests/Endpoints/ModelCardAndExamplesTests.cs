using System.Net;
using System.Text.Json;
using GanService.Api.Endpoints;
using GanService.Api.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace GanService.Api.Tests.Endpoints;

/// <summary>What the web page's gallery and panels read: the card as safe HTML, the headline and licence in the list,
/// and the example inputs a model folder ships (examples/*.png).</summary>
public sealed class ModelCardAndExamplesTests : IDisposable
{
    private const string Card = """
        # sketch

        A fixture with a **card**.

        <script>alert('card')</script>
        <img src="x" onerror="alert('img')">

        [safe link](https://example.org/data) · [script link](javascript:alert(1)) · [spaced](java	script:alert(2)) · [relative](card.md)
        <javascript:alert(3)> and ![a picture](https://tracker.example/pixel.png)

        <!-- eval translation: generated; do not edit by hand -->
        Headline: 12 of 12 held-out sketches coloured

        | method | L1 |
        |---|---|
        | sketch | 0.1 |
        <!-- /eval translation -->
        """;

    private readonly GanApiFactory _factory;
    private readonly HttpClient _client;

    public ModelCardAndExamplesTests()
    {
        var root = FixtureModels.CreateFolder(FixtureModels.Translate, FixtureModels.Dcgan);
        var folder = Path.Combine(root, FixtureModels.Translate);
        File.WriteAllText(Path.Combine(folder, "card.md"), Card);
        var examples = Directory.CreateDirectory(Path.Combine(folder, "examples")).FullName;
        File.WriteAllBytes(Path.Combine(examples, "b-star.png"), FixtureModels.Png(16, 16));
        File.WriteAllBytes(Path.Combine(examples, "a-circle.png"), FixtureModels.Png(24, 16));
        File.WriteAllBytes(Path.Combine(examples, "notes.txt"), "not an image"u8.ToArray());
        File.WriteAllBytes(Path.Combine(examples, "has space.png"), FixtureModels.Png(8, 8));
        _factory = new GanApiFactory(root);
        _client = _factory.CreateClient();
    }

    public void Dispose()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    [Fact]
    public void Card_html_escapes_raw_html_and_keeps_only_web_links()
    {
        var html = ModelCardHtml.Render(Card);
        Assert.Contains("<h1>sketch</h1>", html);
        Assert.Contains("<strong>card</strong>", html);
        Assert.Contains("<table>", html);
        Assert.Contains("&lt;script&gt;", html); // shown as text, never as markup
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<a href=\"https://example.org/data\">safe link</a>", html);
        Assert.Contains("<a href=\"card.md\">relative</a>", html);
        Assert.DoesNotContain("href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"java", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("script link", html);
        Assert.Contains("a picture", html); // an image becomes its alt text: the page fetches nothing from a card
        Assert.DoesNotContain("tracker.example", html);
        Assert.DoesNotContain("eval translation", html); // generators' marker comments are not content
    }

    [Fact]
    public async Task Card_endpoint_serves_the_rendered_card_as_html()
    {
        var response = await _client.GetAsync($"/models/{FixtureModels.Translate}/card");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ModelCardHtml.Render(Card), body);
        await TestHttp.AssertProblem(await _client.GetAsync($"/models/{FixtureModels.Dcgan}/card"), HttpStatusCode.NotFound, "card.md");
        await TestHttp.AssertProblem(await _client.GetAsync("/models/nope/card"), HttpStatusCode.NotFound, "available");
    }

    [Fact]
    public async Task Model_list_carries_headline_licence_card_and_examples_links()
    {
        var body = JsonDocument.Parse(await _client.GetStringAsync("/models")).RootElement;
        var models = body.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        var sketch = models[FixtureModels.Translate];
        Assert.Equal("12 of 12 held-out sketches coloured", sketch.GetProperty("headline").GetString());
        Assert.Equal("CC0-1.0", sketch.GetProperty("license").GetString());
        Assert.Equal("/models/sketch/card", sketch.GetProperty("cardUrl").GetString());
        Assert.Equal("/models/sketch/examples", sketch.GetProperty("examplesUrl").GetString());
        var dcgan = models[FixtureModels.Dcgan];
        Assert.Equal(JsonValueKind.Null, dcgan.GetProperty("headline").ValueKind);
        Assert.Equal(JsonValueKind.Null, dcgan.GetProperty("cardUrl").ValueKind);
        Assert.Equal(JsonValueKind.Null, dcgan.GetProperty("examplesUrl").ValueKind);
    }

    [Fact]
    public async Task Examples_are_the_folders_pngs_in_name_order_and_served_from_memory()
    {
        var list = JsonDocument.Parse(await _client.GetStringAsync($"/models/{FixtureModels.Translate}/examples")).RootElement;
        var examples = list.GetProperty("examples").EnumerateArray().Select(e => (Name: e.GetProperty("name").GetString()!, Url: e.GetProperty("url").GetString()!)).ToList();
        // notes.txt is not a PNG; "has space.png" has a name outside the allowed characters.
        Assert.Equal(["a-circle.png", "b-star.png"], examples.Select(e => e.Name));
        using var image = await TestHttp.AssertImage(await _client.GetAsync(examples[0].Url));
        Assert.Equal(24, image.Width);
        await TestHttp.AssertProblem(await _client.GetAsync($"/models/{FixtureModels.Translate}/examples/notes.txt"), HttpStatusCode.NotFound, "no example");
        await TestHttp.AssertProblem(await _client.GetAsync($"/models/{FixtureModels.Translate}/examples/..%2Fmodel.json"), HttpStatusCode.NotFound, "no example");
        var none = JsonDocument.Parse(await _client.GetStringAsync($"/models/{FixtureModels.Dcgan}/examples")).RootElement;
        Assert.Equal(0, none.GetProperty("examples").GetArrayLength());
    }

    [Fact]
    public async Task An_example_added_to_the_folder_is_served_after_the_next_scan()
    {
        await _client.GetStringAsync("/models"); // the repository has loaded
        var examples = Path.Combine(_factory.ModelsPath, FixtureModels.Translate, "examples");
        File.WriteAllBytes(Path.Combine(examples, "c-new.png"), FixtureModels.Png(12, 12));
        await _factory.Services.GetRequiredService<GanService.Api.Inference.ModelRepository>().RescanAsync();
        var list = JsonDocument.Parse(await _client.GetStringAsync($"/models/{FixtureModels.Translate}/examples")).RootElement;
        Assert.Contains("c-new.png", list.GetProperty("examples").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
    }
}
