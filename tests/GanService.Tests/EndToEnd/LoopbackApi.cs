using GanService.Api.Hosting;
using Microsoft.AspNetCore.Builder;

namespace GanService.Tests.EndToEnd;

/// <summary>
/// The API as Program.cs builds it (<see cref="GanApi.Build"/>), on a free loopback port, over a models folder — as
/// the bench hosts it. The end-to-end tests live here rather than in the API tests because they need TorchSharp
/// (the exporter, the CLI), which the API tests do not reference.
/// </summary>
public sealed class LoopbackApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackApi(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public static async Task<LoopbackApi> StartAsync(string modelsPath)
    {
        var app = GanApi.Build([$"--Gan:ModelsPath={Path.GetFullPath(modelsPath)}", "--Gan:Device=cpu", "--urls=http://127.0.0.1:0",
            "--environment=Testing", "--Serilog:MinimumLevel:Default=Warning"]);
        await app.StartAsync();
        return new LoopbackApi(app, new HttpClient { BaseAddress = new Uri(app.Urls.First() + "/"), Timeout = TimeSpan.FromMinutes(1) });
    }

    /// <summary>The response body of a GET that must succeed (the body is in the failure message otherwise).</summary>
    public async Task<byte[]> GetBytes(string pathAndQuery)
    {
        using var response = await Client.GetAsync(pathAndQuery);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {pathAndQuery}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(bytes)}");
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }
}
