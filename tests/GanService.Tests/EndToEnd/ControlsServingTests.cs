using System.Net;
using System.Text.Json;
using GanService.Contracts;
using GanService.Tests.Import;
using GanService.Training.Export;
using GanService.Training.Families.InfoGan;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.EndToEnd;

/// <summary>Manifest-declared controls end to end: an exported InfoGAN generator served by the API, its codes set by
/// query (code, c1, c2), checked against TorchSharp, refused outside their declared ranges, listed in Swagger.</summary>
public class ControlsServingTests
{
    private static readonly InfoGanOptions Small = new() { ZDim = 12, Categories = 4, Continuous = 2, Ngf = 8, Ndf = 8, Size = 16, QHidden = 16, EmaBeta = 0 };

    private static (InfoGanGenerator G, ImportTestData.TempDir Folder) Serve()
    {
        var (g, _, _) = InfoGanTrainer.Build(Small);
        using (torch.no_grad()) foreach (var p in g.parameters().Where(p => p.dim() == 4)) p.normal_(0, 0.15);
        g.eval();
        var tmp = new ImportTestData.TempDir();
        var (draft, graphs) = new InfoGanExportFamily().Export(g, Small, "e2e-infogan", new ExportRequest("test"));
        ModelPackage.Write(Path.Combine(tmp.Path, "e2e-infogan"), draft, graphs);
        return (g, tmp);
    }

    [Fact]
    public async Task Generate_feeds_code_and_continuous_controls_from_the_query_with_torchsharp_pixels()
    {
        var (g, tmp) = Serve();
        using var _ = tmp;
        await using var api = await LoopbackApi.StartAsync(tmp.Path);
        using var served = Image.Load<L8>(await api.GetBytes("generate?model=e2e-infogan&seed=9&code=3&c1=-1.5&c2=0.5"));

        float[] expected;
        using (torch.no_grad())
            expected = g.Generate(torch.tensor(SeedLatent.Normal(9, Small.ZDim), [1, Small.ZDim]), torch.tensor(new long[] { 3 }, ScalarType.Int64),
                torch.tensor(new float[] { -1.5f, 0.5f }, [1, 2])).data<float>().ToArray();
        using var want = ImageCodec.FromTensor(expected, new ImageSpec(1, 16, 16));
        int maxDiff = 0;
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) maxDiff = Math.Max(maxDiff, Math.Abs(served[x, y].PackedValue - want[x, y].R));
        Assert.True(maxDiff <= 1, $"served pixels differ from TorchSharp by up to {maxDiff} levels");

        // Another code value is another image; a left-out control is its default (c2 = 0).
        Assert.NotEqual(await api.GetBytes("generate?model=e2e-infogan&seed=9&code=3&c1=-1.5&c2=0.5"), await api.GetBytes("generate?model=e2e-infogan&seed=9&code=2&c1=-1.5&c2=0.5"));
        Assert.Equal(await api.GetBytes("generate?model=e2e-infogan&seed=9&code=1&c2=0"), await api.GetBytes("generate?model=e2e-infogan&seed=9&code=1"));
        // The strip holds the controls along the way.
        Assert.NotEmpty(await api.GetBytes("interpolate?model=e2e-infogan&from=1&to=2&steps=3&code=2&c1=1"));
    }

    [Theory]
    [InlineData("code=4", "code must be an integer in 0…3")]
    [InlineData("code=-1", "code must be an integer in 0…3")]
    [InlineData("code=1.5", "code must be an integer in 0…3")]
    [InlineData("c1=2.5", "c1 must be in [-2, 2]")]
    [InlineData("c2=abc", "c2 must be a number in [-2, 2]")]
    [InlineData("c1=NaN", "c1 must be a number")]
    [InlineData("c1=1&c1=2", "c1 must be a number")]
    public async Task Generate_refuses_a_control_outside_its_declared_range_with_400(string query, string message)
    {
        var (_, tmp) = Serve();
        using var _ = tmp;
        await using var api = await LoopbackApi.StartAsync(tmp.Path);
        using var response = await api.Client.GetAsync($"generate?model=e2e-infogan&seed=1&{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(message, body);
    }

    [Fact]
    public async Task Swagger_lists_the_loaded_models_controls_on_generate()
    {
        var (_, tmp) = Serve();
        using var _ = tmp;
        await using var api = await LoopbackApi.StartAsync(tmp.Path);
        var doc = JsonDocument.Parse(await api.GetBytes("swagger/v1/swagger.json"));
        var parameters = doc.RootElement.GetProperty("paths").GetProperty("/generate").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p);
        Assert.Equal("integer", parameters["code"].GetProperty("schema").GetProperty("type").GetString());
        Assert.Equal("number", parameters["c1"].GetProperty("schema").GetProperty("type").GetString());
        Assert.Contains("e2e-infogan: [-2, 2]", parameters["c1"].GetProperty("description").GetString());
        Assert.Contains("e2e-infogan: 0…3", parameters["code"].GetProperty("description").GetString());
    }
}
