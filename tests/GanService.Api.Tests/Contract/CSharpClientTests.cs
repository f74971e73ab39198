using System.Text.Json.Nodes;
using GanService.Api.Auth;
using GanService.Api.Tests.Fixtures;
using GanService.Api.Tests.Kiota;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using KiotaProblem = GanService.Api.Tests.Kiota.Models.ProblemDetails;

namespace GanService.Api.Tests.Contract;

/// <summary>
/// The C# client Kiota generates at build time from tests/clients/openapi.json (GanService.Api.Tests.csproj) drives the
/// running service with an API key: the model list, translate (multipart and raw body), generate by Accept, interpolate,
/// encode, and problem+json answers as the typed ProblemDetails exception. The committed document is the live one
/// (first test), so a spec change regenerates the client, and one that breaks these calls fails the build.
/// </summary>
public sealed class CSharpClientTests(LiveApi live) : IClassFixture<LiveApi>, IDisposable
{
    private readonly HttpClient _http = Http(live, LiveApi.Key);

    public void Dispose() => _http.Dispose();

    [Fact]
    public void The_committed_document_the_client_is_generated_from_is_the_live_one()
    {
        var committed = JsonNode.Parse(File.ReadAllText(Path.Combine(Clients.Folder, "openapi.json")));
        Assert.True(JsonNode.DeepEquals(committed, JsonNode.Parse(live.Spec)),
            "tests/clients/openapi.json differs from the served /swagger/v1/swagger.json: replace it with the served one (docs/clients.md) and rebuild");
    }

    [Fact]
    public async Task The_generated_CSharp_client_drives_the_service()
    {
        var (client, adapter) = Client(_http, live);

        var list = await client.Models.GetAsync();
        Assert.Equal(new[] { FixtureModels.Dcgan, FixtureModels.Encoder, FixtureModels.Translate }, list!.Models!.Select(m => m.Name ?? "").Order().ToArray());

        var png = FixtureModels.Png(24, 24);
        // Translate, multipart: the generated operation takes the parts.
        var form = new MultipartBody();
        form.AddOrReplacePart("image", "image/png", png, "image.png");
        Assert.Equal(Signature.Png, Signature.Of(await Bytes(await client.Translate[FixtureModels.Translate].PostAsync(form))));

        // Translate, raw image body; JPEG by Accept. Kiota sends one media type per operation (multipart here), so the raw
        // body goes through the generated request builder's request with the image as its content.
        var raw = client.Translate[FixtureModels.Translate].ToPostRequestInformation(form, c => c.Headers.Add("Accept", "image/jpeg"));
        raw.Headers.Remove("Content-Type");
        raw.SetStreamContent(new MemoryStream(png), "image/png");
        var problems = new Dictionary<string, Microsoft.Kiota.Abstractions.Serialization.ParsableFactory<Microsoft.Kiota.Abstractions.Serialization.IParsable>>
        {
            ["XXX"] = KiotaProblem.CreateFromDiscriminatorValue,
        };
        Assert.Equal(Signature.Jpeg, Signature.Of(await Bytes(await adapter.SendPrimitiveAsync<Stream>(raw, problems))));

        // Generate: WebP by Accept.
        var webp = await client.Generate.GetAsync(c =>
        {
            c.QueryParameters.Model = FixtureModels.Dcgan;
            c.QueryParameters.Seed = "7";
            c.Headers.Add("Accept", "image/webp");
        });
        Assert.Equal(Signature.Webp, Signature.Of(await Bytes(webp)));

        var strip = await client.Interpolate.GetAsync(c =>
        {
            c.QueryParameters.Model = FixtureModels.Dcgan;
            c.QueryParameters.From = "1";
            c.QueryParameters.To = "2";
            c.QueryParameters.Steps = "3";
        });
        Assert.Equal(Signature.Png, Signature.Of(await Bytes(strip)));

        var latent = await client.Encode[FixtureModels.Encoder].PostAsync(form);
        Assert.Equal(FixtureModels.Encoder, latent!.Model);
        Assert.Equal(FixtureModels.Z, latent.Latent!.Count);

        // Errors: problem+json parsed into the generated ProblemDetails, thrown as the operation declares.
        var unknown = await Assert.ThrowsAsync<KiotaProblem>(() => client.Generate.GetAsync(c => c.QueryParameters.Model = "no-such-model"));
        Assert.Equal(404, unknown.Status);
        Assert.Equal("Unknown model", unknown.Title);
        using var anonymousHttp = Http(live, key: null);
        var (anonymous, _) = Client(anonymousHttp, live);
        var refused = await Assert.ThrowsAsync<KiotaProblem>(() => anonymous.Models.GetAsync());
        Assert.Equal(401, refused.Status);
    }

    private static HttpClient Http(LiveApi live, string? key)
    {
        var http = new HttpClient { BaseAddress = live.Api.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) http.DefaultRequestHeaders.Add(ApiKeyMiddleware.HeaderName, key);
        return http;
    }

    private static (GanApiClient Client, HttpClientRequestAdapter Adapter) Client(HttpClient http, LiveApi live)
    {
        var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http)
        {
            BaseUrl = live.Api.BaseAddress.ToString().TrimEnd('/'),
        };
        return (new GanApiClient(adapter), adapter);
    }

    private static async Task<byte[]> Bytes(Stream? stream)
    {
        Assert.NotNull(stream);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static class Signature
    {
        public const string Png = "png", Jpeg = "jpeg", Webp = "webp";

        public static string Of(byte[]? bytes) => bytes switch
        {
            [0x89, 0x50, 0x4E, 0x47, ..] => Png,
            [0xFF, 0xD8, 0xFF, ..] => Jpeg,
            [0x52, 0x49, 0x46, 0x46, _, _, _, _, 0x57, 0x45, 0x42, 0x50, ..] => Webp,
            null => "no body",
            _ => $"unknown ({bytes.Length} bytes)",
        };
    }
}
