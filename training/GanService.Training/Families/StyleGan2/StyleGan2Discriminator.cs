namespace GanService.Training.Families.StyleGan2;

/// <summary>
/// NVlabs Conv2dLayer for the discriminator: equalised LR (N(0,1) weight × 1/√(in·k²)), optional ×2 downsampling with
/// the [1,3,3,1] filter (FIR then stride-2 conv, as conv2d_resample), lrelu·√2 (× an extra gain on residual branches).
/// Training only: the discriminator is never exported.
/// </summary>
public sealed class DiscriminatorConv : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    public readonly Parameter? bias;
    private readonly double _weightGain, _actGain;
    private readonly bool _lrelu, _down;
    private readonly long _kernel;

    public DiscriminatorConv(long inChannels, long outChannels, long kernel, bool bias = true, bool lrelu = true, bool down = false,
        double gain = 1) : base(nameof(DiscriminatorConv))
    {
        weight = new Parameter(torch.randn(outChannels, inChannels, kernel, kernel));
        register_parameter("weight", weight);
        if (bias) { this.bias = new Parameter(torch.zeros(outChannels)); register_parameter("bias", this.bias); }
        _weightGain = 1 / Math.Sqrt(inChannels * kernel * kernel);
        _actGain = (lrelu ? StyleGanMath.LreluGain : 1) * gain;
        (_lrelu, _down, _kernel) = (lrelu, down, kernel);
    }

    public override Tensor forward(Tensor x)
    {
        var w = weight * _weightGain;
        if (_down)
        {
            // 3×3: pad 2, FIR → H+1, conv stride 2 → H/2. 1×1: pad 1, FIR stride 2 → H/2, then conv.
            if (_kernel == 1)
                x = ConvolutionBackend.Conv2d(StyleGanMath.Fir(x, 1, padding: 1, stride: 2), w, bias);
            else
                x = ConvolutionBackend.Conv2d(StyleGanMath.Fir(x, 1, padding: 2), w, bias, strides: [2, 2]);
        }
        else x = ConvolutionBackend.Conv2d(x, w, bias, padding: [_kernel / 2, _kernel / 2]);
        if (_lrelu) x = x.leaky_relu(Layers.Scalars.Of(StyleGanMath.LreluSlope));
        return _actGain == 1 ? x : x * _actGain;
    }
}

/// <summary>NVlabs DiscriminatorBlock, architecture "resnet": x + … with skip = 1×1 down (no bias, gain √½).</summary>
public sealed class DiscriminatorBlock : nn.Module<Tensor, Tensor>
{
    public readonly DiscriminatorConv conv0;
    public readonly DiscriminatorConv conv1;
    public readonly DiscriminatorConv skip;

    public DiscriminatorBlock(long inChannels, long tmpChannels, long outChannels) : base(nameof(DiscriminatorBlock))
    {
        conv0 = new DiscriminatorConv(inChannels, tmpChannels, 3);
        conv1 = new DiscriminatorConv(tmpChannels, outChannels, 3, down: true, gain: Math.Sqrt(0.5));
        skip = new DiscriminatorConv(inChannels, outChannels, 1, bias: false, lrelu: false, down: true, gain: Math.Sqrt(0.5));
        register_module("conv0", conv0);
        register_module("conv1", conv1);
        register_module("skip", skip);
    }

    public override Tensor forward(Tensor x) => skip.forward(x) + conv1.forward(conv0.forward(x));
}

/// <summary>
/// NVlabs Discriminator (resnet): FromRGB at the top resolution, residual blocks down to 4×4, then the epilogue:
/// minibatch standard deviation (group 4, 1 channel) → conv 3×3 → FC → FC(1). (B, C, R, R) → logits (B, 1).
/// </summary>
public sealed class StyleGan2Discriminator : nn.Module<Tensor, Tensor>
{
    public readonly DiscriminatorConv fromrgb;
    private readonly List<DiscriminatorBlock> _blocks = [];
    public readonly DiscriminatorConv conv;
    public readonly EqualizedLinear fc;  // the generator's equalised FC layer, at lr_mul 1 and bias 0 (NVlabs uses one class for both)
    public readonly EqualizedLinear @out;
    private readonly int _mbstdGroup;

    public StyleGan2Discriminator(StyleGan2Architecture arch) : base(nameof(StyleGan2Discriminator))
    {
        _mbstdGroup = arch.MbstdGroup;
        long Ch(int res) => arch.ChannelsAt(res);
        fromrgb = new DiscriminatorConv(arch.ImageChannels, Ch(arch.Resolution), 1);
        register_module("fromrgb", fromrgb);
        for (int res = arch.Resolution; res > 4; res /= 2)
        {
            var block = new DiscriminatorBlock(Ch(res), Ch(res), Ch(res / 2));
            register_module($"b{res}", block);
            _blocks.Add(block);
        }
        long c4 = Ch(4);
        conv = new DiscriminatorConv(c4 + 1, c4, 3);
        fc = new EqualizedLinear(c4 * 16, c4, lrelu: true);
        @out = new EqualizedLinear(c4, 1);
        register_module("conv", conv);
        register_module("fc", fc);
        register_module("out", @out);
    }

    public override Tensor forward(Tensor img)
    {
        var x = fromrgb.forward(img);
        foreach (var b in _blocks) x = b.forward(x);
        x = Tricks.MinibatchStddev.Apply(x, _mbstdGroup);
        x = conv.forward(x);
        return @out.forward(fc.forward(x.flatten(1)));
    }
}
