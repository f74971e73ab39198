using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace GanService.Fuzzing;

/// <param name="Deadline">A response slower than this counts as a hang (the request is also abandoned at 2 × this).</param>
/// <param name="Parallelism">Requests in flight at once.</param>
/// <param name="SettleTime">Quiet time after the run before RSS is measured again: pools trim on timers (Kestrel's
/// memory pool, timers of finished requests), so "back within 10 %" is measured once the service is idle.</param>
public sealed record FuzzSettings(TimeSpan Deadline, int Parallelism = 2, TimeSpan SettleTime = default);

/// <summary>What one case got: the status (0 when no response came in time), the time it took, whether a 4xx was
/// problem+json.</summary>
public sealed record FuzzResult(FuzzCase Case, int Status, TimeSpan Elapsed, bool ProblemJson, string? Failure)
{
    public bool Acceptable => Failure is null;
}

public sealed record FuzzReport(IReadOnlyList<FuzzResult> Results, long RssBeforeBytes, long RssAfterBytes, TimeSpan Wall, TimeSpan Deadline)
{
    /// <summary>Live managed heap before and after (to tell managed from native growth).</summary>
    public (long Before, long After) ManagedCommitted { get; init; }

    public int ServerErrors => Results.Count(r => r.Status >= 500);
    public int Hangs => Results.Count(r => r.Status == 0 || r.Elapsed > Deadline);
    public IEnumerable<FuzzResult> Failures => Results.Where(r => !r.Acceptable);
    public double RssGrowth => RssBeforeBytes > 0 ? (double)(RssAfterBytes - RssBeforeBytes) / RssBeforeBytes : 0;

    /// <summary>Markdown: one row per category with the count of each status, the slowest response and failures, then
    /// totals and RSS.</summary>
    public string Table()
    {
        var statuses = Results.Select(r => r.Status).Distinct().Order().ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"| category | cases | {string.Join(" | ", statuses.Select(s => s == 0 ? "no answer" : s.ToString(CultureInfo.InvariantCulture)))} | max latency | failures |");
        sb.AppendLine($"|---|---:|{string.Concat(statuses.Select(_ => "---:|"))}---:|---:|");
        foreach (var group in Results.GroupBy(r => r.Case.Category).Append(Results.GroupBy(_ => "**all**").Single()))
            sb.AppendLine($"| {group.Key} | {group.Count()} | {string.Join(" | ", statuses.Select(s => group.Count(r => r.Status == s)))} | " +
                          $"{group.Max(r => r.Elapsed).TotalMilliseconds:F0} ms | {group.Count(r => !r.Acceptable)} |");
        sb.AppendLine();
        sb.AppendLine($"{Results.Count} cases in {Wall.TotalSeconds:F1} s · 5xx: {ServerErrors} · hangs (no answer within {Deadline.TotalSeconds:F0} s): {Hangs} · " +
                      $"RSS {Mb(RssBeforeBytes)} before, {Mb(RssAfterBytes)} after ({RssGrowth:+0.0%;-0.0%}; managed heap {Mb(ManagedCommitted.Before)} → {Mb(ManagedCommitted.After)})");
        return sb.ToString();
    }

    private static string Mb(long bytes) => bytes > 0 ? $"{bytes / (1024.0 * 1024):F0} MiB" : "n/a";
}

/// <summary>
/// Posts each case as a raw body to <c>POST /translate/{model}</c> of a running API and classifies the answer. Acceptable:
/// 200 with an image, or a 4xx whose body is application/problem+json, within the deadline. Anything else — a 5xx, a 4xx
/// without problem+json, no answer — is a failure with its reason.
/// </summary>
public static class FuzzRunner
{
    public static async Task<FuzzReport> RunAsync(HttpClient http, string model, IReadOnlyList<FuzzCase> cases, FuzzSettings settings,
        Func<long>? residentBytes = null, CancellationToken cancellation = default)
    {
        // Warm up on the valid seeds, as parallel as the run, so that JIT, pools and per-thread native heaps (ORT,
        // ImageSharp, malloc arenas) reach their working size before the baseline is taken.
        var warmUp = Enumerable.Repeat(HostileImages.Seeds().ToList(), 4).SelectMany(s => s).ToList();
        await Parallel.ForEachAsync(warmUp, new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = cancellation },
            async (seed, ct) => await PostAsync(http, model, seed, settings, ct));
        long before = Settle(residentBytes);
        long managedBefore = GC.GetGCMemoryInfo().HeapSizeBytes;
        var clock = Stopwatch.StartNew();
        var results = new FuzzResult[cases.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, cases.Count), new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = cancellation },
            async (i, ct) => results[i] = await PostAsync(http, model, cases[i], settings, ct));
        var wall = clock.Elapsed;
        if (residentBytes is not null) await Task.Delay(settings.SettleTime, cancellation);
        long after = Settle(residentBytes);
        return new FuzzReport(results, before, after, wall, settings.Deadline) { ManagedCommitted = (managedBefore, GC.GetGCMemoryInfo().HeapSizeBytes) };
    }

    /// <summary>Resident set after a full, compacting collection (0 when not measured).</summary>
    private static long Settle(Func<long>? residentBytes)
    {
        if (residentBytes is null) return 0;
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return residentBytes();
    }

    /// <summary>The resident set of this process (Linux: VmRSS; elsewhere the working set).</summary>
    public static long CurrentProcessRss()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }

    private static async Task<FuzzResult> PostAsync(HttpClient http, string model, FuzzCase c, FuzzSettings settings, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(settings.Deadline * 2);
        var clock = Stopwatch.StartNew();
        try
        {
            using var content = new ByteArrayContent(c.Bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(c.MediaType);
            using var response = await http.PostAsync($"translate/{Uri.EscapeDataString(model)}", content, timeout.Token);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            var elapsed = clock.Elapsed;
            int status = (int)response.StatusCode;
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            bool problem = mediaType == "application/problem+json";
            string? failure = status switch
            {
                200 when mediaType?.StartsWith("image/", StringComparison.Ordinal) == true && body.Length > 0 => null,
                200 => $"200 without an image ({mediaType})",
                >= 400 and < 500 when problem => null,
                >= 400 and < 500 => $"{status} without problem+json ({mediaType})",
                _ => $"{status}: {Shorten(Encoding.UTF8.GetString(body))}",
            };
            if (failure is null && elapsed > settings.Deadline) failure = $"answered {status} after {elapsed.TotalMilliseconds:F0} ms, past the {settings.Deadline.TotalMilliseconds:F0} ms deadline";
            return new FuzzResult(c, status, elapsed, problem, failure);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new FuzzResult(c, 0, clock.Elapsed, false, $"no answer within {(settings.Deadline * 2).TotalSeconds:F0} s");
        }
        catch (HttpRequestException e)
        {
            return new FuzzResult(c, 0, clock.Elapsed, false, $"connection failed: {e.Message}");
        }
    }

    private static string Shorten(string s) => s.Length <= 200 ? s : s[..200] + "…";
}
