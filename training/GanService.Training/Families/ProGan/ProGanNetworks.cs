using GanService.Training.Families.StyleGan2;
using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.ProGan;

/// <summary>
/// ProGAN generator: z (B, Z) → image (B, C, R, R), linear output (no tanh, as the paper). Block 0: pixel norm of z →
/// equalised dense to 4×4 → lrelu → pixel norm → 3×3 conv → pixel norm; block l: ×2 nearest → two 3×3 convs, each
/// followed by lrelu and pixel norm; toRGB l: 1×1 conv. While growing, level L's image is blended with the upsampled
/// toRGB of level L−1 by α. Exported at the final level with α = 1: blocks 0 … L, then toRGB L — no blending, no
/// unused toRGBs in the graph.
/// </summary>
public sealed class ProGanGenerator : nn.Module, IOnnxGraphModule
{
    private readonly List<Seq> _blocks = [];
    private readonly List<EqualizedConv2d> _toRgb = [];
    public ProGanOptions Options { get; }
    public int MaxLevel { get; }

    public ProGanGenerator(ProGanOptions o) : base(nameof(ProGanGenerator))
    {
        Options = o;
        MaxLevel = o.MaxLevel;
        long c0 = o.Width(0);
        _blocks.Add(new Seq(new PixelNorm(), new EqualizedLinear(o.ZDim, c0 * 16, lrelu: true), new Reshape(c0, 4, 4), new PixelNorm(),
            new EqualizedConv2d(c0, c0, 3), new PixelNorm()));
        for (int l = 1; l <= MaxLevel; l++)
            _blocks.Add(new Seq(new Upsample(2, UpsampleMethod.Nearest), new EqualizedConv2d(o.Width(l - 1), o.Width(l), 3), new PixelNorm(),
                new EqualizedConv2d(o.Width(l), o.Width(l), 3), new PixelNorm()));
        for (int l = 0; l <= MaxLevel; l++) _toRgb.Add(new EqualizedConv2d(o.Width(l), o.Channels, 1, lrelu: false));
        for (int l = 0; l <= MaxLevel; l++)
        {
            register_module($"blocks_{l}", _blocks[l]);
            register_module($"torgb_{l}", _toRgb[l]);
        }
    }

    /// <summary>Images at level <paramref name="level"/> (resolution 4·2^level), faded in by <paramref name="alpha"/>.</summary>
    public Tensor Forward(Tensor z, int level, double alpha)
    {
        var x = _blocks[0].forward(z);
        Tensor? previous = null;
        for (int l = 1; l <= level; l++)
        {
            previous = x;
            x = _blocks[l].forward(x);
        }
        var image = _toRgb[level].forward(x);
        if (previous is null || alpha >= 1) return image;
        var low = nn.functional.interpolate(_toRgb[level - 1].forward(previous), scale_factor: [2, 2], mode: InterpolationMode.Nearest);
        return low + (image - low) * alpha;
    }

    public IReadOnlyList<string> EmitGraph(OnnxGraphBuilder g, IReadOnlyList<string> inputs)
    {
        var chain = _blocks.Select((b, l) => ($"blocks_{l}", (nn.Module)b)).Append(($"torgb_{MaxLevel}", _toRgb[MaxLevel]));
        return [OnnxExporter.EmitChain(g, inputs[0], chain, GetName())];
    }

    public (OnnxIo[] Inputs, OnnxIo[] Outputs) OnnxSignature() =>
        ([new OnnxIo("z", [-1, Options.ZDim])], [new OnnxIo("image", [-1, Options.Channels, Options.Size, Options.Size])]);
}

/// <summary>
/// ProGAN discriminator (training only, never exported): fromRGB l (1×1 conv + lrelu) at the current level, blocks
/// L … 1 (two 3×3 convs, 2×2 average pool), the first blended with fromRGB L−1 of the pooled image by α while fading
/// in; then minibatch standard deviation, a 3×3 conv, the 4×4 → dense layer and the linear output.
/// </summary>
public sealed class ProGanDiscriminator : nn.Module
{
    private readonly List<EqualizedConv2d> _fromRgb = [];
    private readonly List<Seq> _blocks = [];
    public readonly EqualizedConv2d conv;
    public readonly EqualizedLinear dense;
    public readonly EqualizedLinear output;
    private readonly int _mbstdGroup;

    public ProGanDiscriminator(ProGanOptions o) : base(nameof(ProGanDiscriminator))
    {
        _mbstdGroup = o.MbstdGroup;
        for (int l = 0; l <= o.MaxLevel; l++) _fromRgb.Add(new EqualizedConv2d(o.Channels, o.Width(l), 1));
        _blocks.Add(new Seq()); // level 0 has no block of its own: the final layers below
        for (int l = 1; l <= o.MaxLevel; l++)
            _blocks.Add(new Seq(new EqualizedConv2d(o.Width(l), o.Width(l), 3), new EqualizedConv2d(o.Width(l), o.Width(l - 1), 3)));
        long c0 = o.Width(0);
        conv = new EqualizedConv2d(c0 + 1, c0, 3);
        dense = new EqualizedLinear(c0 * 16, c0, lrelu: true);   // the paper's 4×4 valid conv on a 4×4 map
        output = new EqualizedLinear(c0, 1);
        for (int l = 0; l <= o.MaxLevel; l++)
        {
            register_module($"fromrgb_{l}", _fromRgb[l]);
            register_module($"blocks_{l}", _blocks[l]);
        }
        register_module("conv", conv);
        register_module("dense", dense);
        register_module("output", output);
    }

    /// <summary>Critic scores (B,) of images at level <paramref name="level"/>'s resolution.</summary>
    public Tensor Forward(Tensor image, int level, double alpha)
    {
        var x = _fromRgb[level].forward(image);
        for (int l = level; l >= 1; l--)
        {
            x = nn.functional.avg_pool2d(_blocks[l].forward(x), 2);
            if (l == level && alpha < 1)
            {
                var low = _fromRgb[l - 1].forward(nn.functional.avg_pool2d(image, 2));
                x = low + (x - low) * alpha;
            }
        }
        x = conv.forward(Tricks.MinibatchStddev.Apply(x, _mbstdGroup));
        return output.forward(dense.forward(x.flatten(1))).squeeze(1);
    }
}
