using GanService.Training.Checkpoints;
using GanService.Training.Data;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Training;
using Xunit.Abstractions;

namespace GanService.Tests.Families.StyleGan2;

/// <summary>Tiny nets on generated images: the trainer learns, checkpoints keep stable keys and resume exactly.</summary>
public class StyleGan2TrainingTests(ITestOutputHelper log)
{
    private static StyleGan2TrainOptions Tiny(string output) => new()
    {
        Arch = new StyleGan2Architecture { Resolution = 8, ZDim = 8, WDim = 8, MappingLayers = 2, ChannelBase = 64, ChannelMax = 16 },
        Batch = 8, Augment = "", Mirror = false, EmaKimg = 0.02, R1Gamma = 0.01, Out = output, SampleCount = 4,
    };

    /// <summary>Top half red, bottom half blue, with a little per-image jitter: an untrained G is nowhere near it.</summary>
    private static StyleGanImageFolder TwoToneData()
    {
        torch.manual_seed(11);
        var img = torch.empty(64, 3, 8, 8);
        img[.., 0, ..4, ..] = 0.8; img[.., 1, ..4, ..] = -0.8; img[.., 2, ..4, ..] = -0.8;
        img[.., 0, 4.., ..] = -0.8; img[.., 1, 4.., ..] = -0.8; img[.., 2, 4.., ..] = 0.8;
        return StyleGanImageFolder.FromTensor((img + torch.randn_like(img) * 0.05).clamp(-1, 1));
    }

    private static double MeanImageError(StyleGan2Generator g, Tensor target)
    {
        using var scope = torch.NewDisposeScope();
        var samples = StyleGan2Trainer.Sample(g, Enumerable.Range(0, 32).Select(i => (uint)i).ToArray());
        return (torch.stack(samples).mean([0]) - target).abs().mean().item<float>();
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Learns_the_mean_layout_of_a_two_tone_dataset()
    {
        using var data = TwoToneData();
        var target = data.Images.mean([0]);
        using var trainer = new StyleGan2Trainer(Tiny(Path.GetTempPath()));
        double before = MeanImageError(trainer.GEma, target);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 250; i++) TrainingLoop.Step(trainer, data);
        double after = MeanImageError(trainer.GEma, target);
        log.WriteLine($"mean |E[G(z)] − E[x]|: {before:F3} → {after:F3} after 250 steps ({sw.Elapsed.TotalSeconds:F1} s)");
        Assert.True(after < 0.25 && after < before / 2, $"G_ema did not learn the layout: {before:F3} → {after:F3}");
    }

    [Fact]
    public void Checkpoint_keys_are_stable_and_resume_restores_weights_and_step()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sg2-ckpt-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var data = TwoToneData();
            var options = Tiny(dir);
            using var trainer = new StyleGan2Trainer(options);
            for (int i = 0; i < 3; i++) TrainingLoop.Step(trainer, data);
            var keys = trainer.G.state_dict().Keys.ToHashSet();
            foreach (var k in new[] { "mapping.fc0.weight", "mapping.w_avg", "synthesis.b4.const", "synthesis.b4.conv1.weight",
                         "synthesis.b4.conv1.affine.bias", "synthesis.b8.conv0.noise_strength", "synthesis.b8.conv0.noise_const", "synthesis.b8.torgb.weight" })
                Assert.Contains(k, keys);
            Assert.Contains("b8.conv1.weight", trainer.D.state_dict().Keys);
            TrainingLoop.SaveCheckpoint(trainer, dir, options, new TrainingState(0, trainer.Step, 1.5, options.Seed));
            using var resumed = new StyleGan2Trainer(Checkpoint.ReadOptions<StyleGan2TrainOptions>(dir).Options);
            TrainingLoop.Restore(resumed, dir);
            Assert.Equal(3, resumed.Step);
            foreach (var (name, p) in trainer.GEma.named_parameters())
                Assert.True(p.allclose(resumed.GEma.named_parameters().First(q => q.name == name).parameter, 0, 0), name);
            Assert.True(trainer.G.mapping.w_avg.allclose(resumed.G.mapping.w_avg, 0, 0));
            Assert.NotEqual(0f, trainer.G.mapping.w_avg.abs().sum().item<float>());
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void DiffAugment_keeps_shape_and_cutout_removes_a_quarter()
    {
        torch.manual_seed(1);
        var x = torch.ones(6, 3, 16, 16);
        Assert.Equal(x.shape, DiffAugment.Apply(x, "color,translation,cutout").shape);
        var cut = DiffAugment.Cutout(x);
        var zeroFraction = cut.eq(0).to_type(ScalarType.Float32).mean().item<float>();
        Assert.InRange(zeroFraction, 0.05, 0.25); // 8×8 of 16×16 where fully inside, less at the borders
        var moved = DiffAugment.Translation(torch.arange(16f).reshape(1, 1, 1, 16).expand(4, 1, 16, 16).contiguous());
        Assert.Equal([4L, 1, 16, 16], moved.shape);
    }

    [Fact]
    public void Minibatch_std_appends_one_channel_and_reacts_to_variance()
    {
        var same = GanService.Training.Tricks.MinibatchStddev.Apply(torch.ones(8, 5, 4, 4), 4);
        Assert.Equal([8L, 6, 4, 4], same.shape);
        Assert.True(same[.., 5].max().item<float>() < 1e-3f);
        var varied = GanService.Training.Tricks.MinibatchStddev.Apply(torch.randn(8, 5, 4, 4), 4);
        Assert.True(varied[.., 5].min().item<float>() > 0.3f);
    }
}
