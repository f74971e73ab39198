using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GanService.Api.Tests.Fixtures;
using GanService.Contracts;

namespace GanService.Api.Tests.Endpoints;

[Collection(SharedApiCollection.Name)]
public sealed class InferenceProtocolEndpointsTests(SharedApi api)
{
    private readonly HttpClient _client = api.Client;

    private async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    [Fact]
    public async Task V2_server_metadata_live_and_ready()
    {
        Assert.Equal("ganservice", (await Json(await _client.GetAsync("/v2"))).GetProperty("name").GetString());
        Assert.True((await Json(await _client.GetAsync("/v2/health/live"))).GetProperty("live").GetBoolean());
        Assert.True((await Json(await _client.GetAsync("/v2/health/ready"))).GetProperty("ready").GetBoolean());
        Assert.True((await Json(await _client.GetAsync("/v2/models/dcgan/ready"))).GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task V2_model_metadata_lists_tensors_with_oip_datatypes()
    {
        var meta = await Json(await _client.GetAsync("/v2/models/cgan"));
        Assert.Equal("onnxruntime_onnx", meta.GetProperty("platform").GetString());
        Assert.Equal("1", meta.GetProperty("versions")[0].GetString());
        var inputs = meta.GetProperty("inputs").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!);
        Assert.Equal("FP32", inputs["z"].GetProperty("datatype").GetString());
        Assert.Equal([-1L, 8L], inputs["z"].GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal("INT64", inputs["label"].GetProperty("datatype").GetString());
        Assert.Equal("image", meta.GetProperty("outputs")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task V2_stylegan_exposes_the_synthesis_graph() =>
        Assert.Equal("ws", (await Json(await _client.GetAsync("/v2/models/stylegan"))).GetProperty("inputs")[0].GetProperty("name").GetString());

    [Fact]
    public async Task V2_infer_matches_generate_pixels_for_the_same_seed()
    {
        var z = SeedLatent.Normal(21, FixtureModels.Z);
        var response = await _client.PostAsJsonAsync("/v2/models/dcgan/infer", new
        {
            id = "req-1",
            inputs = new[] { new { name = "z", shape = new[] { 1, FixtureModels.Z }, datatype = "FP32", data = z } },
        });
        var result = await Json(response);
        Assert.Equal("dcgan", result.GetProperty("model_name").GetString());
        Assert.Equal("req-1", result.GetProperty("id").GetString());
        var output = result.GetProperty("outputs")[0];
        Assert.Equal([1L, 3L, 8L, 8L], output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal("FP32", output.GetProperty("datatype").GetString());
        var chw = output.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var hwc = new byte[chw.Length];
        PixelNormalization.ToBytes(chw, hwc, 3, 8, 8);
        using var generated = await TestHttp.AssertImage(await _client.GetAsync("/generate?model=dcgan&seed=21"));
        Assert.Equal(TestHttp.Pixels(generated), hwc);
    }

    [Fact]
    public async Task V2_infer_accepts_nested_data_and_int64_labels()
    {
        var z = SeedLatent.Batch([1, 2], FixtureModels.Z);
        var nested = new[] { z[..FixtureModels.Z], z[FixtureModels.Z..] };
        var result = await Json(await _client.PostAsJsonAsync("/v2/models/cgan/infer", new
        {
            inputs = new object[]
            {
                new { name = "z", shape = new[] { 2, FixtureModels.Z }, datatype = "FP32", data = nested },
                new { name = "label", shape = new[] { 2 }, datatype = "INT64", data = new long[] { 0, 2 } },
            },
            outputs = new[] { new { name = "image" } },
        }));
        Assert.Equal(2 * 3 * 8 * 8, result.GetProperty("outputs")[0].GetProperty("data").GetArrayLength());
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        { """{"inputs":[{"name":"z","shape":[1,7],"datatype":"FP32","data":[1,2,3,4,5,6,7]}]}""", "does not match" },
        { """{"inputs":[{"name":"z","shape":[1,8],"datatype":"INT64","data":[1,2,3,4,5,6,7,8]}]}""", "datatype FP32" },
        { """{"inputs":[{"name":"z","shape":[1,8],"datatype":"FP32","data":[1,2,3]}]}""", "needs 8 values" },
        { """{"inputs":[{"name":"q","shape":[1,8],"datatype":"FP32","data":[1,2,3,4,5,6,7,8]}]}""", "does not exist" },
        { """{"inputs":[{"name":"z","shape":[1,8],"datatype":"FP32","data":["a",2,3,4,5,6,7,8]}]}""", "array of numbers" },
        { """{"inputs":[]}""", "at least one" },
        { """{"inputs":[{"name":"z","shape":[1,8],"datatype":"FP32","data":[1,2,3,4,5,6,7,8]}],"outputs":[{"name":"nope"}]}""", "output 'nope'" },
        { """{not json""", "not valid OIP JSON" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task V2_infer_rejects_bad_tensors_with_400_and_error_member(string body, string mentions)
    {
        var response = await _client.PostAsync("/v2/models/dcgan/infer", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var json = await TestHttp.AssertProblem(response, HttpStatusCode.BadRequest, mentions);
        Assert.Equal(json.GetProperty("detail").GetString(), json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task V2_infer_missing_input_is_400() =>
        await TestHttp.AssertProblem(await _client.PostAsync("/v2/models/cgan/infer", new StringContent(
            """{"inputs":[{"name":"z","shape":[1,8],"datatype":"FP32","data":[1,2,3,4,5,6,7,8]}]}""", System.Text.Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, "missing inputs: label");

    [Fact]
    public async Task V2_infer_rejects_non_json_with_415() =>
        await TestHttp.AssertProblem(await _client.PostAsync("/v2/models/dcgan/infer", new StringContent("x")), HttpStatusCode.UnsupportedMediaType);

    [Fact]
    public async Task V2_unknown_model_is_404_with_error_member()
    {
        var json = await TestHttp.AssertProblem(await _client.GetAsync("/v2/models/nope"), HttpStatusCode.NotFound, "available");
        Assert.True(json.TryGetProperty("error", out _));
        await TestHttp.AssertProblem(await _client.GetAsync("/v2/models/nope/ready"), HttpStatusCode.NotFound);
        await TestHttp.AssertProblem(await _client.PostAsync("/v2/models/nope/infer", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.NotFound);
    }
}
