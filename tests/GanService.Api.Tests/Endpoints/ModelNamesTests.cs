using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using GanService.Api.Tests.Fixtures;
using GanService.Contracts;

namespace GanService.Api.Tests.Endpoints;

/// <summary>How a requested model name resolves: model names, manifest aliases, family defaults (Gan:Defaults, or the
/// only model of a family), and a 404 that says how to import a well-known official model.</summary>
public sealed class ModelNamesTests
{
    /// <summary>A fixture model written under another name (and with aliases): folder and manifest name must agree.</summary>
    private static void WriteAs(string root, string fixture, string name, params string[] aliases)
    {
        var scratch = FixtureModels.NewFolder();
        FixtureModels.Write(scratch, fixture);
        var dir = Path.Combine(root, name);
        Directory.Move(Path.Combine(scratch, fixture), dir);
        var m = ModelManifest.Load(Path.Combine(dir, "model.json"));
        File.WriteAllText(Path.Combine(dir, "model.json"), (m with { Name = name, Aliases = aliases.Length == 0 ? null : aliases }).ToJson());
    }

    private static async Task<byte[]> Png(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadAsByteArrayAsync();
    }

    [Theory]
    [InlineData("/translate/horse2zebra", "gan import cyclegan --checkpoint horse2zebra.pth --name horse2zebra", "efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models/horse2zebra.pth")]
    [InlineData("/translate/facades_label2photo", "gan import pix2pix --checkpoint facades_label2photo.pth --name facades_label2photo", "pix2pix/models-pytorch/facades_label2photo.pth")]
    [InlineData("/generate?model=stylegan2-ffhq&seed=1", "gan import stylegan2 --checkpoint ffhq.pkl --name stylegan2-ffhq", "non-commercial")]
    public async Task Missing_official_model_404_names_the_available_models_and_the_import_command(string url, string command, string alsoSays)
    {
        using var api = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Translate, FixtureModels.Dcgan));
        using var client = api.CreateClient();
        var response = url.StartsWith("/translate", StringComparison.Ordinal)
            ? await client.PostAsync(url, TestHttp.Multipart(FixtureModels.Png(16, 16)))
            : await client.GetAsync(url);
        var json = await TestHttp.AssertProblem(response, HttpStatusCode.NotFound, "available: dcgan, sketch");
        Assert.Contains(command, json.GetProperty("detail").GetString());
        Assert.Contains(alsoSays, json.GetProperty("detail").GetString());
        Assert.Equal(command, json.GetProperty("import").GetString()![..command.Length]);
    }

    [Fact]
    public async Task Unknown_name_that_is_not_official_gets_no_import_hint()
    {
        using var api = new GanApiFactory(FixtureModels.CreateFolder(FixtureModels.Translate));
        using var client = api.CreateClient();
        var json = await TestHttp.AssertProblem(await client.GetAsync("/models/zebra3horse"), HttpStatusCode.NotFound, "available: sketch");
        Assert.DoesNotContain("gan import", json.GetProperty("detail").GetString());
        Assert.False(json.TryGetProperty("import", out _));
    }

    [Fact]
    public async Task Manifest_alias_serves_the_model_and_is_listed()
    {
        var root = FixtureModels.NewFolder();
        WriteAs(root, FixtureModels.Translate, "horse2zebra", "h2z", "zebrafy");
        using var api = new GanApiFactory(root);
        using var client = api.CreateClient();
        var byName = await client.PostAsync("/translate/horse2zebra", TestHttp.Multipart(FixtureModels.Png(16, 16)));
        var byAlias = await client.PostAsync("/translate/h2z", TestHttp.Multipart(FixtureModels.Png(16, 16)));
        Assert.Equal(HttpStatusCode.OK, byAlias.StatusCode);
        Assert.Equal(await byName.Content.ReadAsByteArrayAsync(), await byAlias.Content.ReadAsByteArrayAsync());
        var models = JsonDocument.Parse(await client.GetStringAsync("/models")).RootElement.GetProperty("models");
        var entry = Assert.Single(models.EnumerateArray());
        Assert.Equal(["h2z", "zebrafy"], entry.GetProperty("aliases").EnumerateArray().Select(a => a.GetString()).Order());
        Assert.Equal("horse2zebra", JsonDocument.Parse(await client.GetStringAsync("/models/zebrafy")).RootElement.GetProperty("summary").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Conflicting_aliases_are_not_served_and_the_conflict_is_reported()
    {
        var root = FixtureModels.NewFolder();
        WriteAs(root, FixtureModels.Translate, "aaa", "bbb");   // alias equal to another model's name
        WriteAs(root, FixtureModels.Translate, "bbb");
        WriteAs(root, FixtureModels.Dcgan, "ccc", "shared");
        WriteAs(root, FixtureModels.Dcgan, "ddd", "shared");    // alias already taken by ccc
        using var api = new GanApiFactory(root);
        using var client = api.CreateClient();
        var models = JsonDocument.Parse(await client.GetStringAsync("/models")).RootElement.GetProperty("models").EnumerateArray()
            .ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.All(models.Values, m => Assert.Equal("ready", m.GetProperty("status").GetString())); // the models still serve
        Assert.Contains("alias 'bbb' is the name of model 'bbb'", models["aaa"].GetProperty("reason").GetString());
        Assert.Contains("alias 'shared' is already an alias of model 'ccc'", models["ddd"].GetProperty("reason").GetString());
        Assert.Equal(await Png(client, "/generate?model=ccc&seed=3"), await Png(client, "/generate?model=shared&seed=3"));
        Assert.Equal("ccc", JsonDocument.Parse(await client.GetStringAsync("/models/shared")).RootElement.GetProperty("summary").GetProperty("name").GetString());
        Assert.False(models["ccc"].TryGetProperty("reason", out var none) && none.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task Family_key_resolves_to_the_only_model_of_that_family()
    {
        var root = FixtureModels.NewFolder();
        WriteAs(root, FixtureModels.StyleGan, "ffhq");
        WriteAs(root, FixtureModels.Dcgan, "fmnist");
        using var api = new GanApiFactory(root);
        using var client = api.CreateClient();
        Assert.Equal(await Png(client, "/generate?model=ffhq&seed=42"), await Png(client, "/generate?model=stylegan&seed=42"));
        Assert.Equal(await Png(client, "/generate?model=fmnist&seed=42"), await Png(client, "/generate?model=dcgan&seed=42"));
    }

    [Fact]
    public async Task A_family_key_prefers_its_own_family_to_a_later_version()
    {
        // "stylegan" names the StyleGAN2 model while it is the only StyleGAN; once a StyleGAN (2018) model is loaded too,
        // the key names that one, and "stylegan2" still the StyleGAN2 model.
        var root = FixtureModels.NewFolder();
        WriteAs(root, FixtureModels.StyleGan, "ffhq2");
        using (var api = new GanApiFactory(root))
        using (var client = api.CreateClient())
            Assert.Equal(await Png(client, "/generate?model=ffhq2&seed=3"), await Png(client, "/generate?model=stylegan&seed=3"));
        WriteAs(root, FixtureModels.Dcgan, "celeba2018");
        var dir = Path.Combine(root, "celeba2018");
        File.WriteAllText(Path.Combine(dir, "model.json"), (ModelManifest.Load(Path.Combine(dir, "model.json")) with { Family = "stylegan" }).ToJson());
        using (var api = new GanApiFactory(root))
        using (var client = api.CreateClient())
        {
            Assert.Equal(await Png(client, "/generate?model=celeba2018&seed=3"), await Png(client, "/generate?model=stylegan&seed=3"));
            Assert.Equal(await Png(client, "/generate?model=ffhq2&seed=3"), await Png(client, "/generate?model=stylegan2&seed=3"));
        }
    }

    [Fact]
    public async Task Several_models_of_a_family_need_a_configured_default()
    {
        var root = FixtureModels.NewFolder();
        WriteAs(root, FixtureModels.StyleGan, "ffhq");
        WriteAs(root, FixtureModels.StyleGan, "afhq", "cats");
        using (var api = new GanApiFactory(root))
        using (var client = api.CreateClient())
            await TestHttp.AssertProblem(await client.GetAsync("/generate?model=stylegan&seed=1"), HttpStatusCode.NotFound,
                "'stylegan' matches several stylegan2 models (afhq, ffhq): name one, or set Gan:Defaults:stylegan");

        using (var api = new GanApiFactory(root, new Dictionary<string, string?> { ["Gan:Defaults:stylegan"] = "cats" }))
        using (var client = api.CreateClient())
            Assert.Equal(await Png(client, "/generate?model=afhq&seed=7"), await Png(client, "/generate?model=stylegan&seed=7"));

        using (var api = new GanApiFactory(root, new Dictionary<string, string?> { ["Gan:Defaults:stylegan"] = "metfaces" }))
        using (var client = api.CreateClient())
            await TestHttp.AssertProblem(await client.GetAsync("/generate?model=stylegan&seed=1"), HttpStatusCode.NotFound,
                "Gan:Defaults:stylegan names 'metfaces', which is not loaded");
    }

    [Fact]
    public async Task A_generator_with_a_fixed_batch_of_one_serves_grids_image_by_image()
    {
        // What torch.onnx.export writes without dynamic_axes, packaged by `gan package`: z (1, 8) → image (1, 3, 8, 8).
        var root = FixtureModels.NewFolder();
        var dir = Directory.CreateDirectory(Path.Combine(root, "fixed")).FullName;
        var bytes = new OnnxBuilder(5).Input("z", 1, FixtureModels.Z)
            .RandomInitializer("w", 0.5f, FixtureModels.Z, 3 * 8 * 8).InitializerInt64("shape", [1, 3, 8, 8], 4)
            .Node("MatMul", ["z", "w"], "fc").Node("Reshape", ["fc", "shape"], "pre").Node("Tanh", ["pre"], "image")
            .Output("image", 1, 3, 8, 8).ToBytes();
        File.WriteAllBytes(Path.Combine(dir, "model.onnx"), bytes);
        var manifest = new ModelManifest
        {
            Name = "fixed", Family = "onnx", Task = ModelTasks.Generate, Image = new ImageSpec(3, 8, 8), Latent = new LatentSpec(FixtureModels.Z),
            Graphs = [new GraphSpec("model", "model.onnx", Convert.ToHexStringLower(SHA256.HashData(bytes)),
                [new TensorSpec("z", [1, FixtureModels.Z], Role: TensorRoles.Latent)], [new TensorSpec("image", [1, 3, 8, 8])])],
        };
        File.WriteAllText(Path.Combine(dir, "model.json"), manifest.ToJson());
        using var api = new GanApiFactory(root);
        using var client = api.CreateClient();
        using var grid = await TestHttp.AssertImage(await client.GetAsync("/generate?model=fixed&seed=10&count=4"));
        using var seed11 = await TestHttp.AssertImage(await client.GetAsync("/generate?model=fixed&seed=11"));
        Assert.Equal(TestHttp.Pixels(seed11), TestHttp.Pixels(grid, 2 + 8 + 2, 2, 8, 8));
    }
}
