using GanService.Tests.Families.StyleGan2;
using GanService.Training.Families.StyleGan2;
using GanService.Training.Import;
using Xunit.Abstractions;

namespace GanService.Tests.Import;

/// <summary>
/// Architecture inference on configurations no fixture covers: our randomly initialised generator → a state dict in
/// rosinality's or NVlabs' layout (<see cref="StyleGan2ReferenceLayouts"/>) → the importer's translation → the same
/// architecture and the same images.
/// </summary>
public class StyleGan2LayoutTests(ITestOutputHelper log)
{
    /// <summary>Two architectures are the same network when every setting and the resolved channel table agree.</summary>
    private static void AssertSameNetwork(StyleGan2Architecture expected, StyleGan2Architecture actual)
    {
        Assert.Equal(expected.Resolution, actual.Resolution);
        Assert.Equal(expected.ImageChannels, actual.ImageChannels);
        Assert.Equal((expected.ZDim, expected.WDim, expected.MappingLayers), (actual.ZDim, actual.WDim, actual.MappingLayers));
        Assert.Equal(expected.MappingLrMultiplier, actual.MappingLrMultiplier);
        Assert.Equal(expected.ConvClamp, actual.ConvClamp);
        Assert.Equal(expected.ChannelTable(), actual.ChannelTable());
    }

    /// <summary>The imported generator draws the same images as the original (const noise, ψ 1 and 0.7).</summary>
    private float MaxImageDiff(StyleGan2Generator original, StyleGan2Generator imported)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        torch.manual_seed(11);
        var z = torch.randn(3, original.Arch.ZDim);
        float d = 0;
        foreach (double psi in new[] { 1.0, 0.7 })
            d = Math.Max(d, (original.Generate(z, psi) - imported.Generate(z, psi)).abs().max().item<float>());
        log.WriteLine($"{original.Arch.Resolution}² [{string.Join(", ", original.Arch.ChannelTable())}]: imported vs original max |Δ| = {d:E2}");
        return d;
    }

    public static TheoryData<int, int, int, int, int[]?, int> RosinalityConfigs => new()
    {
        // resolution, z = w (style_dim), n_mlp, image channels, explicit channel table (null: base/max), seed
        { 64, 12, 3, 3, [16, 16, 12, 8, 6], 1 },   // a table min(base/res, max) cannot express
        { 8, 8, 1, 3, null, 2 },                     // the smallest: one upsampling block, one mapping layer
        { 32, 16, 5, 3, null, 3 },
    };

    [Theory]
    [MemberData(nameof(RosinalityConfigs))]
    public void Rosinality_layout_round_trips_to_the_same_architecture_and_images(int res, int dim, int nMlp, int imageChannels, int[]? table, int seed)
    {
        var arch = new StyleGan2Architecture
        {
            Resolution = res, ZDim = dim, WDim = dim, MappingLayers = nMlp, ImageChannels = imageChannels,
            ChannelBase = 256, ChannelMax = 16, Channels = table,
        };
        var g = StyleGan2ExportTests.Perturbed(arch, seed);
        var sd = StyleGan2ReferenceLayouts.Rosinality(g);
        var latentAvg = new TorchTensor("float32", [dim], g.mapping.w_avg.data<float>().ToArray());
        var t = StyleGan2Layouts.FromRosinality(sd, latentAvg, "test");
        foreach (var line in t.Inferred) log.WriteLine(line);
        AssertSameNetwork(arch, t.Arch);
        Assert.Equal(table is not null, t.Arch.Channels is not null);
        var imported = StyleGan2Checkpoints.Build(t);
        Assert.True(MaxImageDiff(g, imported) <= 1e-5f);
    }

    [Fact]
    public void Rosinality_without_latent_avg_gets_the_mean_of_mapped_z()
    {
        var arch = new StyleGan2Architecture { Resolution = 8, ZDim = 8, WDim = 8, MappingLayers = 2, ChannelBase = 64, ChannelMax = 8 };
        var g = StyleGan2ExportTests.Perturbed(arch, 4);
        var t = StyleGan2Layouts.FromRosinality(StyleGan2ReferenceLayouts.Rosinality(g), latentAvg: null, "test");
        Assert.False(t.WAvgFromFile);
        var imported = StyleGan2Checkpoints.Build(t);
        using var _ = torch.no_grad();
        // Independent estimate of E[mapping(z)] from torch.randn latents: agrees to sampling error, not to the digit.
        torch.manual_seed(5);
        var expected = g.mapping.Map(torch.randn(20_000, arch.ZDim)).mean([0]);
        float d = (imported.mapping.w_avg - expected).abs().max().item<float>();
        float spread = g.mapping.Map(torch.randn(1000, arch.ZDim)).std([0]).max().item<float>();
        log.WriteLine($"computed w_avg vs an independent 20,000-sample mean: max |Δ| {d:E2} (per-dimension std of w {spread:F3})");
        Assert.True(d < 5 * spread / Math.Sqrt(10_000), $"max |Δ| {d}");
        Assert.True((imported.mapping.w_avg - g.mapping.w_avg).abs().max().item<float>() > 0.05f, "the original's (random) w_avg leaked through");
    }

    public static TheoryData<int, int, int, int, int, double?, int> NvlabsConfigs => new()
    {
        // resolution, z, w, mapping layers, image channels, conv_clamp, seed
        { 32, 8, 10, 2, 3, 0.5, 1 },
        { 16, 12, 12, 4, 1, null, 2 },
    };

    [Theory]
    [MemberData(nameof(NvlabsConfigs))]
    public void Nvlabs_layout_round_trips_to_the_same_architecture_and_images(int res, int z, int w, int layers, int imageChannels, double? clamp, int seed)
    {
        var arch = new StyleGan2Architecture
        {
            Resolution = res, ZDim = z, WDim = w, MappingLayers = layers, ImageChannels = imageChannels,
            ChannelBase = 128, ChannelMax = 16, ConvClamp = clamp,
        };
        var g = StyleGan2ExportTests.Perturbed(arch, seed);
        var t = StyleGan2Layouts.FromNvlabs(StyleGan2ReferenceLayouts.Nvlabs(g), StyleGan2ReferenceLayouts.NvlabsKwargs(arch));
        foreach (var line in t.Inferred) log.WriteLine(line);
        AssertSameNetwork(arch, t.Arch);
        Assert.Equal((arch.ChannelBase, arch.ChannelMax), (t.Arch.ChannelBase, t.Arch.ChannelMax));
        Assert.Empty(t.Warnings);
        Assert.True(MaxImageDiff(g, StyleGan2Checkpoints.Build(t)) <= 1e-5f);
    }

    [Fact]
    public void Nvlabs_without_init_kwargs_infers_from_shapes_and_warns_about_conv_clamp()
    {
        var arch = new StyleGan2Architecture { Resolution = 8, ZDim = 6, WDim = 7, MappingLayers = 3, ChannelBase = 64, ChannelMax = 8 };
        var g = StyleGan2ExportTests.Perturbed(arch, 6);
        var t = StyleGan2Layouts.FromNvlabs(StyleGan2ReferenceLayouts.Nvlabs(g), initKwargs: null);
        AssertSameNetwork(arch, t.Arch);
        Assert.Contains(t.Warnings, w => w.Contains("conv_clamp"));
    }

    [Theory]
    // rosinality channel_multiplier 2 (config-f) at 1024²: 512 up to 64², then 256, 128, 64, 32.
    [InlineData(1024, new[] { 512, 512, 512, 512, 512, 256, 128, 64, 32 }, 32768, 512)]
    // rosinality channel_multiplier 1 at 256²; NVlabs paper256.
    [InlineData(256, new[] { 512, 512, 512, 512, 256, 128, 64 }, 16384, 512)]
    // NVlabs cifar (32², every block 512): any base ≥ 512·32 gives this; the smallest is chosen.
    [InlineData(32, new[] { 512, 512, 512, 512 }, 16384, 512)]
    // the rosinality fixture's reduced table.
    [InlineData(32, new[] { 32, 32, 32, 16 }, 512, 32)]
    public void Official_channel_tables_are_expressed_as_base_and_max(int res, int[] table, int expectedBase, int expectedMax)
    {
        var a = StyleGan2Layouts.WithChannelTable(new StyleGan2Architecture { Resolution = res }, table);
        Assert.Null(a.Channels);
        Assert.Equal((expectedBase, expectedMax), (a.ChannelBase, a.ChannelMax));
        Assert.Equal(table.Select(c => (long)c), a.ChannelTable());
    }

    [Theory]
    // param_counts.json of the peer fixtures: rosinality Generator(size, 512, 8) with channel_multiplier 2 (config-f).
    [InlineData(256, 30_034_338L)]
    [InlineData(1024, 30_370_060L)]
    public void Config_f_in_rosinality_layout_imports_with_the_official_parameter_count(int res, long officialCount)
    {
        torch.manual_seed(1);
        var arch = new StyleGan2Architecture { Resolution = res, ZDim = 512, WDim = 512, MappingLayers = 8, ChannelBase = 32768, ChannelMax = 512 };
        using var g = new StyleGan2Generator(arch);
        var sd = StyleGan2ReferenceLayouts.Rosinality(g);
        // rosinality's count is over parameters; noises.* and the blur/upsample kernels are buffers.
        long sourceCount = sd.Where(kv => !kv.Key.StartsWith("noises.", StringComparison.Ordinal) && !kv.Key.EndsWith(".kernel", StringComparison.Ordinal)).Sum(kv => kv.Value.Count);
        Assert.Equal(officialCount, sourceCount);
        // A latent_avg (convert_weight.py layout) spares the 10,000-latent mean, which at w_dim 512 is most of the time.
        var t = StyleGan2Layouts.FromRosinality(sd, new TorchTensor("float32", [512], new float[512]), "test");
        AssertSameNetwork(arch, t.Arch);
        Assert.Null(t.Arch.Channels);
        using var imported = StyleGan2Checkpoints.Build(t);
        Assert.Equal(officialCount, imported.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Unknown_key_fails_with_the_key()
    {
        var g = StyleGan2ExportTests.Perturbed(new StyleGan2Architecture { Resolution = 8, ZDim = 8, WDim = 8, ChannelBase = 64, ChannelMax = 8 });
        var sd = StyleGan2ReferenceLayouts.Rosinality(g);
        sd["convs.0.conv.extra"] = new TorchTensor("float32", [1], [0f]);
        var e = Assert.Throws<CheckpointImportException>(() => StyleGan2Layouts.FromRosinality(sd, null, "test"));
        Assert.Contains("'convs.0.conv.extra'", e.Message);
        var nv = StyleGan2ReferenceLayouts.Nvlabs(g);
        nv["synthesis.b8.skip.weight"] = new TorchTensor("float32", [1], [0f]);
        var t = StyleGan2Layouts.FromNvlabs(nv, null);
        Assert.Contains("'synthesis.b8.skip.weight'", Assert.Throws<CheckpointImportException>(() => StyleGan2Checkpoints.Build(t)).Message);
    }

    [Fact]
    public void A_blur_kernel_other_than_1_3_3_1_is_refused()
    {
        var g = StyleGan2ExportTests.Perturbed(new StyleGan2Architecture { Resolution = 8, ZDim = 8, WDim = 8, ChannelBase = 64, ChannelMax = 8 });
        var sd = StyleGan2ReferenceLayouts.Rosinality(g);
        // make_kernel([1, 2, 1]) padded to 4×4 is not our filter.
        sd["convs.0.conv.blur.kernel"] = new TorchTensor("float32", [4, 4], Enumerable.Repeat(0.25f, 16).ToArray());
        var e = Assert.Throws<CheckpointImportException>(() => StyleGan2Layouts.FromRosinality(sd, null, "test"));
        Assert.Contains("convs.0.conv.blur.kernel", e.Message);
    }

    [Fact]
    public void A_weight_whose_shape_fits_no_architecture_fails_with_its_key()
    {
        var g = StyleGan2ExportTests.Perturbed(new StyleGan2Architecture { Resolution = 16, ZDim = 8, WDim = 8, ChannelBase = 64, ChannelMax = 8 });
        var sd = StyleGan2ReferenceLayouts.Rosinality(g);
        // convs.3 is the 16² second conv: give it 5 input channels where the 16² block has 4.
        sd["convs.3.conv.weight"] = new TorchTensor("float32", [1, 4, 5, 3, 3], new float[4 * 5 * 9]);
        var t = StyleGan2Layouts.FromRosinality(sd, null, "test");
        var e = Assert.Throws<CheckpointImportException>(() => StyleGan2Checkpoints.Build(t));
        Assert.Contains("'convs.3.conv.weight'", e.Message);
    }

    [Fact]
    public void Conditional_and_stylegan3_networks_are_refused_with_a_reason()
    {
        var arch = new StyleGan2Architecture { Resolution = 8, ZDim = 8, WDim = 8, ChannelBase = 64, ChannelMax = 8 };
        var g = StyleGan2ExportTests.Perturbed(arch);
        var conditional = Assert.Throws<CheckpointImportException>(() =>
            StyleGan2Layouts.FromNvlabs(StyleGan2ReferenceLayouts.Nvlabs(g), StyleGan2ReferenceLayouts.NvlabsKwargs(arch, cDim: 10)));
        Assert.Contains("c_dim 10", conditional.Message);
        var sg3 = StyleGan2ReferenceLayouts.Nvlabs(g);
        sg3["synthesis.input.affine.weight"] = new TorchTensor("float32", [4, 8], new float[32]);
        Assert.Contains("StyleGAN3", Assert.Throws<CheckpointImportException>(() => StyleGan2Layouts.FromNvlabs(sg3, null)).Message);
        var resnet = StyleGan2ReferenceLayouts.NvlabsKwargs(arch);
        ((Dictionary<string, object?>)resnet["synthesis_kwargs"]!)["architecture"] = "resnet";
        Assert.Contains("'resnet'", Assert.Throws<CheckpointImportException>(() =>
            StyleGan2Layouts.FromNvlabs(StyleGan2ReferenceLayouts.Nvlabs(g), resnet)).Message);
    }

    [Fact]
    public void Nvlabs_kwargs_that_contradict_the_weights_are_refused()
    {
        var arch = new StyleGan2Architecture { Resolution = 8, ZDim = 8, WDim = 8, ChannelBase = 64, ChannelMax = 8 };
        var g = StyleGan2ExportTests.Perturbed(arch);
        var kwargs = StyleGan2ReferenceLayouts.NvlabsKwargs(arch with { ChannelBase = 32 });
        var e = Assert.Throws<CheckpointImportException>(() => StyleGan2Layouts.FromNvlabs(StyleGan2ReferenceLayouts.Nvlabs(g), kwargs));
        Assert.Contains("channel_base 32", e.Message);
    }
}
