using GanService.Training.Families.CycleGan;
using GanService.Training.Families.Pix2Pix;
using GanService.Training.Families.StarGan;
using GanService.Training.Import;
using GanService.Training.Layers;
using static GanService.Tests.Import.ImportTestData;

namespace GanService.Tests.Import;

/// <summary>
/// Architecture inference and strict loading on state dicts of our own networks (whose ResNet, PatchGAN and StarGAN
/// keys are the references' keys), for settings the peer fixtures do not have; the U-Net's renaming is checked against
/// files written by PyTorch in <see cref="ConfigurationImportTests"/>.
/// </summary>
public class TranslationInferenceTests
{
    [Theory]
    [InlineData(3, 3, 64, NormKind.Instance, 9, false)]
    [InlineData(3, 3, 5, NormKind.Instance, 6, false)]
    [InlineData(3, 3, 7, NormKind.Batch, 4, true)]
    [InlineData(1, 1, 3, NormKind.InstanceAffine, 2, false)]
    [InlineData(3, 3, 4, NormKind.BatchNoAffine, 1, true)]
    [InlineData(3, 3, 4, NormKind.None, 3, false)]
    [InlineData(3, 3, 2, NormKind.Instance, 0, false)]
    public void Resnet_generator_settings_are_read_back_from_its_weights(int inC, int outC, int ngf, NormKind norm, int blocks, bool dropout)
    {
        bool bias = norm is NormKind.Instance or NormKind.InstanceAffine; // junyanz: `--norm none` convs have no bias
        using var g = new ResnetGenerator(inC, outC, ngf, norm, dropout, blocks, bias);
        var s = new SourceState(StateDictOf(g), "test");
        var a = JunyanzNetworks.InferGenerator(s);
        Assert.Equal(new JunyanzGenerator("resnet", inC, outC, ngf, blocks, norm, bias, dropout), a);
        using var loaded = JunyanzNetworks.LoadGenerator(a, s);
        AssertSameWeights(g, loaded);
    }

    [Theory]
    [InlineData(5, 2, NormKind.Batch)]
    [InlineData(8, 3, NormKind.Instance)]
    [InlineData(10, 1, NormKind.InstanceAffine)]
    [InlineData(6, 2, NormKind.None)]
    public void Unet_generator_depth_width_and_norm_are_read_back_from_its_weights(int numDowns, int ngf, NormKind norm)
    {
        bool bias = norm is NormKind.Instance or NormKind.InstanceAffine;
        using var g = new UnetGenerator(3, 3, numDowns, ngf, norm, useDropout: true, bias);
        var s = new SourceState(StateDictOf(g, k => JunyanzNetworks.UnetSourceKey(k, numDowns)), "test");
        var a = JunyanzNetworks.InferGenerator(s);
        Assert.Equal(new JunyanzGenerator("unet", 3, 3, ngf, numDowns, norm, bias, false), a);
        Assert.Equal($"unet_{1 << numDowns}", a.NetG);
        using var loaded = JunyanzNetworks.LoadGenerator(a, s);
        AssertSameWeights(g, loaded, k => JunyanzNetworks.UnetSourceKey(k, numDowns));
    }

    [Fact]
    public void Unet_names_map_to_the_reference_nesting()
    {
        // unet_256: level 0 = model.model, level 1 = model.model.1.model, level k = + ".3.model" × (k − 1)
        Assert.Equal("model.model.0.weight", JunyanzNetworks.UnetSourceKey("model.down.0.weight", 8));
        Assert.Equal("model.model.3.bias", JunyanzNetworks.UnetSourceKey("model.up.1.bias", 8));
        Assert.Equal("model.model.1.model.2.running_var", JunyanzNetworks.UnetSourceKey("model.submodule.down.2.running_var", 8));
        Assert.Equal("model.model.1.model.6.weight", JunyanzNetworks.UnetSourceKey("model.submodule.up.2.weight", 8));
        string innermost = "model" + string.Concat(Enumerable.Repeat(".submodule", 7));
        string reference = "model.model.1.model" + string.Concat(Enumerable.Repeat(".3.model", 6));
        Assert.Equal(reference + ".3.weight", JunyanzNetworks.UnetSourceKey(innermost + ".up.1.weight", 8));
        Assert.Equal(reference + ".4.bias", JunyanzNetworks.UnetSourceKey(innermost + ".up.2.bias", 8));
    }

    [Theory]
    [InlineData(64, 5, 6, 3)]
    [InlineData(8, 17, 2, 3)]
    [InlineData(4, 1, 0, 1)]
    public void Stargan_conv_dim_c_dim_and_repeat_num_are_read_back_from_its_weights(int convDim, int cDim, int repeat, int channels)
    {
        using var g = new StarGanGenerator(cDim, convDim, repeat, channels);
        var state = StateDictOf(g);
        foreach (var key in state.Keys.Where(k => k.EndsWith(".weight", StringComparison.Ordinal) && state[k].Shape.Length == 1).ToArray())
        {   // yunjey's InstanceNorm2d(track_running_stats=True) also saves statistics that inference never reads
            string prefix = key[..^".weight".Length];
            state[prefix + ".running_mean"] = new TorchTensor("float32", state[key].Shape, new float[state[key].Data.Length]);
            state[prefix + ".num_batches_tracked"] = new TorchTensor("int64", [], [1]);
        }
        var s = new SourceState(state, "test");
        var a = StarGanImporter.Infer(s);
        Assert.Equal(new YunjeyStarGanGenerator(convDim, cDim, repeat, channels), a);
        using var loaded = StarGanImporter.Load(a, s);
        AssertSameWeights(g, loaded);
        Assert.All(s.Dropped.Keys, k => Assert.True(k.EndsWith("running_mean", StringComparison.Ordinal) || k.EndsWith("num_batches_tracked", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(6, 64, 3, NormKind.Batch)]
    [InlineData(3, 4, 1, NormKind.Instance)]
    [InlineData(6, 3, 0, NormKind.Batch)]
    [InlineData(3, 2, 5, NormKind.Batch)]
    public void Patch_discriminator_settings_are_read_back_from_its_weights(int inC, int ndf, int nLayers, NormKind norm)
    {
        using var d = new PatchDiscriminator(inC, ndf, nLayers, norm);
        var s = new SourceState(StateDictOf(d), "test");
        var a = JunyanzNetworks.InferPatchDiscriminator(s);
        Assert.Equal(new JunyanzPatchDiscriminator(inC, ndf, nLayers, norm, Norms.ConvBias(norm)), a);
        using var loaded = JunyanzNetworks.LoadPatchDiscriminator(a, s);
        AssertSameWeights(d, loaded);
    }

    [Fact]
    public void An_extra_key_fails_naming_it()
    {
        using var g = new ResnetGenerator(3, 3, 4, NormKind.Instance, false, 2);
        var state = StateDictOf(g);
        state["model.3.weight"] = new TorchTensor("float32", [4], new float[4]); // a ReLU has no weights
        var s = new SourceState(state, "test");
        var e = Assert.Throws<CheckpointImportException>(() => JunyanzNetworks.LoadGenerator(JunyanzNetworks.InferGenerator(s), s));
        Assert.Contains("unexpected key 'model.3.weight' [4]", e.Message);
    }

    [Fact]
    public void A_shape_that_fits_no_architecture_fails_naming_the_key_and_both_shapes()
    {
        using var g = new ResnetGenerator(3, 3, 4, NormKind.Instance, false, 2);
        var state = StateDictOf(g);
        state["model.10.conv_block.5.weight"] = new TorchTensor("float32", [16, 16, 5, 5], new float[16 * 16 * 25]);
        var s = new SourceState(state, "test");
        var e = Assert.Throws<CheckpointImportException>(() => JunyanzNetworks.LoadGenerator(JunyanzNetworks.InferGenerator(s), s));
        Assert.Contains("key 'model.10.conv_block.5.weight' has shape [16, 16, 5, 5]", e.Message);
        Assert.Contains("[16, 16, 3, 3]", e.Message);
    }

    [Fact]
    public void A_missing_key_fails_naming_it()
    {
        using var g = new UnetGenerator(3, 3, 5, 2, NormKind.Batch);
        var state = StateDictOf(g, k => JunyanzNetworks.UnetSourceKey(k, 5));
        state.Remove("model.model.1.model.6.running_var");
        var s = new SourceState(state, "test");
        var e = Assert.Throws<CheckpointImportException>(() => JunyanzNetworks.LoadGenerator(JunyanzNetworks.InferGenerator(s), s));
        Assert.Contains("missing key 'model.model.1.model.6.running_var'", e.Message);
    }

    [Fact]
    public void A_stargan_file_given_as_cyclegan_says_which_family_it_is()
    {
        using var g = new StarGanGenerator(5, 4, 1);
        var e = Assert.Throws<CheckpointImportException>(() => JunyanzNetworks.InferGenerator(new SourceState(StateDictOf(g), "test")));
        Assert.Contains("gan import stargan", e.Message);
        using var d = new PatchDiscriminator(6, 4);
        e = Assert.Throws<CheckpointImportException>(() => JunyanzNetworks.InferGenerator(new SourceState(StateDictOf(d), "test")));
        Assert.Contains("NLayerDiscriminator", e.Message);
        using var r = new ResnetGenerator(3, 3, 4, NormKind.Instance, false, 1);
        e = Assert.Throws<CheckpointImportException>(() => StarGanImporter.Infer(new SourceState(StateDictOf(r), "test")));
        Assert.Contains("gan import cyclegan", e.Message);
    }

    [Fact]
    public void Data_parallel_module_prefix_is_stripped()
    {
        using var g = new ResnetGenerator(3, 3, 4, NormKind.Instance, false, 1);
        var s = new SourceState(StateDictOf(g, k => "module." + k), "test");
        Assert.True(s.StrippedDataParallelPrefix);
        using var loaded = JunyanzNetworks.LoadGenerator(JunyanzNetworks.InferGenerator(s), s);
        AssertSameWeights(g, loaded);
    }

    private static void AssertSameWeights(nn.Module expected, nn.Module actual, Func<string, string>? keyOf = null)
    {
        var a = StateDictOf(actual, keyOf);
        var e = StateDictOf(expected, keyOf);
        Assert.Equal(e.Keys.Order(), a.Keys.Order());
        foreach (var (k, t) in e) Assert.True(t.Data.SequenceEqual(a[k].Data), $"'{k}' differs after loading");
    }
}
