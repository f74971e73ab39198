using GanService.Training.Families.StyleGan2;
using GanService.Training.Import;

namespace GanService.Tests.Import;

/// <summary>
/// The inverse of the importer's renames, written independently from the reference code's module structure: our
/// generator's weights as the state dict rosinality's model.py Generator or NVlabs' networks.py Generator would hold.
/// Lets the tests check architecture inference on configurations no fixture covers, without Python.
/// </summary>
public static class StyleGan2ReferenceLayouts
{
    private static TorchTensor T(Tensor t, params long[] shape) => new("float32", shape, t.detach().contiguous().data<float>().ToArray());

    private static TorchTensor T(Tensor t) => new("float32", t.shape, t.detach().contiguous().data<float>().ToArray());

    private static TorchTensor Filter(double gain) => new("float32", [4, 4], StyleGanMath.FirKernel(gain));

    /// <summary>rosinality Generator.state_dict() of <paramref name="g"/> (modulated-conv weights carry 1/√fan_in back out).</summary>
    public static Dictionary<string, TorchTensor> Rosinality(StyleGan2Generator g)
    {
        var sd = new Dictionary<string, TorchTensor>();
        for (int i = 0; i < g.Arch.MappingLayers; i++)
        {
            var fc = (EqualizedLinear)g.mapping.named_children().First(c => c.name == $"fc{i}").module;
            sd[$"style.{i + 1}.weight"] = T(fc.weight);
            sd[$"style.{i + 1}.bias"] = T(fc.bias);
        }
        var blocks = g.synthesis.Blocks;
        sd["input.input"] = T(blocks[0].@const!, [1, .. blocks[0].@const!.shape]);
        int noise = 0;
        void Conv(string p, SynthesisLayer l, bool up)
        {
            long o = l.OutChannels, i = l.InChannels;
            sd[$"{p}.conv.weight"] = T(l.weight * Math.Sqrt(i * 9), 1, o, i, 3, 3);
            if (up) sd[$"{p}.conv.blur.kernel"] = Filter(4);
            sd[$"{p}.conv.modulation.weight"] = T(l.affine.weight);
            sd[$"{p}.conv.modulation.bias"] = T(l.affine.bias);
            sd[$"{p}.noise.weight"] = T(l.noise_strength, 1);
            sd[$"{p}.activate.bias"] = T(l.bias);
            sd[$"noises.noise_{noise++}"] = T(l.noise_const, 1, 1, l.Resolution, l.Resolution);
        }
        void Rgb(string p, ToRgbLayer l, bool up)
        {
            long c = l.weight.shape[0], i = l.weight.shape[1];
            sd[$"{p}.bias"] = T(l.bias, 1, c, 1, 1);
            if (up) sd[$"{p}.upsample.kernel"] = Filter(4);
            sd[$"{p}.conv.weight"] = T(l.weight, 1, c, i, 1, 1);
            sd[$"{p}.conv.modulation.weight"] = T(l.affine.weight);
            sd[$"{p}.conv.modulation.bias"] = T(l.affine.bias);
        }
        Conv("conv1", blocks[0].conv1, up: false);
        Rgb("to_rgb1", blocks[0].torgb, up: false);
        for (int j = 0; j + 1 < blocks.Count; j++)
        {
            Conv($"convs.{2 * j}", blocks[j + 1].conv0!, up: true);
            Conv($"convs.{2 * j + 1}", blocks[j + 1].conv1, up: false);
            Rgb($"to_rgbs.{j}", blocks[j + 1].torgb, up: true);
        }
        return sd;
    }

    /// <summary>NVlabs Generator state: our names plus a resample_filter buffer in every block and synthesis layer.</summary>
    public static Dictionary<string, TorchTensor> Nvlabs(StyleGan2Generator g)
    {
        var sd = new Dictionary<string, TorchTensor>();
        foreach (var (name, p) in g.named_parameters()) sd[name] = T(p);
        foreach (var (name, b) in g.named_buffers()) sd[name] = T(b);
        foreach (var b in g.synthesis.Blocks)
        {
            sd[$"synthesis.b{b.Resolution}.resample_filter"] = Filter(1);
            foreach (var l in b.Layers)
                sd[$"synthesis.b{b.Resolution}.{(ReferenceEquals(l, b.conv0) ? "conv0" : "conv1")}.resample_filter"] = Filter(1);
        }
        return sd;
    }

    /// <summary>NVlabs _init_kwargs of a Generator with <paramref name="a"/>'s settings.</summary>
    public static Dictionary<string, object?> NvlabsKwargs(StyleGan2Architecture a, long cDim = 0) => new()
    {
        ["z_dim"] = (long)a.ZDim, ["c_dim"] = cDim, ["w_dim"] = (long)a.WDim, ["img_resolution"] = (long)a.Resolution,
        ["img_channels"] = (long)a.ImageChannels,
        ["mapping_kwargs"] = new Dictionary<string, object?> { ["num_layers"] = (long)a.MappingLayers },
        ["synthesis_kwargs"] = new Dictionary<string, object?>
        {
            ["channel_base"] = (long)a.ChannelBase, ["channel_max"] = (long)a.ChannelMax, ["num_fp16_res"] = 0L,
            ["conv_clamp"] = a.ConvClamp, ["architecture"] = "skip",
        },
    };
}
