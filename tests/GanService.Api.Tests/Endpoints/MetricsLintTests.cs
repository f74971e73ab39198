using System.Diagnostics;
using GanService.Api.Auth;
using GanService.Api.Tests.Fixtures;

namespace GanService.Api.Tests.Endpoints;

/// <summary>Our Prometheus series pass <c>promtool check metrics</c> (Debian's prometheus package; CI installs it).</summary>
public sealed class MetricsLintTests
{
    public const string Promtool = "/usr/bin/promtool";

    /// <summary>What promtool flags in the series prometheus-net adds on its own, not ours to rename: its adapters export
    /// .NET's event counters and meters under their .NET names (system_runtime_…_count gauges, system_net_http_…_current_total
    /// gauges once an HttpClient ran in the process, microsoft_aspnetcore_…) and its own prometheus_net_… gauge.</summary>
    private static readonly string[] PrometheusNetOwn = ["system_", "microsoft_", "prometheus_net_"];

    [PromtoolFact]
    public async Task Our_metrics_pass_promtool_check_metrics()
    {
        const string key = "metrics-2c8d-key";
        using var api = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Dcgan), new Dictionary<string, string?>
        {
            ["Gan:Auth:Keys:0:Name"] = "metrics",
            ["Gan:Auth:Keys:0:Sha256"] = ApiKeys.Hash(key),
        });
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Add(ApiKeyMiddleware.HeaderName, key);
        // Every family of ours gets samples: a generation (requests, stages, inference) and a refused key.
        Assert.True((await client.GetAsync($"/generate?model={FixtureModels.Dcgan}&seed=1")).IsSuccessStatusCode);
        using var anonymous = api.CreateClient();
        await anonymous.GetAsync("/models");
        var metrics = await client.GetStringAsync("/metrics");
        foreach (var family in new[] { "gan_requests_total", "gan_stage_duration_seconds", "gan_inference_duration_seconds", "gan_api_key_requests_total", "gan_models_loaded" })
            Assert.Contains($"# TYPE {family} ", metrics);

        var start = new ProcessStartInfo(Promtool, "check metrics") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var promtool = Process.Start(start)!;
        await promtool.StandardInput.WriteAsync(metrics);
        promtool.StandardInput.Close();
        var output = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();

        var problems = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var ours = problems.Where(p => !PrometheusNetOwn.Any(p.StartsWith)).ToList();
        Assert.True(ours.Count == 0, "promtool check metrics: " + string.Join("\n", ours));
        // promtool fails only for the filtered lines (exit 3 = lint problems), never for a parse error (exit 1).
        Assert.True(promtool.ExitCode == 0 || (promtool.ExitCode == 3 && problems.Count > 0), $"promtool exit {promtool.ExitCode}: {output}");
    }
}

/// <summary>Runs only where promtool is installed (apt-get install prometheus; CI does); skips with a message elsewhere, never under CI.</summary>
public sealed class PromtoolFactAttribute : FactAttribute
{
    public PromtoolFactAttribute()
    {
        Skip = GanService.TestSupport.Prerequisite.SkipUnless(File.Exists(MetricsLintTests.Promtool), $"{MetricsLintTests.Promtool} is not installed (apt-get install -y prometheus)");
    }
}
