using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GanService.Contracts;
using GanService.Tests.Families.Encoders;
using GanService.Tests.Import;
using GanService.Training.Export;
using GanService.Training.Families.Encoders;
using GanService.Training.Families.InfoGan;
using GanService.Training.Layers;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.EndToEnd;

/// <summary>POST /encode, /reconstruct and /interpolate/{model} on an exported AAE: the served latent and pixels are
/// TorchSharp's, uploads go through the translate intake (bad bytes, missing fields, wrong media types are refused),
/// and a model without an encoder graph is refused.</summary>
public class EncoderServingTests
{
    private sealed class Served : IAsyncDisposable
    {
        public required Seq E { get; init; }
        public required GanService.Training.Families.Gan.LatentGenerator G { get; init; }
        public required ImportTestData.TempDir Folder { get; init; }
        public required LoopbackApi Api { get; init; }
        public async ValueTask DisposeAsync() { await Api.DisposeAsync(); Folder.Dispose(); }
    }

    private static async Task<Served> ServeAsync()
    {
        var o = EncoderGanTests.Small with { Family = "aae" };
        var (e, g, _) = EncoderGanTrainer.Build(o);
        using (torch.no_grad()) foreach (var p in e.parameters().Concat(g.parameters()).Where(p => p.dim() == 4)) p.normal_(0, 0.15);
        e.eval(); g.eval();
        var tmp = new ImportTestData.TempDir();
        var (draft, graphs) = new EncoderGanExportFamily(o.Family).Export((e, g), o, "e2e-aae", new ExportRequest("test"));
        ModelPackage.Write(Path.Combine(tmp.Path, "e2e-aae"), draft, graphs);
        // A generate model without an encoder graph, to be refused by the encoder endpoints.
        var (ig, _, _) = InfoGanTrainer.Build(new InfoGanOptions { ZDim = 4, Categories = 2, Continuous = 1, Ngf = 4, Ndf = 4, Size = 16, EmaBeta = 0 });
        var (igDraft, igGraphs) = new InfoGanExportFamily().Export(ig, new InfoGanOptions { ZDim = 4, Categories = 2, Continuous = 1, Ngf = 4, Size = 16 }, "e2e-plain", new ExportRequest("test"));
        ModelPackage.Write(Path.Combine(tmp.Path, "e2e-plain"), igDraft, igGraphs);
        return new Served { E = e, G = g, Folder = tmp, Api = await LoopbackApi.StartAsync(tmp.Path) };
    }

    private static (byte[] Png, Tensor X) Upload(int seed)
    {
        var rng = new Random(seed);
        var pixels = new byte[16 * 16];
        rng.NextBytes(pixels);
        using var image = Image.LoadPixelData<L8>(pixels, 16, 16);
        using var rgb = image.CloneAs<Rgb24>();
        var x = torch.tensor(ImageCodec.ToTensor(rgb, new ImageSpec(1, 16, 16)), [1, 1, 16, 16]);
        return (ImageCodec.Encode(rgb), x);
    }

    private static MultipartFormDataContent Form(params (string Field, byte[] Bytes, string Type)[] parts)
    {
        var form = new MultipartFormDataContent();
        foreach (var (field, bytes, type) in parts)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(type);
            form.Add(content, field, field + ".png");
        }
        return form;
    }

    [Fact]
    public async Task Encode_returns_the_encoders_latent_and_reconstruct_its_decoding()
    {
        await using var s = await ServeAsync();
        var (png, x) = Upload(1);
        using var encoded = await s.Api.Client.PostAsync("encode/e2e-aae", Form(("image", png, "image/png")));
        var json = await encoded.Content.ReadAsStringAsync();
        Assert.True(encoded.IsSuccessStatusCode, json);
        var latent = JsonDocument.Parse(json).RootElement.GetProperty("latent").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        float[] expected;
        using (torch.no_grad()) expected = s.E.forward(x).data<float>().ToArray();
        Assert.Equal(expected.Length, latent.Length);
        Assert.True(expected.Zip(latent, (a, b) => Math.Abs(a - b)).Max() <= 1e-4f, "served latent differs from TorchSharp E(x)");

        // A raw image body works as for /translate.
        var raw = new ByteArrayContent(png);
        raw.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var reconstructed = await s.Api.Client.PostAsync("reconstruct/e2e-aae", raw);
        var bytes = await reconstructed.Content.ReadAsByteArrayAsync();
        Assert.True(reconstructed.IsSuccessStatusCode, System.Text.Encoding.UTF8.GetString(bytes));
        using var served = Image.Load<L8>(bytes);
        float[] want;
        using (torch.no_grad()) want = s.G.Generate(s.E.forward(x)).data<float>().ToArray();
        using var wantImage = ImageCodec.FromTensor(want, new ImageSpec(1, 16, 16));
        int maxDiff = 0;
        for (int yy = 0; yy < 16; yy++) for (int xx = 0; xx < 16; xx++) maxDiff = Math.Max(maxDiff, Math.Abs(served[xx, yy].PackedValue - wantImage[xx, yy].R));
        Assert.True(maxDiff <= 1, $"reconstruction differs from TorchSharp G(E(x)) by up to {maxDiff} levels");
    }

    [Fact]
    public async Task Interpolate_between_two_uploads_returns_a_strip_from_one_to_the_other()
    {
        await using var s = await ServeAsync();
        var (a, xa) = Upload(2);
        var (b, xb) = Upload(3);
        using var response = await s.Api.Client.PostAsync("interpolate/e2e-aae?steps=5", Form(("from", a, "image/png"), ("to", b, "image/png")));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, System.Text.Encoding.UTF8.GetString(bytes));
        using var strip = Image.Load<Rgb24>(bytes);
        Assert.Equal(5, strip.Width / 16);
        // The strip's ends are the two reconstructions.
        using var first = await (await s.Api.Client.PostAsync("reconstruct/e2e-aae", Form(("image", a, "image/png")))).Content.ReadAsStreamAsync();
        using var reconA = Image.Load<Rgb24>(first);
        Assert.Equal(reconA[8, 8], strip[ImageGridOffset(0) + 8, 2 + 8]);
    }

    /// <summary>Where tile 0 starts in a strip (the grid's padding).</summary>
    private static int ImageGridOffset(int tile) => tile * 16 + 2 * (tile + 1); // ImageCodec.Grid's default padding 2

    [Theory]
    [InlineData("encode/e2e-plain", "image", "image/png", true, HttpStatusCode.BadRequest, "has no encoder graph")]
    [InlineData("encode/no-such-model", "image", "image/png", true, HttpStatusCode.NotFound, "")]
    [InlineData("encode/e2e-aae", "picture", "image/png", true, HttpStatusCode.BadRequest, "field 'image' is missing")]
    [InlineData("reconstruct/e2e-aae", "image", "image/png", false, HttpStatusCode.UnsupportedMediaType, "")]    // the intake sniffs the bytes, not the declared type
    [InlineData("interpolate/e2e-aae", "from", "image/png", true, HttpStatusCode.BadRequest, "field 'to' is missing")]
    [InlineData("interpolate/e2e-aae?steps=1", "from", "image/png", true, HttpStatusCode.BadRequest, "steps must be an integer in 2…64")]
    public async Task Encoder_endpoints_refuse_bad_requests_with_problem_json(string url, string field, string type, bool validImage, HttpStatusCode status, string message)
    {
        await using var s = await ServeAsync();
        var bytes = validImage ? Upload(4).Png : "not an image at all"u8.ToArray();
        using var response = await s.Api.Client.PostAsync(url, Form((field, bytes, type)));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(message, body);
    }

    [Fact]
    public async Task Encode_refuses_a_non_image_media_type_with_415_and_swagger_documents_the_uploads()
    {
        await using var s = await ServeAsync();
        using var response = await s.Api.Client.PostAsync("encode/e2e-aae", new StringContent("hello"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var doc = JsonDocument.Parse(await s.Api.GetBytes("swagger/v1/swagger.json")).RootElement.GetProperty("paths");
        var fields = doc.GetProperty("/interpolate/{model}").GetProperty("post").GetProperty("requestBody").GetProperty("content")
            .GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties");
        Assert.True(fields.TryGetProperty("from", out _) && fields.TryGetProperty("to", out _));
        Assert.True(doc.GetProperty("/encode/{model}").GetProperty("post").GetProperty("requestBody").GetProperty("content").TryGetProperty("image/png", out _));
        Assert.True(doc.GetProperty("/reconstruct/{model}").GetProperty("post").GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("image/png", out _));
    }
}
