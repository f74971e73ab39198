using GanService.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace GanService.Tests.Deploy;

/// <summary>`GanService.Api --probe URL`, the images' healthcheck: exit 0 only for a 2xx answer.</summary>
public class GanProbeTests
{
    [Fact]
    public async Task Probe_exits_0_for_2xx_and_1_for_an_error_status_a_closed_port_or_a_bad_url()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/ready", () => Results.Ok());
        app.MapGet("/busy", () => Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        await app.StartAsync();
        var url = app.Urls.First();
        var report = new StringWriter();
        Assert.Equal(0, await GanProbe.RunAsync(url + "/ready", report));
        Assert.Equal(1, await GanProbe.RunAsync(url + "/busy", report));
        Assert.Contains("/busy: 503", report.ToString());
        await app.StopAsync();
        Assert.Equal(1, await GanProbe.RunAsync(url + "/ready", report));   // nothing listens any more
        Assert.Equal(1, await GanProbe.RunAsync("file:///etc/passwd", report));
        Assert.Equal(1, await GanProbe.RunAsync(null, report));
    }

    [Fact]
    public void Probe_flag_is_recognised_with_or_without_its_url()
    {
        Assert.True(GanProbe.Requested(["--probe", "http://127.0.0.1:8080/readyz"], out var url));
        Assert.Equal("http://127.0.0.1:8080/readyz", url);
        Assert.True(GanProbe.Requested(["--probe"], out url));
        Assert.Null(url);
        Assert.False(GanProbe.Requested(["--urls=http://+:8080"], out _));
    }
}
