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

    [Fact]
    public async Task Failure_reasons_name_the_folder_relative_to_the_models_path_never_the_absolute_path()
    {
        var root = FixtureModels.CreateFolder(FixtureModels.Dcgan, FixtureModels.Cgan);
        File.WriteAllText(Path.Combine(root, "cgan", "model.json"), "{ \"name\": ");
        Directory.CreateDirectory(Path.Combine(root, "empty"));
        File.WriteAllText(Path.Combine(root, "empty", "model.json"), "{}");
        using var factory = new GanApiFactory(root);
        var client = factory.CreateClient();
        foreach (var url in new[] { "/models", "/models/cgan", "/readyz", "/generate?model=cgan" })
        {
            var body = await (await client.GetAsync(url)).Content.ReadAsStringAsync();
            Assert.DoesNotContain(root, body);
            Assert.DoesNotContain(Path.GetFileName(root), body);
        }
        Assert.Contains("cgan/model.json", await client.GetStringAsync("/models"));
    }

    [Fact]
    public async Task Models_folder_deleted_and_created_again_is_followed_by_the_watcher()
    {
        var root = FixtureModels.CreateFolder(FixtureModels.Dcgan);
        using var factory = new GanApiFactory(root, new Dictionary<string, string?> { ["Gan:WatchDebounceMilliseconds"] = "100", ["Gan:RescanSeconds"] = "3600" });
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/generate?model=dcgan")).StatusCode);

        Directory.Delete(root, recursive: true);
        await Eventually(async () => (await client.GetAsync("/generate?model=dcgan")).StatusCode == HttpStatusCode.NotFound, "dcgan is gone with its folder");
        Directory.CreateDirectory(root);
        FixtureModels.Write(root, FixtureModels.Cgan);
        await Eventually(async () => (await client.GetAsync("/generate?model=cgan")).StatusCode == HttpStatusCode.OK, "cgan in the new folder is served");
        // The watcher now watches the new folder: a model added inside it is seen too.
        FixtureModels.Write(root, FixtureModels.Dcgan);
        await Eventually(async () => (await client.GetAsync("/generate?model=dcgan")).StatusCode == HttpStatusCode.OK, "dcgan added to the new folder is served");
    }

    [Fact]
    public async Task Models_folder_renamed_over_by_a_new_one_is_followed_by_the_watcher()
    {
        var root = FixtureModels.CreateFolder(FixtureModels.Dcgan);
        using var factory = new GanApiFactory(root, new Dictionary<string, string?> { ["Gan:WatchDebounceMilliseconds"] = "100", ["Gan:RescanSeconds"] = "3600" });
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/generate?model=dcgan")).StatusCode);

        var staging = root + ".new";
        Directory.CreateDirectory(staging);
        FixtureModels.Write(staging, FixtureModels.Cgan);
        Directory.Move(root, root + ".old");
        Directory.Move(staging, root);
        await Eventually(async () => (await client.GetAsync("/generate?model=cgan")).StatusCode == HttpStatusCode.OK, "cgan from the swapped-in folder is served");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/generate?model=dcgan")).StatusCode);
        FixtureModels.Write(root, FixtureModels.Dcgan);
        await Eventually(async () => (await client.GetAsync("/generate?model=dcgan")).StatusCode == HttpStatusCode.OK, "dcgan added to the swapped-in folder is served");
    }
}
