using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using GanService.Api.Hosting;
using GanService.Contracts;
using GanService.Fuzzing;
using GanService.Training.Export;
using GanService.Training.Families.Pix2Pix;
using Microsoft.AspNetCore.Builder;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Bench;

/// <summary>
/// The service under load: the API in-process on a free loopback port (CPU, default limiter), serving the shipped
/// U-Net translator and two reference U-Nets packaged at random init into a temporary models folder; a C# client
/// posts a PNG of the model's size from 1, 2, 4 and 8 connections, then 10,000 requests measure RSS growth.
/// </summary>
public static class ServiceLoad
{
    private sealed record LoadCase(string Name, string Model, int Size, int RequestsPerLevel);

    public static readonly int[] ClientCounts = [1, 2, 4, 8];
    private const string ShippedTranslator = "shapes2color-pix2pix";

    public static async Task<(IReadOnlyList<LoadRow> Rows, RssResult Rss)> RunAsync(string models, double scale, int rssRequests)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"gan-bench-models-{Environment.ProcessId}");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        WebApplication? app = null;
        try
        {
            var cases = new List<LoadCase>();
            if (Directory.Exists(Path.Combine(models, ShippedTranslator)))
            {
                CopyDirectory(Path.Combine(models, ShippedTranslator), Path.Combine(dir, ShippedTranslator));
                cases.Add(new LoadCase($"{ShippedTranslator} (shipped)", ShippedTranslator, 64, Scaled(400, scale)));
            }
            cases.Add(Package(dir, ResultsMarkdown.Case64, "unet64", 64, Scaled(150, scale)));
            cases.Add(Package(dir, ResultsMarkdown.Case256, "unet256", 256, Scaled(40, scale)));

            app = GanApi.Build([$"--Gan:ModelsPath={dir}", "--Gan:Device=cpu", "--urls=http://127.0.0.1:0",
                "--environment=Production", "--Serilog:MinimumLevel:Default=Warning"]);
            await app.StartAsync();
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 })
            {
                BaseAddress = new Uri(app.Urls.First() + "/"), Timeout = TimeSpan.FromMinutes(2),
            };
            await WaitReadyAsync(http);

            var rows = new List<LoadRow>();
            foreach (var c in cases)
            {
                var png = TestImage(c.Size);
                await RunLevelAsync(http, c.Model, png, 3, 1); // warm: connection, first decode/encode
                foreach (int clients in ClientCounts)
                {
                    var (samples, wall) = await RunLevelAsync(http, c.Model, png, c.RequestsPerLevel, clients);
                    var row = Summarise(c.Name, $"{c.Size}²", clients, samples, wall);
                    rows.Add(row);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load {c.Name} ×{clients}: {row.RequestsPerSecond:F1} req/s, p50 {row.P50Ms:F1} ms, outside {row.OutsideShare:P1}"));
                }
            }

            var rssCase = cases[0];
            var rssPng = TestImage(rssCase.Size);
            long before = Rss();
            var (rssSamples, _) = await RunLevelAsync(http, rssCase.Model, rssPng, rssRequests, 4);
            long after = Rss();
            var rss = new RssResult(rssCase.Name, rssRequests, 4, before, after, rssSamples.Count(s => s.Status != 200));
            Console.WriteLine($"rss: {before / 1048576} → {after / 1048576} MiB over {rssRequests} requests");
            return (rows, rss);
        }
        finally
        {
            if (app is not null) await app.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int Scaled(int requests, double scale) => Math.Max(ClientCounts.Max(), (int)Math.Round(requests * scale));

    private static LoadCase Package(string dir, string name, string model, int size, int requests)
    {
        var (draft, graphs) = new UnetExportFamily().BuildExport(model, null,
            new Dictionary<string, string> { ["size"] = size.ToString(CultureInfo.InvariantCulture), ["ngf"] = "64" });
        ModelPackage.Write(Path.Combine(dir, model), draft, graphs);
        return new LoadCase($"{name} (ngf 64, random init)", model, size, requests);
    }

    private static long Rss()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return FuzzRunner.CurrentProcessRss();
    }

    /// <summary>One request's client latency, status and server stage durations (ms, from Server-Timing).</summary>
    public sealed record Sample(int Status, double LatencyMs, IReadOnlyDictionary<string, double> Stages);

    private static async Task<(List<Sample> Samples, double WallSeconds)> RunLevelAsync(HttpClient http, string model, byte[] png, int requests, int clients)
    {
        var samples = new List<Sample>(requests);
        int next = 0;
        var clock = Stopwatch.StartNew();
        async Task Client()
        {
            while (Interlocked.Increment(ref next) <= requests)
            {
                var sw = Stopwatch.StartNew();
                using var content = new ByteArrayContent(png);
                content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                using var response = await http.PostAsync($"translate/{model}", content);
                await response.Content.ReadAsByteArrayAsync();
                double ms = sw.Elapsed.TotalMilliseconds;
                var stages = response.Headers.TryGetValues("Server-Timing", out var values)
                    ? ParseServerTiming(string.Join(", ", values)) : new Dictionary<string, double>();
                lock (samples) samples.Add(new Sample((int)response.StatusCode, ms, stages));
            }
        }
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(Client)));
        return (samples, clock.Elapsed.TotalSeconds);
    }

    /// <summary>"decode;dur=1.2, inference;dur=30" → stage → ms.</summary>
    public static Dictionary<string, double> ParseServerTiming(string header)
    {
        var stages = new Dictionary<string, double>();
        foreach (var part in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = part.Split(';', StringSplitOptions.TrimEntries);
            var dur = fields.Skip(1).FirstOrDefault(f => f.StartsWith("dur=", StringComparison.Ordinal));
            if (dur is not null && double.TryParse(dur[4..], NumberStyles.Float, CultureInfo.InvariantCulture, out double ms))
                stages[fields[0]] = stages.GetValueOrDefault(fields[0]) + ms;
        }
        return stages;
    }

    /// <summary>Throughput, percentiles, 429 share and outside-inference share of one level's samples.</summary>
    public static LoadRow Summarise(string name, string size, int clients, IReadOnlyList<Sample> samples, double wallSeconds)
    {
        var ok = samples.Where(s => s.Status == 200).ToList();
        var latencies = ok.Select(s => s.LatencyMs).ToList();
        double inference = ok.Sum(s => s.Stages.GetValueOrDefault("inference"));
        double total = latencies.Sum();
        var stageNames = ok.SelectMany(s => s.Stages.Keys).Distinct().ToList();
        var medians = stageNames.ToDictionary(k => k, k => Timing.Median(ok.Select(s => s.Stages.GetValueOrDefault(k)).ToList()));
        return new LoadRow(name, size, clients, samples.Count, ok.Count / wallSeconds,
            Timing.Percentile(latencies, 50), Timing.Percentile(latencies, 95), Timing.Percentile(latencies, 99),
            samples.Count(s => s.Status == (int)HttpStatusCode.TooManyRequests) / (double)samples.Count,
            total > 0 ? 1 - inference / total : double.NaN, ok.Count > 0 ? inference / ok.Count : double.NaN, medians);
    }

    internal static async Task WaitReadyAsync(HttpClient http)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            try
            {
                using var r = await http.GetAsync("readyz");
                if (r.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException("the in-process API did not get ready within 5 minutes");
    }

    /// <summary>A deterministic photo-like RGB PNG: smooth gradients plus seeded noise (compresses like a photo, not like
    /// a flat test card).</summary>
    public static byte[] TestImage(int size, int seed = 1)
    {
        var rng = new Random(seed);
        using var image = new Image<Rgb24>(size, size);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double u = (double)x / size, v = (double)y / size;
                byte C(double value) => (byte)Math.Clamp(value * 255 + rng.Next(-12, 13), 0, 255);
                image[x, y] = new Rgb24(C(0.5 + 0.4 * Math.Sin(6 * u + 2 * v)), C(v), C(0.5 + 0.4 * Math.Cos(5 * v - 3 * u)));
            }
        return ImageCodec.Encode(image);
    }

    internal static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
