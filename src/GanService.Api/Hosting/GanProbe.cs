namespace GanService.Api.Hosting;

/// <summary>
/// <c>GanService.Api --probe URL</c>: one GET, exit 0 on a 2xx answer and 1 otherwise (Docker's HEALTHCHECK contract).
/// The container images have no curl or wget, so the service binary is its own healthcheck; it returns before any host
/// is built, so a probe loads no model and opens no port.
/// </summary>
public static class GanProbe
{
    public const string Flag = "--probe";

    /// <summary>Shorter than the images' HEALTHCHECK timeout (5 s), so a hung service is reported by the probe itself.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>True when the arguments ask for a probe; <paramref name="url"/> is what follows the flag (null when missing).</summary>
    public static bool Requested(string[] args, out string? url)
    {
        int i = Array.IndexOf(args, Flag);
        url = i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        return i >= 0;
    }

    public static async Task<int> RunAsync(string? url, TextWriter report, TimeSpan? timeout = null)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            report.WriteLine($"usage: {Flag} http://127.0.0.1:8080/readyz (got '{url}')");
            return 1;
        }
        using var http = new HttpClient { Timeout = timeout ?? Timeout };
        try
        {
            using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead);
            report.WriteLine($"{uri.AbsolutePath}: {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            report.WriteLine($"{uri.AbsolutePath}: {e.Message}");
            return 1;
        }
    }
}
