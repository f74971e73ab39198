using System.Net;
using System.Net.Sockets;
using System.Text;
using GanService.Api.Tests.Fixtures;

namespace GanService.Api.Tests.Endpoints;

/// <summary>Network faults over real Kestrel (issue 10, "Why" 3): they are the client's doing, never a 500.</summary>
public sealed class ClientFaultTests : IDisposable
{
    private readonly KestrelApi _api = new(FixtureModels.CreateFolder(FixtureModels.Translate));

    public void Dispose() => _api.Dispose();

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, _api.BaseAddress.Port);
        return socket;
    }

    private static byte[] Head(long contentLength) => Encoding.ASCII.GetBytes(
        $"POST /translate/sketch HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nContent-Length: {contentLength}\r\n\r\n");

    [Fact]
    public async Task Stalled_body_is_answered_408_problem()
    {
        // Kestrel's minimum body rate (240 B/s after a 5 s grace period) trips on a body that stops after 10 bytes.
        using var socket = await ConnectAsync();
        await socket.SendAsync(Head(5_000_000));
        await socket.SendAsync(new byte[10]);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int read;
        while ((read = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, read);
            if (Encoding.ASCII.GetString(received.ToArray()).Contains("}")) break;
        }
        var response = Encoding.ASCII.GetString(received.ToArray());
        Assert.StartsWith("HTTP/1.1 408", response);
        Assert.Contains("application/problem+json", response);
    }

    [Fact]
    public async Task Client_that_disconnects_mid_body_is_counted_as_aborted_not_500()
    {
        using var http = new HttpClient { BaseAddress = _api.BaseAddress };
        const string failed = "gan_requests_total{model=\"sketch\",endpoint=\"translate\",code=\"500\"}";
        const string aborted = "gan_requests_total{model=\"sketch\",endpoint=\"translate\",code=\"499\"}";
        double failedBefore = await TestMetrics.Value(http, failed), abortedBefore = await TestMetrics.Value(http, aborted);
        using (var socket = await ConnectAsync())
        {
            await socket.SendAsync(Head(1_000_000));
            await socket.SendAsync(new byte[50_000]);
            await Task.Delay(200);
            socket.Close(0); // RST: the client is gone mid-body
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await TestMetrics.Value(http, aborted) == abortedBefore && DateTime.UtcNow < deadline) await Task.Delay(50);
        var series = string.Join("\n", (await http.GetStringAsync("/metrics")).Split('\n').Where(l => l.StartsWith("gan_requests_total{model=\"sketch\"", StringComparison.Ordinal)));
        Assert.True(abortedBefore + 1 == await TestMetrics.Value(http, aborted), series);
        Assert.Equal(failedBefore, await TestMetrics.Value(http, failed));
    }
}
