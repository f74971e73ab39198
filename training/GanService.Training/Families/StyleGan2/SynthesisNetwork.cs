using GanService.Training.Onnx;

namespace GanService.Training.Families.StyleGan2;

/// <summary>
/// NVlabs SynthesisLayer: modulated 3×3 conv with demodulation (optionally upsampling ×2 with the [1,3,3,1] filter),
/// per-pixel noise with a learned strength (init 0), bias, lrelu·√2. Always the NON-FUSED form (the one NVlabs trains
/// with): x·s → conv with the shared weight → ·d, with d = rsqrt(s² · Σₖ W² + 1e-8), so export needs no per-sample
/// weights. <see cref="ForwardFused"/> is the per-sample-weight form, kept to test that both are the same function.
/// </summary>
public sealed class SynthesisLayer : nn.Module
{
    public readonly EqualizedLinear affine;
    public readonly Parameter weight;        // (out, in, 3, 3), N(0,1): demodulation makes its scale irrelevant
    public readonly Parameter noise_strength; // scalar, init 0
    public readonly Parameter bias;          // (out)
    public readonly Tensor noise_const;      // (H, W) buffer: the `const` noise
    public long InChannels { get; }
    public long OutChannels { get; }
    public int Resolution { get; }
    public bool Up { get; }
    /// <summary>NVlabs conv_clamp: the output is clamped to ±Clamp after the activation; null = none.</summary>
    public double? Clamp { get; }

    public SynthesisLayer(long inChannels, long outChannels, int wDim, int resolution, bool up, double? clamp = null) : base(nameof(SynthesisLayer))
    {
        (InChannels, OutChannels, Resolution, Up, Clamp) = (inChannels, outChannels, resolution, up, clamp);
        affine = new EqualizedLinear(wDim, inChannels, biasInit: 1);
        register_module("affine", affine);
        weight = new Parameter(torch.randn(outChannels, inChannels, 3, 3));
        register_parameter("weight", weight);
        noise_strength = new Parameter(torch.zeros([]));
        register_parameter("noise_strength", noise_strength);
        bias = new Parameter(torch.zeros(outChannels));
        register_parameter("bias", bias);
        noise_const = torch.randn(resolution, resolution);
        register_buffer("noise_const", noise_const);
    }

    /// <summary>x (B, in, H, W), w (B, W) → (B, out, H', W'). <paramref name="noise"/> (B, 1, H', W') overrides the mode.</summary>
    public Tensor Forward(Tensor x, Tensor w, NoiseMode mode, Tensor? noise = null)
    {
        var styles = affine.forward(w);                                               // (B, in)
        var dcoefs = (styles.square().matmul(weight.square().sum([2, 3]).t()) + 1e-8).rsqrt(); // (B, out)
        x = x * styles.unsqueeze(-1).unsqueeze(-1);
        x = Up ? UpConv(x, weight.transpose(0, 1), 1) : ConvolutionBackend.Conv2d(x, weight, padding: [1, 1]);
        x = x * dcoefs.unsqueeze(-1).unsqueeze(-1);
        return Epilogue(x, mode, noise);
    }

    /// <summary>Per-sample weights W'ᵢ = W · sᵢ · dᵢ as one grouped conv (NVlabs fused_modconv=True).</summary>
    public Tensor ForwardFused(Tensor x, Tensor w, NoiseMode mode, Tensor? noise = null)
    {
        long b = x.shape[0], h = x.shape[2], wd = x.shape[3];
        var styles = affine.forward(w);
        var wgt = weight.unsqueeze(0) * styles.reshape(b, 1, -1, 1, 1);               // (B, out, in, 3, 3)
        var d = (wgt.square().sum([2, 3, 4]) + 1e-8).rsqrt();
        wgt = wgt * d.reshape(b, -1, 1, 1, 1);
        var xg = x.reshape(1, b * InChannels, h, wd);
        Tensor y;
        if (Up)
            y = UpConv(xg, wgt.transpose(1, 2).reshape(b * InChannels, OutChannels, 3, 3), b);
        else
            y = ConvolutionBackend.Conv2d(xg, wgt.reshape(b * OutChannels, InChannels, 3, 3), padding: [1, 1], groups: b);
        y = y.reshape(b, OutChannels, y.shape[2], y.shape[3]);
        return Epilogue(y, mode, noise);
    }

    /// <summary>conv2d_resample(up=2): transposed 3×3 conv stride 2 (→ 2H+1), then [1,3,3,1] FIR (gain 4, pad 1) → 2H.</summary>
    private Tensor UpConv(Tensor x, Tensor transposedWeight, long groups)
    {
        var y = ConvolutionBackend.ConvTranspose2d(x, transposedWeight, strides: [2, 2], groups: groups);
        return StyleGanMath.Fir(y, gain: 4, padding: 1);
    }

    private Tensor Epilogue(Tensor x, NoiseMode mode, Tensor? noise)
    {
        if (noise is not null) x = x + noise * noise_strength;
        else if (mode == NoiseMode.Const) x = x + noise_const * noise_strength;
        else if (mode == NoiseMode.Random) x = x + torch.randn(x.shape[0], 1, Resolution, Resolution, device: x.device) * noise_strength;
        return StyleGanMath.ClampTo(StyleGanMath.Lrelu(x + bias.reshape(1, -1, 1, 1)), Clamp);
    }

    /// <summary>ONNX for <see cref="Forward"/>; <paramref name="noiseInput"/> (B,1,H,W) null = bake the const noise.</summary>
    public string Emit(OnnxGraphBuilder g, string x, string w, string? noiseInput)
    {
        string styles;
        using (g.Scope("affine")) styles = affine.Emit(g, w);
        // Σₖ W²: (out, in) → transposed (in, out) so that s² (B, in) @ it = (B, out).
        var wsq = g.Initializer("weight_sq_t", weight.detach().square().sum([2, 3]).t().contiguous());
        var d = g.Node("Reciprocal", [g.Node("Sqrt", [g.Node("Add", [g.Node("MatMul", [g.Node("Mul", [styles, styles]), wsq]), g.Scalar("eps", 1e-8f)])])]);
        var axes23 = g.Int64Initializer("axes23", [2, 3]);
        var y = g.Node("Mul", [x, g.Node("Unsqueeze", [styles, axes23])]);
        if (Up)
        {
            var wt = g.Initializer("weight_t", weight.detach().transpose(0, 1).contiguous());
            y = g.Node("ConvTranspose", [y, wt], ("kernel_shape", new[] { 3L, 3L }), ("strides", new[] { 2L, 2L }), ("pads", new[] { 0L, 0L, 0L, 0L }));
            var fir = g.Initializer("fir", StyleGanMath.FirWeightData(OutChannels, 4), [OutChannels, 1, 4, 4]);
            y = g.Node("Conv", [y, fir], ("kernel_shape", new[] { 4L, 4L }), ("pads", new[] { 1L, 1L, 1L, 1L }), ("group", OutChannels));
        }
        else
        {
            y = g.Node("Conv", [y, g.Initializer("weight", weight)], ("kernel_shape", new[] { 3L, 3L }), ("pads", new[] { 1L, 1L, 1L, 1L }));
        }
        y = g.Node("Mul", [y, g.Node("Unsqueeze", [d, axes23])]);
        if (noiseInput is not null)
            y = g.Node("Add", [y, g.Node("Mul", [noiseInput, g.Initializer("noise_strength", noise_strength.detach().reshape(1))])]);
        else
            y = g.Node("Add", [y, g.Initializer("noise", (noise_const * noise_strength).detach().reshape(1, 1, Resolution, Resolution))]);
        y = g.Node("Add", [y, g.Initializer("bias", bias.detach().reshape(1, -1, 1, 1))]);
        y = g.Node("Mul", [g.Node("LeakyRelu", [y], ("alpha", (float)StyleGanMath.LreluSlope)), g.Scalar("gain", (float)StyleGanMath.LreluGain)]);
        return StyleGanMath.EmitClamp(g, y, Clamp);
    }
}

/// <summary>NVlabs ToRGBLayer: modulated 1×1 conv WITHOUT demodulation (style × 1/√in), bias, linear.</summary>
public sealed class ToRgbLayer : nn.Module
{
    public readonly EqualizedLinear affine;
    public readonly Parameter weight; // (img, in, 1, 1)
    public readonly Parameter bias;
    public double WeightGain { get; }
    /// <summary>NVlabs conv_clamp: the output is clamped to ±Clamp after the bias; null = none.</summary>
    public double? Clamp { get; }

    public ToRgbLayer(long inChannels, long imageChannels, int wDim, double? clamp = null) : base(nameof(ToRgbLayer))
    {
        Clamp = clamp;
        affine = new EqualizedLinear(wDim, inChannels, biasInit: 1);
        register_module("affine", affine);
        weight = new Parameter(torch.randn(imageChannels, inChannels, 1, 1));
        register_parameter("weight", weight);
        bias = new Parameter(torch.zeros(imageChannels));
        register_parameter("bias", bias);
        WeightGain = 1 / Math.Sqrt(inChannels);
    }

    public Tensor Forward(Tensor x, Tensor w)
    {
        var styles = affine.forward(w) * WeightGain;
        return StyleGanMath.ClampTo(ConvolutionBackend.Conv2d(x * styles.unsqueeze(-1).unsqueeze(-1), weight, bias), Clamp);
    }

    public string Emit(OnnxGraphBuilder g, string x, string w)
    {
        string styles;
        using (g.Scope("affine")) styles = affine.Emit(g, w);
        var y = g.Node("Mul", [x, g.Node("Unsqueeze", [styles, g.Int64Initializer("axes23", [2, 3])])]);
        // The style gain is folded into the 1×1 weight: (x·s·c) ⊛ W = (x·s) ⊛ (c W).
        y = g.Node("Conv", [y, g.Initializer("weight", weight.detach() * WeightGain), g.Initializer("bias", bias)], ("kernel_shape", new[] { 1L, 1L }));
        return StyleGanMath.EmitClamp(g, y, Clamp);
    }
}

/// <summary>
/// One resolution of the skip-architecture synthesis network: (const 4×4 | conv0 ↑2) → conv1 → ToRGB, and
/// img = upsample(img) + ToRGB(x). Uses ws[first … first+NumConv] (the ToRGB shares its w with the next block's conv0).
/// </summary>
public sealed class SynthesisBlock : nn.Module
{
    public readonly Parameter? @const;
    public readonly SynthesisLayer? conv0;
    public readonly SynthesisLayer conv1;
    public readonly ToRgbLayer torgb;
    public readonly FirUpsample2d? upsample;
    public int Resolution { get; }
    public int NumConv => conv0 is null ? 1 : 2;

    public SynthesisBlock(long inChannels, long outChannels, int wDim, int resolution, int imageChannels, double? clamp = null) : base(nameof(SynthesisBlock))
    {
        Resolution = resolution;
        if (inChannels == 0)
        {
            @const = new Parameter(torch.randn(outChannels, resolution, resolution));
            register_parameter("const", @const);
        }
        else
        {
            conv0 = new SynthesisLayer(inChannels, outChannels, wDim, resolution, up: true, clamp);
            register_module("conv0", conv0);
        }
        conv1 = new SynthesisLayer(outChannels, outChannels, wDim, resolution, up: false, clamp);
        register_module("conv1", conv1);
        torgb = new ToRgbLayer(outChannels, imageChannels, wDim, clamp);
        register_module("torgb", torgb);
        if (inChannels != 0) upsample = new FirUpsample2d(imageChannels);
    }

    public IEnumerable<SynthesisLayer> Layers => conv0 is null ? [conv1] : [conv0, conv1];
}

/// <summary>
/// NVlabs SynthesisNetwork (architecture "skip"): blocks 4, 8, …, resolution; channels(res) from
/// <see cref="StyleGan2Architecture.ChannelsAt"/> (min(base/res, max) unless an explicit table is given).
/// ws (B, num_ws, W) → image (B, C, R, R), num_ws = Σ NumConv + 1.
/// </summary>
public sealed class SynthesisNetwork : nn.Module
{
    private readonly List<SynthesisBlock> _blocks = [];
    public int Resolution { get; }
    public int WDim { get; }
    public int ImageChannels { get; }
    public int NumWs { get; }
    public IReadOnlyList<SynthesisBlock> Blocks => _blocks;
    public IEnumerable<SynthesisLayer> NoiseLayers => _blocks.SelectMany(b => b.Layers);
    public int NumNoiseInputs => _blocks.Sum(b => b.NumConv);

    public SynthesisNetwork(StyleGan2Architecture arch) : base(nameof(SynthesisNetwork))
    {
        int resolution = arch.Resolution;
        if (resolution < 4 || (resolution & (resolution - 1)) != 0) throw new ArgumentException($"resolution {resolution} must be a power of two ≥ 4");
        if (arch.Channels is { } table && table.Length != arch.Resolutions().Count())
            throw new ArgumentException($"the channel table has {table.Length} entries; resolution {resolution} needs one per 4² … {resolution}² ({arch.Resolutions().Count()})");
        if (arch.ConvClamp is <= 0) throw new ArgumentException($"conv_clamp must be positive (got {arch.ConvClamp})");
        (Resolution, WDim, ImageChannels) = (resolution, arch.WDim, arch.ImageChannels);
        long inC = 0;
        foreach (int res in arch.Resolutions())
        {
            long outC = arch.ChannelsAt(res);
            if (outC <= 0) throw new ArgumentException($"channels at {res}² must be positive (got {outC})");
            var block = new SynthesisBlock(inC, outC, arch.WDim, res, arch.ImageChannels, arch.ConvClamp);
            register_module($"b{res}", block);
            _blocks.Add(block);
            inC = outC;
        }
        NumWs = _blocks.Sum(b => b.NumConv) + 1;
    }

    /// <summary>ws (B, num_ws, W) → (B, C, R, R). <paramref name="noise"/>: one (B,1,H,W) per noise layer, or null.</summary>
    public Tensor Forward(Tensor ws, NoiseMode mode = NoiseMode.Const, IReadOnlyList<Tensor>? noise = null) =>
        Walk(new EagerOps(ws, mode, noise, fused: false));

    /// <summary>Same as Forward with every SynthesisLayer in its fused (per-sample weight) form — for the equivalence test.</summary>
    public Tensor ForwardFused(Tensor ws, NoiseMode mode = NoiseMode.Const) => Walk(new EagerOps(ws, mode, null, fused: true));

    /// <summary>ONNX: ws (B, num_ws, W) [+ noise inputs (B,1,H,W) per layer] → image.</summary>
    public string EmitGraph(OnnxGraphBuilder g, string ws, IReadOnlyList<string>? noiseInputs) => Walk(new OnnxOps(g, ws, noiseInputs));

    /// <summary>
    /// What one step of the synthesis does, in terms of the values <typeparamref name="T"/> it passes on: tensors when
    /// running (<see cref="EagerOps"/>), ONNX value names when exporting (<see cref="OnnxOps"/>). <see cref="Walk"/> is
    /// the only place that knows the block order and which w row each layer reads, so the three uses cannot drift.
    /// </summary>
    private interface ISynthesisOps<T> where T : class
    {
        IDisposable Block(SynthesisBlock block);
        T Const(SynthesisBlock block);                                        // (B, C, 4, 4)
        T Layer(string name, SynthesisLayer layer, T x, int index);           // ws row = noise input = index
        T ToRgb(ToRgbLayer layer, T x, int wIndex);
        T Skip(FirUpsample2d upsample, T img, T y);                           // upsample(img) + y
    }

    /// <summary>The skip architecture: per block (const | conv0 ↑2) → conv1 → ToRGB, img = upsample(img) + ToRGB(x).
    /// Block k's layers read ws rows [first, first + NumConv); its ToRGB reads the next row (shared with the next conv0).</summary>
    private T Walk<T>(ISynthesisOps<T> ops) where T : class
    {
        T? x = null, img = null;
        int first = 0;
        foreach (var b in _blocks)
        {
            using var _ = ops.Block(b);
            x = b.conv0 is null ? ops.Const(b) : ops.Layer("conv0", b.conv0, x!, first);
            x = ops.Layer("conv1", b.conv1, x, first + b.NumConv - 1);
            var y = ops.ToRgb(b.torgb, x, first + b.NumConv);
            img = img is null ? y : ops.Skip(b.upsample!, img, y);
            first += b.NumConv;
        }
        return img!;
    }

    private sealed class EagerOps(Tensor ws, NoiseMode mode, IReadOnlyList<Tensor>? noise, bool fused) : ISynthesisOps<Tensor>
    {
        public IDisposable Block(SynthesisBlock block) => NoScope.Instance;
        public Tensor Const(SynthesisBlock block) => block.@const!.unsqueeze(0).repeat(ws.shape[0], 1, 1, 1);
        public Tensor Layer(string name, SynthesisLayer layer, Tensor x, int index) => fused
            ? layer.ForwardFused(x, ws[.., index], mode, noise?[index])
            : layer.Forward(x, ws[.., index], mode, noise?[index]);
        public Tensor ToRgb(ToRgbLayer layer, Tensor x, int wIndex) => layer.Forward(x, ws[.., wIndex]);
        public Tensor Skip(FirUpsample2d upsample, Tensor img, Tensor y) => upsample.forward(img) + y;
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();
        public void Dispose() { }
    }

    /// <summary>Node and initializer names are scoped b{res}/conv0|conv1|torgb|upsample, as the parity tests expect.</summary>
    private sealed class OnnxOps(OnnxGraphBuilder g, string ws, IReadOnlyList<string>? noiseInputs) : ISynthesisOps<string>
    {
        private string W(int i) => g.Node("Gather", [ws, g.Int64Initializer($"w{i}", [i], [])], ("axis", 1L)); // (B, W)

        public IDisposable Block(SynthesisBlock block) => g.Scope($"b{block.Resolution}");

        /// <summary>(1, C, 4, 4) broadcast to the batch by adding zeros shaped (B, 1, 1, 1) made from ws.</summary>
        public string Const(SynthesisBlock block)
        {
            var zeros = g.Node("Unsqueeze", [g.Node("ReduceSum", [g.Node("Mul", [ws, g.Scalar("zero", 0f)]), g.Int64Initializer("axes12", [1, 2])], ("keepdims", 0L)), g.Int64Initializer("axes123", [1, 2, 3])]);
            return g.Node("Add", [g.Initializer("const", block.@const!.detach().unsqueeze(0)), zeros]);
        }

        public string Layer(string name, SynthesisLayer layer, string x, int index)
        {
            using (g.Scope(name)) return layer.Emit(g, x, W(index), noiseInputs?[index]);
        }

        public string ToRgb(ToRgbLayer layer, string x, int wIndex)
        {
            using (g.Scope("torgb")) return layer.Emit(g, x, W(wIndex));
        }

        public string Skip(FirUpsample2d upsample, string img, string y)
        {
            using (g.Scope("upsample")) return g.Node("Add", [upsample.Emit(g, img), y]);
        }
    }
}
