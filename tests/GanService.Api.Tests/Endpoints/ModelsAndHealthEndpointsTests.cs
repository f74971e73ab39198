using System.Net;
using System.Text.Json;
using GanService.Api.Tests.Fixtures;

namespace GanService.Api.Tests.Endpoints;

[Collection(SharedApiCollection.Name)]
public sealed class ModelsAndHealthEndpointsTests(SharedApi api)
{
    private readonly HttpClient _client = api.Client;

    private async Task<JsonElement> Json(string url, HttpStatusCode status = HttpStatusCode.OK)
    {
        var response = await _client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{url}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    [Fact]
    public async Task Models_lists_every_model_with_task_and_capabilities()
    {
        var models = (await Json("/models")).GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal(FixtureModels.All.Order(), models.Keys.Order());
        Assert.Equal("translate", models["sketch"].GetProperty("task").GetString());
        Assert.True(models["stargan"].GetProperty("capabilities").GetProperty("target").GetBoolean());
        Assert.True(models["cgan"].GetProperty("capabilities").GetProperty("label").GetBoolean());
        var style = models["stylegan"].GetProperty("capabilities");
        Assert.True(style.GetProperty("psi").GetBoolean() && style.GetProperty("noise").GetBoolean() && style.GetProperty("mixing").GetBoolean());
        Assert.All(models.Values, m => Assert.Equal("ready", m.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Models_reports_the_execution_provider()
    {
        var provider = (await Json("/models")).GetProperty("provider");
        Assert.Equal("cpu", provider.GetProperty("active").GetString());
    }

    [Fact]
    public async Task Model_detail_has_manifest_card_and_sample_link()
    {
        var detail = await Json("/models/sketch");
        Assert.Equal("pix2pix", detail.GetProperty("manifest").GetProperty("family").GetString());
        Assert.Contains("1×1 convolution", detail.GetProperty("card").GetString());
        Assert.Equal("/models/sketch/sample.png", detail.GetProperty("summary").GetProperty("sampleUrl").GetString());
        Assert.Equal(64, detail.GetProperty("manifest").GetProperty("graphs")[0].GetProperty("sha256").GetString()!.Length);
    }

    [Fact]
    public async Task Model_sample_is_served_as_png()
    {
        using var image = await TestHttp.AssertImage(await _client.GetAsync("/models/sketch/sample.png"));
        Assert.Equal(4, image.Width);
    }

    [Fact]
    public async Task Model_sample_is_404_when_folder_has_none() =>
        await TestHttp.AssertProblem(await _client.GetAsync("/models/dcgan/sample.png"), HttpStatusCode.NotFound, "samples.png");

    [Fact]
    public async Task Model_detail_unknown_is_404_listing_available() =>
        await TestHttp.AssertProblem(await _client.GetAsync("/models/nope"), HttpStatusCode.NotFound, "available: cgan, dcgan");

    [Fact]
    public async Task Healthz_is_live() =>
        Assert.Equal("live", (await Json("/healthz")).GetProperty("status").GetString());

    [Fact]
    public async Task Readyz_is_ready_with_models_and_provider()
    {
        var ready = await Json("/readyz");
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal(5, ready.GetProperty("models").GetArrayLength());
        Assert.Equal("cpu", ready.GetProperty("provider").GetProperty("active").GetString());
    }

    [Fact]
    public async Task Every_response_carries_a_request_id_and_a_safe_incoming_one_is_echoed()
    {
        var plain = await _client.GetAsync("/healthz");
        Assert.False(string.IsNullOrEmpty(plain.Headers.GetValues("X-Request-Id").Single()));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        request.Headers.Add("X-Request-Id", "client-abc-123");
        Assert.Equal("client-abc-123", (await _client.SendAsync(request)).Headers.GetValues("X-Request-Id").Single());
        using var hostile = new HttpRequestMessage(HttpMethod.Get, "/healthz");
        hostile.Headers.Add("X-Request-Id", "bad id with spaces");
        Assert.NotEqual("bad id with spaces", (await _client.SendAsync(hostile)).Headers.GetValues("X-Request-Id").Single());
    }

    [Fact]
    public async Task Problem_details_carry_the_request_id()
    {
        var response = await _client.GetAsync("/generate?model=nope");
        var json = await TestHttp.AssertProblem(response, HttpStatusCode.NotFound);
        Assert.Equal(response.Headers.GetValues("X-Request-Id").Single(), json.GetProperty("requestId").GetString());
    }

    [Fact]
    public async Task Unknown_route_is_problem_json_404() =>
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/no/such/route")).StatusCode);

    [Fact]
    public async Task Metrics_expose_requests_latency_queue_inference_and_rejections()
    {
        await _client.GetAsync("/generate?model=dcgan&seed=99");
        var text = await _client.GetStringAsync("/metrics");
        Assert.Contains("gan_requests_total{model=\"dcgan\",endpoint=\"generate\",code=\"200\"}", text);
        Assert.Contains("gan_request_duration_seconds_bucket{model=\"dcgan\",endpoint=\"generate\"", text);
        Assert.Contains("gan_inference_duration_seconds_bucket{model=\"dcgan\",graph=\"model\"", text);
        Assert.Contains("gan_queue_length", text);
        Assert.Contains("gan_rejected_requests_total", text);
        Assert.Contains("http_requests_received_total", text);
    }

    [Fact]
    public async Task Metrics_never_use_unknown_model_names_as_labels()
    {
        await _client.GetAsync("/generate?model=attacker-chosen-label");
        Assert.DoesNotContain("attacker-chosen-label", await _client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Swagger_documents_file_upload_image_responses_and_size_policy()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/swagger/index.html")).StatusCode);
        var doc = await _client.GetStringAsync("/swagger/v1/swagger.json");
        var translate = JsonDocument.Parse(doc).RootElement.GetProperty("paths").GetProperty("/translate/{model}").GetProperty("post");
        var content = translate.GetProperty("requestBody").GetProperty("content");
        Assert.Equal("binary", content.GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties").GetProperty("image").GetProperty("format").GetString());
        Assert.True(content.TryGetProperty("image/png", out _));
        Assert.True(translate.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("image/png", out _));
        Assert.Contains("letterbox", translate.ToString());
        foreach (var path in new[] { "/generate", "/interpolate", "/models", "/v2/models/{name}/infer", "/readyz" })
            Assert.Contains($"\"{path}\"", doc);
    }

    [Fact]
    public async Task Web_page_is_served_at_root()
    {
        var html = await _client.GetStringAsync("/");
        Assert.Contains("GanService", html);
    }
}
