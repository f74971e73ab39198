using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.SrGan;

/// <summary>
/// SRGAN's generator as BasicSR trains it today (MSRResNet, basicsr/archs/srresnet_arch.py): Ledig et al. 2017's SRResNet
/// with the BatchNorm taken out of its residual blocks (as EDSR and ESRGAN found it better). A 3×3 conv to <c>nf</c>
/// features and LeakyReLU 0.1, <c>nb</c> residual blocks (conv–ReLU–conv plus the input), then sub-pixel upsampling —
/// a 3×3 conv to nf·r² channels and a pixel shuffle by r, LeakyReLU 0.1 — once for ×2 or ×3, twice by 2 for ×4; a 3×3
/// conv + LeakyReLU and a 3×3 conv to the image; plus the input upsampled bilinearly (so the trunk learns the residual
/// over bilinear). Like RRDBNet it has no normalisation: every output pixel depends on a bounded window, so it is served
/// at any size and tile by tile. Children carry BasicSR's names: conv_first, body.N.conv1/conv2, upconv1, upconv2,
/// conv_hr, conv_last. Images in [0, 1]; the output is not clamped.
/// </summary>
public sealed class SrResNet : Layer
{
    public readonly Conv2d conv_first;
    public readonly Seq body;
    public readonly Conv2d upconv1;
    public readonly Conv2d? upconv2;
    public readonly Conv2d conv_hr;
    public readonly Conv2d conv_last;
    private readonly LeakyReLU _lrelu = new(0.1);
    private readonly PixelShuffle _shuffle;
    private readonly Upsample _base;

    public SrResNet(long channels = 3, int scale = 4, long nf = 64, int nb = 16) : base(nameof(SrResNet))
    {
        if (scale is not (2 or 3 or 4)) throw new ArgumentException($"scale {scale} must be 2, 3 or 4");
        Scale = scale;
        int step = scale == 4 ? 2 : scale; // ×4 = two ×2 pixel shuffles
        conv_first = new Conv2d(channels, nf, 3, padding: 1);
        body = new Seq();
        for (int i = 0; i < nb; i++) body.Add(new ResidualBlockNoBn(nf));
        upconv1 = new Conv2d(nf, nf * step * step, 3, padding: 1);
        if (scale == 4) upconv2 = new Conv2d(nf, nf * 4, 3, padding: 1);
        conv_hr = new Conv2d(nf, nf, 3, padding: 1);
        conv_last = new Conv2d(nf, channels, 3, padding: 1);
        _shuffle = new PixelShuffle(step);
        _base = new Upsample(scale, UpsampleMethod.Bilinear);
        RegisterComponents();
    }

    /// <summary>Output size ÷ input size.</summary>
    public int Scale { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var feat = body.forward(_lrelu.forward(conv_first.forward(x)));
        feat = _lrelu.forward(_shuffle.forward(upconv1.forward(feat)));
        if (upconv2 is not null) feat = _lrelu.forward(_shuffle.forward(upconv2.forward(feat)));
        var residual = conv_last.forward(_lrelu.forward(conv_hr.forward(feat)));
        return (residual + _base.forward(x)).MoveToOuterDisposeScope();
    }

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        string feat;
        using (g.Scope("conv_first")) feat = _lrelu.Emit(g, conv_first.Emit(g, input));
        using (g.Scope("body")) feat = body.Emit(g, feat);
        using (g.Scope("upconv1")) feat = _lrelu.Emit(g, _shuffle.Emit(g, upconv1.Emit(g, feat)));
        if (upconv2 is not null)
            using (g.Scope("upconv2")) feat = _lrelu.Emit(g, _shuffle.Emit(g, upconv2.Emit(g, feat)));
        using (g.Scope("conv_hr")) feat = _lrelu.Emit(g, conv_hr.Emit(g, feat));
        using (g.Scope("conv_last")) feat = conv_last.Emit(g, feat);
        string upsampled;
        using (g.Scope("base")) upsampled = _base.Emit(g, input);
        return g.Node("Add", [feat, upsampled]);
    }

    /// <summary>BasicSR's initialisation (default_init_weights with scale 0.1 on every conv of MSRResNet, its residual
    /// blocks included): Kaiming-normal weights × 0.1, zero biases, so the untrained network is close to bilinear
    /// upsampling plus a small residual.</summary>
    public void InitializeAsBasicSr(torch.Generator? generator = null)
    {
        foreach (var (_, m) in named_modules())
            if (m is Conv2d c) BasicSrInit.Scaled(c, 0.1, generator);
    }
}

/// <summary>EDSR / MSRResNet's residual block without BatchNorm (BasicSR ResidualBlockNoBN, res_scale 1): x + conv2(relu(conv1(x))).</summary>
public sealed class ResidualBlockNoBn : Layer
{
    public readonly Conv2d conv1;
    public readonly Conv2d conv2;
    private readonly ReLU _relu = new();

    public ResidualBlockNoBn(long nf) : base(nameof(ResidualBlockNoBn))
    {
        conv1 = new Conv2d(nf, nf, 3, padding: 1);
        conv2 = new Conv2d(nf, nf, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return (x + conv2.forward(_relu.forward(conv1.forward(x)))).MoveToOuterDisposeScope();
    }

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        string y;
        using (g.Scope("conv1")) y = _relu.Emit(g, conv1.Emit(g, input));
        using (g.Scope("conv2")) y = conv2.Emit(g, y);
        return g.Node("Add", [input, y]);
    }
}

/// <summary>BasicSR's default_init_weights (basicsr/archs/arch_util.py): Kaiming-normal (fan in, gain √2) weights
/// multiplied by a scale (0.1 for residual branches, so a deep trunk without normalisation starts near the identity),
/// biases zero.</summary>
public static class BasicSrInit
{
    public static void Scaled(Conv2d conv, double scale, torch.Generator? generator = null)
    {
        using var _ = torch.no_grad();
        long fanIn = conv.weight.shape[1] * conv.weight.shape[2] * conv.weight.shape[3];
        double std = Math.Sqrt(2.0 / fanIn);
        conv.weight.copy_(torch.randn(conv.weight.shape, generator: generator) * (std * scale));
        conv.bias?.zero_();
    }
}
