using System.Net;
using GanService.Cli.Commands;
using GanService.Contracts;
using GanService.Inference;
using GanService.Tests.Cli;
using GanService.Training.Export;
using GanService.Training.Families.Gan;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.EndToEnd;

/// <summary>Three exported models — a tiny random StyleGAN2, a tiny random cGAN and a copy of the shipped
/// emoji-stylegan2 (trained noise strengths) — served by one in-process API.</summary>
public sealed class ParityModels : IAsyncLifetime
{
    public const string StyleGan = "tiny-sg", Cgan = "tiny-cgan", Shipped = "emoji-stylegan2";
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "gan-parity-" + Guid.NewGuid().ToString("N"));
    public LoopbackApi Api { get; private set; } = null!;

    public string Dir(string model) => Path.Combine(Folder, model);

    public async Task InitializeAsync()
    {
        var (draft, graphs) = FamilyRegistry.Get("stylegan2").BuildExport(StyleGan, null, new Dictionary<string, string>
        {
            ["size"] = "16", ["z_dim"] = "16", ["w_dim"] = "16", ["map_layers"] = "2", ["channel_base"] = "256", ["channel_max"] = "16", ["seed"] = "3",
        });
        ModelPackage.Write(Dir(StyleGan), draft, graphs);

        // An MLP: at random init its images vary with z by tens of grey levels (a random DCGAN barely moves).
        var o = new GenerationOptions { Family = "cgan", Arch = "mlp", Channels = 3, Size = 16, ZDim = 8, GHidden = [32], NumClasses = 3, ClassNames = ["a", "b", "c"], Seed = 4 };
        var (g, _, _) = GenerationTrainer.Build(o);
        var (cganDraft, cganGraphs) = new GenerationExportFamily(o.Family).Export(g, o, Cgan, new ExportRequest(null));
        ModelPackage.Write(Dir(Cgan), cganDraft, cganGraphs);

        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (repo is not null && !File.Exists(Path.Combine(repo.FullName, "GanService.sln"))) repo = repo.Parent;
        var shipped = Path.Combine(repo!.FullName, "models", Shipped);
        Assert.True(Directory.Exists(shipped), "the zoo ships models/emoji-stylegan2");
        Directory.CreateDirectory(Dir(Shipped));
        foreach (var f in Directory.GetFiles(shipped)) File.Copy(f, Path.Combine(Dir(Shipped), Path.GetFileName(f)));

        Api = await LoopbackApi.StartAsync(Folder);
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        try { Directory.Delete(Folder, true); } catch (IOException) { }
    }
}

/// <summary>`gan generate|interpolate` and GET /generate|/interpolate make the same inference-library calls: the same
/// arguments give the same PNG bytes, and the same arguments are refused at the same limits.</summary>
public sealed class CliApiParityTests(ParityModels models) : IClassFixture<ParityModels>, IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "gan-parity-out-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_out)) Directory.Delete(_out, true);
    }

    /// <summary>Runs a `gan` command; returns the file it wrote (null if it failed) and what it said on stderr.</summary>
    private (byte[]? File, string Error) Gan(System.CommandLine.Command command, string outFlag, params string[] args)
    {
        Directory.CreateDirectory(_out);
        var file = Path.Combine(_out, Guid.NewGuid().ToString("N") + ".png");
        var (exit, _, error) = CommandRunner.Run(command, [.. args, outFlag, file]);
        return (exit == 0 ? File.ReadAllBytes(file) : null, exit == 0 ? error : $"exit {exit}: {error}");
    }

    private static string Seeds(uint first, int count) => count == 1 ? $"{first}" : $"{first}-{first + (uint)count - 1}";

    [Theory]
    [InlineData("const", 42u, 1)]
    [InlineData("random", 42u, 4)]
    [InlineData("none", 7u, 2)]
    public async Task Generate_returns_the_bytes_gan_generate_writes_for_stylegan(string noise, uint seed, int count)
    {
        var served = await models.Api.GetBytes($"generate?model={ParityModels.StyleGan}&seed={seed}&count={count}&psi=0.7&noise={noise}");
        var (cli, error) = Gan(GenerateCommand.Create(), "--grid", "--model", models.Dir(ParityModels.StyleGan), "--seeds", Seeds(seed, count),
            "--trunc", "0.7", "--noise-mode", noise);
        Assert.True(cli is not null, error);
        Assert.Equal(cli, served);
    }

    [Fact]
    public async Task Generate_returns_the_bytes_gan_generate_writes_for_a_conditional_generator()
    {
        var served = await models.Api.GetBytes($"generate?model={ParityModels.Cgan}&seed=5&count=4&label=c");
        var (cli, error) = Gan(GenerateCommand.Create(), "--grid", "--model", models.Dir(ParityModels.Cgan), "--seeds", "5-8", "--label", "2");
        Assert.True(cli is not null, error);
        Assert.Equal(cli, served);
    }

    [Fact]
    public async Task Gan_interpolate_serves_a_plain_generator_with_the_strip_GET_interpolate_returns()
    {
        var served = await models.Api.GetBytes($"interpolate?model={ParityModels.Cgan}&from=3&to=4&steps=5&label=1");
        var (cli, error) = Gan(InterpolateCommand.Create(), "--out", "--model", models.Dir(ParityModels.Cgan), "--from", "3", "--to", "4", "--steps", "5", "--label", "b");
        Assert.True(cli is not null, error);
        Assert.Equal(cli, served);

        // The strip walks from seed 3's image to seed 4's (linear in z), through images that are neither.
        using var model = ModelArguments.Open(models.Dir(ParityModels.Cgan));
        var settings = new GenerateSettings(Label: 1);
        var line = GanPipelines.Interpolate(model, 3, 4, 5, settings, CancellationToken.None);
        var ends = GanPipelines.Generate(model, [3, 4], settings, CancellationToken.None);
        Assert.True(MaxDiff(line[0], ends[0]) <= 1 && MaxDiff(line[4], ends[1]) <= 1, "the strip must start and end at the seeds' images");
        Assert.True(MaxDiff(line[2], ends[0]) > 1 && MaxDiff(line[2], ends[1]) > 1, $"the middle of the strip is neither end ({MaxDiff(line[2], ends[0])}, {MaxDiff(line[2], ends[1])}, ends {MaxDiff(ends[0], ends[1])})");
    }

    [Fact]
    public async Task Cli_and_api_accept_and_refuse_at_the_same_limits()
    {
        var limits = InferenceLimits.Default;
        string dir = models.Dir(ParityModels.Cgan), name = ParityModels.Cgan;

        int steps = limits.MaxInterpolationSteps;
        Assert.NotNull(Gan(InterpolateCommand.Create(), "--out", "--model", dir, "--from", "0", "--to", "1", "--steps", $"{steps}").File);
        await models.Api.GetBytes($"interpolate?model={name}&from=0&to=1&steps={steps}");
        var (none, error) = Gan(InterpolateCommand.Create(), "--out", "--model", dir, "--from", "0", "--to", "1", "--steps", $"{steps + 1}");
        Assert.Null(none);
        Assert.Contains($"{limits.MinInterpolationSteps}…{steps}", error);
        await AssertBadRequest($"interpolate?model={name}&from=0&to=1&steps={steps + 1}", $"{limits.MinInterpolationSteps}…{steps}");

        int count = limits.MaxCount;
        Assert.NotNull(Gan(GenerateCommand.Create(), "--grid", "--model", dir, "--seeds", Seeds(0, count)).File);
        await models.Api.GetBytes($"generate?model={name}&seed=0&count={count}");
        (none, error) = Gan(GenerateCommand.Create(), "--grid", "--model", dir, "--seeds", Seeds(0, count + 1));
        Assert.Null(none);
        Assert.Contains($"1…{count}", error);
        await AssertBadRequest($"generate?model={name}&seed=0&count={count + 1}", $"1…{count}");

        (none, error) = Gan(GenerateCommand.Create(), "--grid", "--model", models.Dir(ParityModels.StyleGan), "--trunc", $"{limits.MaxPsi + 1}");
        Assert.Null(none);
        Assert.Contains($"[{limits.MinPsi}, {limits.MaxPsi}]", error);
        await AssertBadRequest($"generate?model={ParityModels.StyleGan}&psi={limits.MaxPsi + 1}", $"[{limits.MinPsi}, {limits.MaxPsi}]");
    }

    [Fact]
    public async Task Noise_modes_change_the_shipped_stylegan_image_and_random_is_seeded()
    {
        // A random init has every noise strength at 0 (as in StyleGAN2), so noise can only matter for trained weights.
        async Task<byte[]> Get(string q) => await models.Api.GetBytes($"generate?model={ParityModels.Shipped}&seed=5&{q}");
        var random1 = await Get("noise=random");
        Assert.Equal(random1, await Get("noise=random"));
        Assert.NotEqual(random1, await Get("noise=none"));
        Assert.NotEqual(await Get("noise=const"), await Get("noise=none"));
        var (cli, error) = Gan(GenerateCommand.Create(), "--grid", "--model", models.Dir(ParityModels.Shipped), "--seeds", "5", "--trunc", "0.7", "--noise-mode", "random");
        Assert.True(cli is not null, error);
        Assert.Equal(cli, await Get("noise=random&psi=0.7"));
        var described = await models.Api.Client.GetStringAsync($"models/{ParityModels.Shipped}");
        Assert.Contains("\"noise\":true", described.Replace(" ", ""));
    }

    private async Task AssertBadRequest(string pathAndQuery, string detailContains)
    {
        using var response = await models.Api.Client.GetAsync(pathAndQuery);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"GET {pathAndQuery}: {(int)response.StatusCode} {body}");
        Assert.Contains(detailContains, body);
    }

    private static int MaxDiff(Image<Rgb24> a, Image<Rgb24> b)
    {
        var pa = new Rgb24[a.Width * a.Height];
        var pb = new Rgb24[b.Width * b.Height];
        a.CopyPixelDataTo(pa);
        b.CopyPixelDataTo(pb);
        return pa.Zip(pb).Max(p => Math.Max(Math.Abs(p.First.R - p.Second.R), Math.Max(Math.Abs(p.First.G - p.Second.G), Math.Abs(p.First.B - p.Second.B))));
    }
}
