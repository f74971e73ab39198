using System.Net;
using System.Text.Json;
using GanService.Api.Hosting;
using GanService.Api.Tests.Fixtures;
using GanService.Inference;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Api.Tests.Endpoints;

/// <summary>Issue 16: warm-up before readiness, per-stage timing, the PNG compression setting, the CUDA settings.</summary>
public sealed class ServingSpeedTests
{
    private static JsonElement Warmup(HttpClient client, string model) =>
        JsonDocument.Parse(client.GetStringAsync($"/models/{model}").Result).RootElement.GetProperty("warmup");

    [Fact]
    public async Task Readyz_says_ready_only_once_every_graph_ran_at_every_warmup_batch_size()
    {
        using var factory = new GanApiFactory(FixtureModels.CreateFolder(), new Dictionary<string, string?> { ["Gan:WarmupMaxBatch"] = "3" });
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        foreach (var name in FixtureModels.All)
        {
            var manifest = JsonDocument.Parse(await client.GetStringAsync($"/models/{name}")).RootElement.GetProperty("manifest");
            var roles = manifest.GetProperty("graphs").EnumerateArray().Select(g => g.GetProperty("role").GetString()).Order().ToArray();
            var warmup = Warmup(client, name);
            var graphs = warmup.GetProperty("graphs").EnumerateArray().ToArray();
            Assert.Equal(roles, graphs.Select(g => g.GetProperty("role").GetString()).Order().ToArray());
            // Translation serves batch 1 only; generators take every count, here bounded by Gan:WarmupMaxBatch.
            int[] expected = manifest.GetProperty("task").GetString() == "translate" ? [1] : [1, 2, 3];
            foreach (var g in graphs)
            {
                Assert.Equal(expected, g.GetProperty("batchSizes").EnumerateArray().Select(b => b.GetInt32()).ToArray());
                Assert.True(g.GetProperty("firstRunMilliseconds").GetDouble() > 0, $"{name}/{g.GetProperty("role")} ran");
            }
            Assert.True(warmup.GetProperty("pipelineMilliseconds").GetDouble() > 0);
        }
    }

    [Fact]
    public async Task A_batch_that_fails_in_warmup_ends_the_warmup_but_the_model_serves_smaller_batches()
    {
        using var factory = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.BatchOfOne), new Dictionary<string, string?> { ["Gan:WarmupMaxBatch"] = "4" });
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        var graph = Warmup(client, FixtureModels.BatchOfOne).GetProperty("graphs")[0];
        Assert.Equal([1], graph.GetProperty("batchSizes").EnumerateArray().Select(b => b.GetInt32()));
        Assert.StartsWith("batch 2 failed", graph.GetProperty("stopped").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/generate?model={FixtureModels.BatchOfOne}&seed=3")).StatusCode);

        // The CPU default (batch 1) loads it too: the pipeline pass does not try a batch the graphs did not run.
        using var byDefault = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.BatchOfOne));
        Assert.Equal(HttpStatusCode.OK, (await byDefault.CreateClient().GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task Warmup_max_batch_0_serves_models_without_warming_them()
    {
        using var factory = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Dcgan), new Dictionary<string, string?> { ["Gan:WarmupMaxBatch"] = "0" });
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(JsonValueKind.Null, Warmup(client, FixtureModels.Dcgan).ValueKind);
    }

    [Fact]
    public async Task Default_warmup_on_cpu_is_batch_1()
    {
        using var factory = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Dcgan));
        var client = factory.CreateClient();
        var graph = Warmup(client, FixtureModels.Dcgan).GetProperty("graphs")[0];
        Assert.Equal([1], graph.GetProperty("batchSizes").EnumerateArray().Select(b => b.GetInt32()));
    }

    private static readonly string[] TranslateStages = ["read", "decode", "resize", "normalise", "inference", "denormalise", "encode"];

    private static Dictionary<string, double> ServerTiming(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("Server-Timing", out var values), "Server-Timing header present");
        return string.Join(",", values).Split(',').Select(p => p.Trim().Split(";dur="))
            .ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The count of a stage histogram series (metrics are process-wide: other tests' requests add to it too).</summary>
    private static async Task<double> StageCount(HttpClient client, string model, string stage)
    {
        var prefix = $"gan_stage_duration_seconds_count{{model=\"{model}\",stage=\"{stage}\"}} ";
        var line = (await client.GetStringAsync("/metrics")).Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Translate_and_generate_send_server_timing_per_stage_and_count_it_in_metrics()
    {
        using var factory = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Translate, FixtureModels.StyleGan));
        var client = factory.CreateClient();
        var before = new Dictionary<string, double>();
        foreach (var stage in TranslateStages) before[stage] = await StageCount(client, "sketch", stage);

        var translated = await client.PostAsync("/translate/sketch", TestHttp.Multipart(FixtureModels.Png(40, 24)));
        Assert.Equal(HttpStatusCode.OK, translated.StatusCode);
        var stages = ServerTiming(translated);
        Assert.Equal(TranslateStages, stages.Keys);
        Assert.All(stages.Values, ms => Assert.True(ms >= 0));
        Assert.True(stages["inference"] > 0 && stages["decode"] > 0 && stages["encode"] > 0);

        // StyleGAN runs two graphs (mapping, synthesis): one inference stage holds both.
        var generated = await client.GetAsync("/generate?model=stylegan&seed=3&count=4");
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        Assert.Equal(["inference", "denormalise", "encode"], ServerTiming(generated).Keys);

        foreach (var stage in TranslateStages)
            Assert.True(await StageCount(client, "sketch", stage) >= before[stage] + 1, $"stage {stage} observed");
        Assert.True(await StageCount(client, "stylegan", "encode") >= 1);
    }

    [Fact]
    public async Task Png_compression_level_changes_the_bytes_and_etag_but_not_the_pixels()
    {
        var folder = FixtureModels.CreateFolder(FixtureModels.Dcgan);
        using var fast = new GanApiFactory(folder);
        using var best = new GanApiFactory(folder, new Dictionary<string, string?> { ["Gan:PngCompressionLevel"] = "9" });
        const string query = "/generate?model=dcgan&seed=11&count=16";
        var a = await fast.CreateClient().GetAsync(query);
        var b = await best.CreateClient().GetAsync(query);
        byte[] fastBytes = await a.Content.ReadAsByteArrayAsync(), bestBytes = await b.Content.ReadAsByteArrayAsync();

        Assert.NotEqual(fastBytes, bestBytes);
        Assert.True(bestBytes.Length < fastBytes.Length, $"level 9 ({bestBytes.Length} B) is smaller than the default level {ImageGrid.DefaultPngCompressionLevel} ({fastBytes.Length} B)");
        Assert.NotEqual(a.Headers.ETag, b.Headers.ETag);
        using Image<Rgb24> x = Image.Load<Rgb24>(fastBytes), y = Image.Load<Rgb24>(bestBytes);
        Assert.Equal(TestHttp.Pixels(x), TestHttp.Pixels(y));
    }

    [Theory]
    [InlineData("Gan:PngCompressionLevel", "10")]
    [InlineData("Gan:Cuda:ConvAlgoSearch", "fastest")]
    [InlineData("Gan:WarmupMaxBatch", "-1")]
    [InlineData("Gan:Batching:MaxBatch", "0")]
    [InlineData("Gan:Batching:MaxDelayMilliseconds", "-1")]
    public void Out_of_range_speed_settings_are_refused_by_the_options_validation(string key, string value)
    {
        // The validation the host runs at start (ValidateOnStart), resolved directly: a failing host start surfaces its
        // exception through WebApplicationFactory in more than one shape.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddGanInference(configuration);
        using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GanOptions>>().Value);
        Assert.Contains(key.Split(':')[^1], e.Message);
    }

    [Fact]
    public void Cuda_settings_reach_the_session_factory_as_ort_provider_options()
    {
        using var factory = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Dcgan), new Dictionary<string, string?>
        {
            ["Gan:Cuda:ConvAlgoSearch"] = "exhaustive", ["Gan:Cuda:UseTf32"] = "false",
        });
        factory.CreateClient();
        var options = factory.Services.GetRequiredService<IOptions<GanOptions>>().Value.Cuda.Settings.ProviderOptions();
        Assert.Equal("EXHAUSTIVE", options["cudnn_conv_algo_search"]);
        Assert.Equal("0", options["use_tf32"]);
        Assert.Equal("0", options["device_id"]);

        // The defaults, reasoned in CudaSettings: heuristic search (warm-up pays every shape), TF32 as ORT has it.
        var defaults = new CudaSettings().ProviderOptions();
        Assert.Equal("HEURISTIC", defaults["cudnn_conv_algo_search"]);
        Assert.Equal("1", defaults["use_tf32"]);
        Assert.Throws<ArgumentException>(() => new CudaSettings("fastest").ProviderOptions());
    }
}
