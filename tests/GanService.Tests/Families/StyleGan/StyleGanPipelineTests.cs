using GanService.Cli.Commands;
using GanService.Contracts;
using GanService.Inference;
using GanService.Training.Export;
using GanService.Training.Families.StyleGan;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace GanService.Tests.Families.StyleGan;

/// <summary>An exported (perturbed random-init) StyleGAN package run through GanService.Inference's pipelines, opened as
/// the CLI and the API open a model: seeded generation with ψ, truncation toward the exported w_avg, the three noise
/// modes, and style mixing — all through the graph roles StyleGAN2 uses, with nothing keyed on the family.</summary>
public sealed class StyleGanPipelineTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sg1-pipe-" + Guid.NewGuid().ToString("N"));
    private readonly StyleGanGenerator _g;
    private readonly OnnxModel _model;

    public StyleGanPipelineTests()
    {
        _g = StyleGanExportTests.Perturbed(StyleGanExportTests.Tiny with { ZDim = 8, WDim = 8 }, seed: 3);
        var draft = new ModelManifest
        {
            Name = "sg1-pipe", Family = StyleGanTrainer.Family, Task = ModelTasks.Generate, Graphs = [],
            Image = new ImageSpec(3, 16, 16), Latent = new LatentSpec(8), Style = new StyleSpec(_g.NumWs, 8, 0.7f, _g.synthesis.NumNoiseInputs),
            License = "unspecified",
        };
        ModelPackage.Write(_dir, draft, StyleGanExportFamily.Graphs(_g));
        _model = ModelArguments.Open(_dir);
    }

    public void Dispose()
    {
        _model.Dispose();
        _g.Dispose();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    [Fact]
    public void Generate_with_seed_and_psi_gives_torchsharps_images_and_psi_zero_the_average()
    {
        Assert.True(_model.IsStyleBased && _model.SupportsNoiseModes && _model.TakesPsi);
        uint[] seeds = [4, 5];
        var served = GanPipelines.Generate(_model, seeds, new GenerateSettings(0.5f), CancellationToken.None);
        using (torch.no_grad())
        {
            var z = torch.tensor(SeedLatent.Batch(seeds, 8), [2, 8]);
            var expected = _g.Generate(z, psi: 0.5);
            for (int i = 0; i < 2; i++)
                Assert.True(MaxGreyLevels(served[i], expected[i]) <= 1, "served pixels differ from TorchSharp's G(z, ψ 0.5)");
        }
        var average = GanPipelines.Generate(_model, seeds, new GenerateSettings(0f), CancellationToken.None);
        Assert.True(Same(average[0], average[1]), "ψ = 0 must give every seed the average w's image");
        Assert.False(Same(served[0], served[1]));
    }

    [Fact]
    public void Noise_modes_are_reproducible_per_seed_and_differ_from_each_other()
    {
        uint[] seeds = [0, 1, 2];
        byte[] Grid(NoiseMode mode, uint[] s) => GenerateCommand.RenderGrid(_model, s, new GenerateSettings(0.7f, Noise: mode));
        var constant = Grid(NoiseMode.Const, seeds);
        var random = Grid(NoiseMode.Random, seeds);
        var none = Grid(NoiseMode.None, seeds);
        Assert.Equal(random, Grid(NoiseMode.Random, seeds));
        Assert.NotEqual(constant, random);
        Assert.NotEqual(constant, none);
        Assert.NotEqual(random, none);
        Assert.NotEqual(random, Grid(NoiseMode.Random, [0, 1, 3]));
    }

    [Fact]
    public void Style_mix_takes_the_row_seeds_coarse_styles_and_the_column_seeds_fine_ones()
    {
        var settings = new GenerateSettings(1f);
        var tiles = GanPipelines.StyleMix(_model, [1, 2], [4, 5], [0, 1, 2, 3], settings, CancellationToken.None);
        Assert.Equal(3 * 3, tiles.Count); // (rows + 1) × (cols + 1), corner included
        var own = GanPipelines.Generate(_model, [1, 2, 4], settings, CancellationToken.None);
        Assert.True(MaxGreyLevels(tiles[1], own[2]) <= 1 && MaxGreyLevels(tiles[3], own[0]) <= 1, "the header row and column are the seeds' own images");
        Assert.False(Same(tiles[4], own[0]), "a mixed cell differs from its row seed's image");
        // The same mix by hand in TorchSharp: layers 0–3 from the column seed (the styles given), 4–5 from the row seed.
        using (torch.no_grad())
        {
            var w = _g.mapping.Map(torch.tensor(SeedLatent.Batch([1, 4], 8), [2, 8]));
            var ws = torch.cat([w[1].expand(1, 4, 8), w[0].expand(1, 2, 8)], 1);
            var expected = _g.synthesis.Forward(ws, _g.synthesis.MaxLevel, 1);
            Assert.True(MaxGreyLevels(tiles[4], expected[0]) <= 1, "the mixed cell is not row 1's w with column 4's styles 0–3");
        }
    }

    private static bool Same(Image<Rgb24> a, Image<Rgb24> b) => ImageCodec.Encode(a).AsSpan().SequenceEqual(ImageCodec.Encode(b));

    private static int MaxGreyLevels(Image<Rgb24> a, Image<Rgb24> b)
    {
        var pa = new Rgb24[a.Width * a.Height];
        var pb = new Rgb24[b.Width * b.Height];
        a.CopyPixelDataTo(pa);
        b.CopyPixelDataTo(pb);
        Assert.Equal(pa.Length, pb.Length);
        return pa.Zip(pb).Max(p => Math.Max(Math.Abs(p.First.R - p.Second.R), Math.Max(Math.Abs(p.First.G - p.Second.G), Math.Abs(p.First.B - p.Second.B))));
    }

    /// <summary>A (C, H, W) tensor in [-1, 1] as the service renders it.</summary>
    private static int MaxGreyLevels(Image<Rgb24> served, Tensor expected)
    {
        using var image = ImageCodec.FromTensor(expected.clamp(-1, 1).contiguous().data<float>().ToArray(), new ImageSpec(3, 16, 16));
        return MaxGreyLevels(served, image);
    }
}
