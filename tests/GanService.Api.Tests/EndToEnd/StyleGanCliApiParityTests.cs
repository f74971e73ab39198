using GanService.Api.Tests.Fixtures;
using GanService.Cli.Commands;
using GanService.Training.Export;

namespace GanService.Api.Tests.EndToEnd;

/// <summary>`gan generate` and `GET /generate` run the same seed → z → mapping → synthesis chain: same seeds, same ψ,
/// same noise mode ⇒ the same PNG bytes. Uses a real (randomly initialised, tiny) StyleGAN2 written by the exporter.</summary>
public class StyleGanCliApiParityTests : IDisposable
{
    private readonly string _models = FixtureModels.NewFolder();
    private readonly string _dir;

    public StyleGanCliApiParityTests()
    {
        var overrides = new Dictionary<string, string>
        {
            ["size"] = "16", ["z_dim"] = "16", ["w_dim"] = "16", ["map_layers"] = "2", ["channel_base"] = "256", ["channel_max"] = "16", ["seed"] = "3",
        };
        var (draft, graphs) = FamilyRegistry.Get("stylegan2").BuildExport("tiny-sg", null, overrides);
        _dir = Path.Combine(_models, "tiny-sg");
        ModelPackage.Write(_dir, draft, graphs);
    }

    public void Dispose()
    {
        try { Directory.Delete(_models, true); } catch (IOException) { }
    }

    [Theory]
    [InlineData("const", StyleNoiseMode.Const, 42u, 1)]
    [InlineData("random", StyleNoiseMode.Random, 42u, 4)]
    [InlineData("none", StyleNoiseMode.None, 7u, 2)]
    public async Task Generate_returns_the_bytes_gan_generate_writes(string noise, StyleNoiseMode mode, uint seed, int count)
    {
        using var factory = new GanApiFactory(_models);
        using var client = factory.CreateClient();
        using var response = await client.GetAsync($"/generate?model=tiny-sg&seed={seed}&count={count}&psi=0.7&noise={noise}");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var served = await response.Content.ReadAsByteArrayAsync();

        var seeds = Enumerable.Range(0, count).Select(i => seed + (uint)i).ToList();
        var cli = StyleGanCommands.GenerateGrid(_dir, seeds, 0.7f, mode, (int)Math.Ceiling(Math.Sqrt(count)));
        Assert.Equal(cli, served);
    }

    [Fact]
    public async Task Noise_modes_change_the_shipped_stylegan_image_and_random_is_seeded()
    {
        // A random init has every noise strength at 0 (as in StyleGAN2), so noise can only matter for trained weights:
        // serve the shipped model from a copy of its folder.
        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (repo is not null && !File.Exists(Path.Combine(repo.FullName, "GanService.sln"))) repo = repo.Parent;
        var shipped = Path.Combine(repo!.FullName, "models", "emoji-stylegan2");
        Assert.True(Directory.Exists(shipped), "the zoo ships models/emoji-stylegan2");
        var folder = FixtureModels.NewFolder();
        var copy = Directory.CreateDirectory(Path.Combine(folder, "emoji-stylegan2")).FullName;
        foreach (var f in Directory.GetFiles(shipped)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));

        using var factory = new GanApiFactory(folder);
        using var client = factory.CreateClient();
        async Task<byte[]> Get(string q) => await client.GetByteArrayAsync($"/generate?model=emoji-stylegan2&seed=5&{q}");
        var random1 = await Get("noise=random");
        Assert.Equal(random1, await Get("noise=random"));
        Assert.NotEqual(random1, await Get("noise=none"));
        Assert.NotEqual(await Get("noise=const"), await Get("noise=none"));
        Assert.Equal(StyleGanCommands.GenerateGrid(copy, [5u], 0.7f, StyleNoiseMode.Random), random1);
        var models = await client.GetStringAsync("/models/emoji-stylegan2");
        Assert.Contains("\"noise\":true", models.Replace(" ", ""));
    }
}
