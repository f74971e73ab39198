using GanService.Training.Families.StyleGan2;
using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.StyleGan;

/// <summary>
/// The [1, 2, 1] binomial low-pass filter of the StyleGAN paper (§ "bilinear up/downsampling", NVlabs blur_filter):
/// a depthwise 3×3 convolution with the kernel [1,2,1]ᵀ[1,2,1] / 16, zero-padded so the size is kept. ONNX: Conv with
/// group = channels.
/// </summary>
public sealed class Blur2d(long channels) : Layer(nameof(Blur2d))
{
    public long Channels { get; } = channels;

    /// <summary>The kernel repeated per channel, (C, 1, 3, 3) row-major; sums to 1.</summary>
    public float[] KernelData()
    {
        double[] f = [1, 2, 1];
        var data = new float[Channels * 9];
        for (long c = 0; c < Channels; c++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    data[c * 9 + i * 3 + j] = (float)(f[i] * f[j] / 16);
        return data;
    }

    public override Tensor forward(Tensor x)
    {
        using var k = torch.tensor(KernelData(), [Channels, 1, 3, 3], device: x.device);
        return ConvolutionBackend.Conv2d(x, k, padding: [1, 1], groups: Channels);
    }

    public override string Emit(OnnxGraphBuilder g, string input) =>
        g.Node("Conv", [input, g.Initializer("kernel", KernelData(), [Channels, 1, 3, 3])],
            ("kernel_shape", new[] { 3L, 3L }), ("pads", new[] { 1L, 1L, 1L, 1L }), ("group", Channels));
}

/// <summary>
/// One StyleGAN synthesis layer (NVlabs G_synthesis: conv, then layer_epilogue): [×2 nearest upsample, [1,2,1] blur],
/// equalised 3×3 conv (none for the first layer, which starts from the learned constant), per-pixel noise — one
/// single-channel map scaled by a learned per-channel weight (init 0) — added, leaky ReLU 0.2, instance norm (ε 1e-8),
/// then AdaIN's style: an equalised dense layer of w gives (scale, bias) per channel and x·(scale + 1) + bias.
/// <para>Deviations from NVlabs, each leaving the function class the same: the blur comes right after the upsampling
/// (the paper's order; NVlabs blurs after the conv — both are linear, they differ only at the border) so the conv's bias
/// is exact; the conv is <see cref="EqualizedConv2d"/> with gain 1/√fan_in (NVlabs √2/√fan_in): the instance norm that
/// follows the positively homogeneous lrelu removes any scale, so the √2 only re-weights noise and bias; the first
/// layer has no bias of its own (the constant it adds to is learned).</para>
/// </summary>
public sealed class StyleGanLayer : nn.Module
{
    public readonly Upsample? upsample;
    public readonly Blur2d? blur;
    public readonly EqualizedConv2d? conv;
    public readonly Parameter noise_strength; // (C), init 0 (NVlabs apply_noise weight)
    public readonly Tensor noise_const;       // (H, W) buffer: the `const` noise (NVlabs' stored noise variables)
    public readonly InstanceNorm2d norm;
    public readonly EqualizedLinear style;    // w → (scale, bias) per channel, gain 1 (NVlabs style_mod dense)
    public long Channels { get; }
    public int Resolution { get; }

    /// <param name="inChannels">0: the first layer (no conv: it styles the learned constant).</param>
    public StyleGanLayer(long inChannels, long channels, int wDim, int resolution, bool up) : base(nameof(StyleGanLayer))
    {
        (Channels, Resolution) = (channels, resolution);
        if (up)
        {
            upsample = new Upsample(2, UpsampleMethod.Nearest);
            blur = new Blur2d(inChannels);
            register_module("upsample", upsample);
            register_module("blur", blur);
        }
        if (inChannels > 0)
        {
            conv = new EqualizedConv2d(inChannels, channels, 3, lrelu: false);
            register_module("conv", conv);
        }
        noise_strength = new Parameter(torch.zeros(channels));
        register_parameter("noise_strength", noise_strength);
        noise_const = torch.randn(resolution, resolution);
        register_buffer("noise_const", noise_const);
        norm = new InstanceNorm2d(channels, affine: false, eps: 1e-8);
        register_module("norm", norm);
        style = new EqualizedLinear(wDim, 2 * channels);
        register_module("style", style);
    }

    /// <summary>x (B, in, H, W) and w (B, W) → (B, C, H', W'). <paramref name="noise"/> (B, 1, H', W') overrides the mode;
    /// <paramref name="generator"/> draws the `random` noise.</summary>
    public Tensor Forward(Tensor x, Tensor w, NoiseMode mode, Tensor? noise = null, torch.Generator? generator = null)
    {
        if (upsample is not null) x = blur!.forward(upsample.forward(x));
        if (conv is not null) x = conv.forward(x);
        var strength = noise_strength.reshape(1, -1, 1, 1);
        if (noise is not null) x = x + noise * strength;
        else if (mode == NoiseMode.Const) x = x + noise_const.reshape(1, 1, Resolution, Resolution) * strength;
        else if (mode == NoiseMode.Random)
            x = x + torch.randn([x.shape[0], 1, Resolution, Resolution], generator: generator).to(x.device) * strength;
        x = norm.forward(x.leaky_relu(Scalars.Of(StyleGanMath.LreluSlope)));
        var s = style.forward(w).reshape(-1, 2, Channels, 1, 1);
        return x * (s.select(1, 0) + 1) + s.select(1, 1);
    }

    /// <summary>ONNX for <see cref="Forward"/>; <paramref name="noiseInput"/> (B, 1, H, W) null = bake the const noise.</summary>
    public string Emit(OnnxGraphBuilder g, string x, string w, string? noiseInput)
    {
        if (upsample is not null)
        {
            using (g.Scope("upsample")) x = upsample.Emit(g, x);
            using (g.Scope("blur")) x = blur!.Emit(g, x);
        }
        if (conv is not null)
            using (g.Scope("conv")) x = conv.Emit(g, x);
        var strength = noise_strength.detach().reshape(1, -1, 1, 1);
        x = noiseInput is not null
            ? g.Node("Add", [x, g.Node("Mul", [noiseInput, g.Initializer("noise_strength", strength)])])
            : g.Node("Add", [x, g.Initializer("noise", (noise_const.reshape(1, 1, Resolution, Resolution) * strength).detach())]);
        x = g.Node("LeakyRelu", [x], ("alpha", (float)StyleGanMath.LreluSlope));
        using (g.Scope("norm")) x = norm.Emit(g, x);
        string s;
        using (g.Scope("style")) s = style.Emit(g, w);
        s = g.Node("Reshape", [s, g.Int64Initializer("style_shape", [-1, 2, Channels, 1, 1])]);
        var scale = g.Node("Add", [g.Node("Gather", [s, g.Int64Initializer("scale_row", [0], [])], ("axis", 1L)), g.Scalar("one", 1f)]);
        var bias = g.Node("Gather", [s, g.Int64Initializer("bias_row", [1], [])], ("axis", 1L));
        return g.Node("Add", [g.Node("Mul", [x, scale]), bias]);
    }
}

/// <summary>
/// NVlabs G_synthesis (structure "linear", the one that grows): a learned 4×4 constant (init 1), then per level two
/// <see cref="StyleGanLayer"/>s — at 4² the styled constant and a 3×3 conv, above it ×2 upsample + blur + conv and a
/// conv — each reading its own row of ws; a 1×1 equalised toRGB per level. While level L fades in, its image is blended
/// with the nearest-upsampled toRGB of level L−1 by α, as ProGAN. Exported at the final level with α = 1.
/// </summary>
public sealed class StyleGanSynthesis : nn.Module
{
    public readonly Parameter @const;
    private readonly List<StyleGanLayer> _layers = [];
    private readonly List<EqualizedConv2d> _toRgb = [];
    public int MaxLevel { get; }
    public int Size { get; }
    public int Channels { get; }
    public IReadOnlyList<StyleGanLayer> Layers => _layers;
    public int NumWs => _layers.Count;
    /// <summary>Every layer takes one noise map (the synthesis_noise graph's inputs, in layer order).</summary>
    public int NumNoiseInputs => _layers.Count;

    public StyleGanSynthesis(StyleGanOptions o) : base(nameof(StyleGanSynthesis))
    {
        (MaxLevel, Size, Channels) = (o.MaxLevel, o.Size, o.Channels);
        long c0 = o.Width(0);
        @const = new Parameter(torch.ones(c0, 4, 4));
        register_parameter("const", @const);
        _layers.Add(new StyleGanLayer(0, c0, o.WDim, 4, up: false));
        _layers.Add(new StyleGanLayer(c0, c0, o.WDim, 4, up: false));
        for (int l = 1; l <= MaxLevel; l++)
        {
            _layers.Add(new StyleGanLayer(o.Width(l - 1), o.Width(l), o.WDim, 4 << l, up: true));
            _layers.Add(new StyleGanLayer(o.Width(l), o.Width(l), o.WDim, 4 << l, up: false));
        }
        for (int l = 0; l <= MaxLevel; l++) _toRgb.Add(new EqualizedConv2d(o.Width(l), o.Channels, 1, lrelu: false));
        for (int i = 0; i < _layers.Count; i++) register_module($"layers_{i}", _layers[i]);
        for (int l = 0; l <= MaxLevel; l++) register_module($"torgb_{l}", _toRgb[l]);
    }

    /// <summary>ws (B, num_ws, W) → images at <paramref name="level"/> (4·2^level), faded in by <paramref name="alpha"/>;
    /// rows above the level's layers are not read. <paramref name="noise"/>: one (B, 1, H, W) per layer, or null.</summary>
    public Tensor Forward(Tensor ws, int level, double alpha, NoiseMode mode = NoiseMode.Const, IReadOnlyList<Tensor>? noise = null,
        torch.Generator? generator = null)
    {
        var x = @const.unsqueeze(0).expand(ws.shape[0], -1, -1, -1);
        Tensor? previous = null;
        for (int l = 0; l <= level; l++)
        {
            if (l > 0) previous = x;
            for (int i = 2 * l; i < 2 * l + 2; i++) x = _layers[i].Forward(x, ws[.., i], mode, noise?[i], generator);
        }
        var image = _toRgb[level].forward(x);
        if (previous is null || alpha >= 1) return image;
        var low = nn.functional.interpolate(_toRgb[level - 1].forward(previous), scale_factor: [2, 2], mode: InterpolationMode.Nearest);
        return torch.lerp(low, image, alpha);
    }

    /// <summary>ONNX at the final level (α = 1): ws (B, num_ws, W) [+ one noise input per layer] → image.</summary>
    public string EmitGraph(OnnxGraphBuilder g, string ws, IReadOnlyList<string>? noiseInputs)
    {
        // The constant broadcast to the batch: Expand to (B, C, 4, 4) with B read from ws.
        var shape = g.Node("Concat", [g.Node("Shape", [ws], ("end", 1L)), g.Int64Initializer("const_shape", [.. @const.shape])], ("axis", 0L));
        var x = g.Node("Expand", [g.Initializer("const", @const.detach().unsqueeze(0)), shape]);
        for (int i = 0; i < _layers.Count; i++)
            using (g.Scope($"layers_{i}"))
            {
                var w = g.Node("Gather", [ws, g.Int64Initializer("row", [i], [])], ("axis", 1L)); // (B, W)
                x = _layers[i].Emit(g, x, w, noiseInputs?[i]);
            }
        using (g.Scope($"torgb_{MaxLevel}")) return _toRgb[MaxLevel].Emit(g, x);
    }
}

/// <summary>
/// NVlabs G_style: the StyleGAN2 <see cref="MappingNetwork"/> (pixel norm of z, FC layers with lr multiplier 0.01 and
/// leaky ReLU, w_avg tracked with β 0.995 for truncation in W) feeding a <see cref="StyleGanSynthesis"/>. The mapping is
/// the same network in the 2018 and 2020 papers, so it is shared, not copied.
/// </summary>
public sealed class StyleGanGenerator : nn.Module
{
    public readonly MappingNetwork mapping;
    public readonly StyleGanSynthesis synthesis;
    public StyleGanOptions Options { get; }
    public int NumWs => synthesis.NumWs;

    public StyleGanGenerator(StyleGanOptions o) : base(nameof(StyleGanGenerator))
    {
        Options = o;
        synthesis = new StyleGanSynthesis(o);
        mapping = new MappingNetwork(o.ZDim, o.WDim, synthesis.NumWs, o.MappingLayers, o.MappingLrMultiplier);
        register_module("mapping", mapping);
        register_module("synthesis", synthesis);
    }

    /// <summary>z (B, Z) → final-resolution images, truncated by ψ in W on rows [0, cutoff) (all rows when null).</summary>
    public Tensor Generate(Tensor z, double psi = 1, int? cutoff = null, NoiseMode mode = NoiseMode.Const) =>
        synthesis.Forward(mapping.MapWs(z, psi, cutoff), synthesis.MaxLevel, 1, mode);

    /// <summary>
    /// Training ws with style mixing as NVlabs G_style: with probability p a second latent's w drives the layers from a
    /// cutoff drawn uniformly from 1 … <paramref name="activeLayers"/> − 1, where active layers are those of the current
    /// growing level (so a mix always reaches a layer that is in use). <paramref name="updateWAvg"/>: fold this batch's
    /// mean w into w_avg.
    /// </summary>
    public Tensor MixedWs(Tensor z, int activeLayers, double mixingProb, Random mix, torch.Generator generator, bool updateWAvg)
    {
        var ws = mapping.Map(z, updateWAvg).unsqueeze(1).repeat(1, NumWs, 1);
        if (mixingProb <= 0 || activeLayers < 2 || mix.NextDouble() >= mixingProb) return ws;
        int cutoff = mix.Next(1, activeLayers);
        var other = mapping.Map(torch.randn(z.shape, generator: generator).to(z.device)).unsqueeze(1).repeat(1, NumWs - cutoff, 1);
        return torch.cat([ws[.., ..cutoff], other], 1);
    }
}
