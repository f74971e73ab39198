using System.Globalization;
using GanService.Inference;

namespace GanService.Api.Endpoints;

/// <summary>
/// A request's <see cref="StageTimings"/> as a <c>Server-Timing</c> header (W3C Server Timing: <c>decode;dur=1.234, …</c>,
/// milliseconds) and as <c>gan_stage_duration_seconds{model, stage}</c>. The header is written with the response head, so
/// it holds everything up to the encoded bytes; sending them is the HTTP time a client sees beyond it.
/// </summary>
public static class ServerTiming
{
    public const string Header = "Server-Timing";

    /// <summary>The time spent reading the request body (uploads only).</summary>
    public const string Read = "read";

    public static void Write(HttpContext context, string model, StageTimings timings)
    {
        if (timings.Stages.Count == 0) return;
        context.Response.Headers.Append(Header, string.Join(", ", timings.Stages.Select(s =>
            $"{s.Stage};dur={s.Elapsed.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)}")));
        foreach (var (stage, elapsed) in timings.Stages)
            GanMetrics.StageSeconds.WithLabels(model, stage).Observe(elapsed.TotalSeconds);
    }
}
