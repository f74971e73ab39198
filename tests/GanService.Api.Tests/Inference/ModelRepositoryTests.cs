using System.Net;
using System.Text.Json;
using GanService.Api.Inference;
using GanService.Api.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace GanService.Api.Tests.Inference;

public sealed class ModelRepositoryTests
{
    private static async Task<JsonElement> Models(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync("/models")).RootElement.GetProperty("models");

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Model_with_wrong_hash_is_reported_while_others_keep_serving()
    {
        var root = FixtureModels.CreateFolder(FixtureModels.Dcgan, FixtureModels.Cgan);
        var onnx = Path.Combine(root, "dcgan", "model.onnx");
        var bytes = File.ReadAllBytes(onnx);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(onnx, bytes);
        using var factory = new GanApiFactory(root);
        var client = factory.CreateClient();

        var dcgan = (await Models(client)).EnumerateArray().Single(m => m.GetProperty("name").GetString() == "dcgan");
        Assert.Equal("failed", dcgan.GetProperty("status").GetString());
        Assert.Contains("SHA-256", dcgan.GetProperty("reason").GetString());
        var ready = await client.GetStringAsync("/readyz");
        Assert.Contains("SHA-256", ready);
        await TestHttp.AssertProblem(await client.GetAsync("/generate?model=dcgan"), HttpStatusCode.NotFound, "failed to load: graph 'model': SHA-256");
        await TestHttp.AssertImage(await client.GetAsync("/generate?model=cgan&seed=1"));
        Assert.Equal("failed", JsonDocument.Parse(await client.GetStringAsync("/models/dcgan")).RootElement.GetProperty("summary").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Missing_model_file_and_broken_manifest_are_reported()
    {
        var root = FixtureModels.CreateFolder(FixtureModels.Dcgan, FixtureModels.Cgan, FixtureModels.Translate);
        File.Delete(Path.Combine(root, "dcgan", "model.onnx"));
        File.WriteAllText(Path.Combine(root, "cgan", "model.json"), "{ \"name\": ");
        using var factory = new GanApiFactory(root);
        var models = (await Models(factory.CreateClient())).EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Contains("missing", models["dcgan"].GetProperty("reason").GetString());
        Assert.Contains("not valid manifest JSON", models["cgan"].GetProperty("reason").GetString());
        Assert.Equal("ready", models["sketch"].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Manifest_that_disagrees_with_the_onnx_file_is_reported()
    {
        var root = FixtureModels.CreateFolder(FixtureModels.Dcgan);
        var path = Path.Combine(root, "dcgan", "model.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"z\"", "\"latent\""));
        using var factory = new GanApiFactory(root);
        var reason = (await Models(factory.CreateClient()))[0].GetProperty("reason").GetString();
        Assert.Contains("'latent' is not in the ONNX file", reason);
    }

    [Fact]
    public async Task Empty_models_folder_starts_live_but_not_ready_with_reason()
    {
        var root = FixtureModels.NewFolder();
        using var factory = new GanApiFactory(root);
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var ready = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("no model loaded", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/v2/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Adding_replacing_and_removing_a_model_takes_effect_without_restart()
    {
        var root = FixtureModels.CreateFolder(FixtureModels.Dcgan);
        using var factory = new GanApiFactory(root, new Dictionary<string, string?> { ["Gan:WatchDebounceMilliseconds"] = "100", ["Gan:RescanSeconds"] = "3600" });
        var client = factory.CreateClient();
        var before = await (await client.GetAsync("/generate?model=dcgan&seed=1")).Content.ReadAsByteArrayAsync();

        // Add: build elsewhere, move in (what a deploy script does).
        var staging = FixtureModels.CreateFolder(FixtureModels.Cgan);
        Directory.Move(Path.Combine(staging, "cgan"), Path.Combine(root, "cgan"));
        await Eventually(async () => (await client.GetAsync("/generate?model=cgan")).StatusCode == HttpStatusCode.OK, "cgan is served");

        // Replace: remove dcgan, then put a different model under the same name (a translate model this time).
        var replacement = FixtureModels.CreateFolder(FixtureModels.Translate);
        Directory.Delete(Path.Combine(root, "dcgan"), true);
        await Eventually(async () => (await client.GetAsync("/generate?model=dcgan")).StatusCode == HttpStatusCode.NotFound, "dcgan is removed");
        var sketch = Path.Combine(replacement, "sketch");
        File.WriteAllText(Path.Combine(sketch, "model.json"), File.ReadAllText(Path.Combine(sketch, "model.json")).Replace("\"name\": \"sketch\"", "\"name\": \"dcgan\""));
        Directory.Move(sketch, Path.Combine(root, "dcgan"));
        await Eventually(async () => (await client.GetAsync("/models/dcgan")).Content.ReadAsStringAsync().Result.Contains("\"translate\""), "dcgan is replaced");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/translate/dcgan", TestHttp.Multipart(FixtureModels.Png(8, 8)))).StatusCode);
        Assert.NotEmpty(before);
    }

    [Fact]
    public async Task Rescan_picks_up_changes_even_without_watcher_events()
    {
        var root = FixtureModels.CreateFolder(FixtureModels.Dcgan);
        using var factory = new GanApiFactory(root, new Dictionary<string, string?> { ["Gan:WatchDebounceMilliseconds"] = "60000" });
        var client = factory.CreateClient();
        FixtureModels.Write(root, FixtureModels.Cgan);
        await factory.Services.GetRequiredService<ModelRepository>().RescanAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/generate?model=cgan")).StatusCode);
    }

    [Fact]
    public void Relative_models_path_walks_up_to_the_folder_next_to_the_solution()
    {
        var repo = FixtureModels.NewFolder();
        var contentRoot = Path.Combine(repo, "src", "GanService.Api");
        Directory.CreateDirectory(contentRoot);
        Directory.CreateDirectory(Path.Combine(repo, "models"));
        File.WriteAllText(Path.Combine(repo, "GanService.sln"), "");
        Assert.Equal(Path.Combine(repo, "models"), ModelRepository.ResolveRoot("models", contentRoot));
        Directory.CreateDirectory(Path.Combine(contentRoot, "models"));
        Assert.Equal(Path.Combine(contentRoot, "models"), ModelRepository.ResolveRoot("models", contentRoot));
        Assert.Equal("/abs/models", ModelRepository.ResolveRoot("/abs/models", contentRoot));
    }
}
