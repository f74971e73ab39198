using System.Net;
using System.Text;
using GanService.Api.Tests.Fixtures;

namespace GanService.Api.Tests.Endpoints;

/// <summary>OIP V2 infer under hostile sizes and values (issue 10, "Why" 4).</summary>
[Collection(SharedApiCollection.Name)]
public sealed class InferenceProtocolLimitsTests(SharedApi api)
{
    private readonly HttpClient _client = api.Client;

    private static StringContent Z(int batch, string value) => new(
        $$"""{"inputs":[{"name":"z","shape":[{{batch}},{{FixtureModels.Z}}],"datatype":"FP32","data":[{{string.Join(',', Enumerable.Repeat(value, batch * FixtureModels.Z))}}]}]}""",
        Encoding.UTF8, "application/json");

    [Fact]
    public async Task V2_infer_batch_over_the_limit_is_413_before_running()
    {
        // The probe's z of [20000, 100] returned 232 MB of JSON; the default limit is a batch of 64.
        var json = await TestHttp.AssertProblem(await _client.PostAsync("/v2/models/dcgan/infer", Z(20_000, "0.5")), HttpStatusCode.RequestEntityTooLarge, "batch");
        Assert.Equal(json.GetProperty("detail").GetString(), json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task V2_infer_input_outside_fp32_range_is_400() =>
        await TestHttp.AssertProblem(await _client.PostAsync("/v2/models/dcgan/infer", Z(1, "1e39")), HttpStatusCode.BadRequest, "finite");

    [Fact]
    public async Task V2_infer_non_finite_output_is_422_not_500()
    {
        // 3e38 is a finite FP32 value; a generator without a bounding output layer sums eight of them times weights
        // into ±Infinity, which System.Text.Json refused to write (the 500).
        using var factory = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Unbounded));
        using var client = factory.CreateClient();
        var json = await TestHttp.AssertProblem(await client.PostAsync("/v2/models/unbounded/infer", Z(1, "3e38")), HttpStatusCode.UnprocessableEntity, "non-finite");
        Assert.Equal(json.GetProperty("detail").GetString(), json.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v2/models/unbounded/infer", Z(1, "0.5"))).StatusCode);
    }
}
