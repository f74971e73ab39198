using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Families.StyleGan2;

/// <summary>Constants shared by the StyleGAN2 layers (NVlabs bias_act / upfirdn2d conventions).</summary>
public static class StyleGanMath
{
    /// <summary>bias_act's lrelu: slope 0.2, then × √2 so the activation keeps unit variance.</summary>
    public const double LreluSlope = 0.2;
    public static readonly double LreluGain = Math.Sqrt(2);

    /// <summary>The [1,3,3,1] low-pass filter as a normalised 4×4 kernel (sum 1), times <paramref name="gain"/>.</summary>
    public static float[] FirKernel(double gain = 1)
    {
        double[] f = [1, 3, 3, 1];
        var k = new float[16];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                k[i * 4 + j] = (float)(f[i] * f[j] / 64.0 * gain);
        return k;
    }

    /// <summary>The FIR kernel as a depthwise weight (C, 1, 4, 4).</summary>
    public static Tensor FirWeight(long channels, double gain = 1, Device? device = null) =>
        torch.tensor(FirKernel(gain), [1, 1, 4, 4], device: device).expand(channels, 1, 4, 4).contiguous();

    public static float[] FirWeightData(long channels, double gain = 1)
    {
        var k = FirKernel(gain);
        var data = new float[channels * 16];
        for (long c = 0; c < channels; c++) Array.Copy(k, 0, data, c * 16, 16);
        return data;
    }

    /// <summary>Depthwise 4×4 FIR on (B, C, H, W): grouped conv (or transposed conv) with C copies of the kernel.</summary>
    public static Tensor Fir(Tensor x, double gain, long padding, long stride = 1, bool transposed = false)
    {
        long c = x.shape[1];
        using var k = FirWeight(c, gain, x.device);
        return transposed
            ? ConvolutionBackend.ConvTranspose2d(x, k, strides: [stride, stride], padding: [padding, padding], groups: c)
            : ConvolutionBackend.Conv2d(x, k, strides: [stride, stride], padding: [padding, padding], groups: c);
    }

    public static Tensor Lrelu(Tensor x) => x.leaky_relu(Layers.Scalars.Of(LreluSlope)) * Layers.Scalars.Of(LreluGain);

    /// <summary>NVlabs bias_act's clamp: x limited to ±<paramref name="clamp"/>; null leaves x as it is.</summary>
    public static Tensor ClampTo(Tensor x, double? clamp) =>
        clamp is { } c ? x.clamp(Layers.Scalars.Of(-c), Layers.Scalars.Of(c)) : x;

    /// <summary>ONNX for <see cref="ClampTo"/>: a Clip with scalar bounds, or nothing when there is no clamp.</summary>
    public static string EmitClamp(OnnxGraphBuilder g, string x, double? clamp) =>
        clamp is { } c ? g.Node("Clip", [x, g.Scalar("clamp_min", (float)-c), g.Scalar("clamp_max", (float)c)]) : x;
}

/// <summary>
/// NVlabs FullyConnectedLayer with the equalised learning rate: the stored weight is N(0,1)/lr_mul and is multiplied by
/// lr_mul/√in at run time (bias by lr_mul), so Adam sees unit-scale parameters; the export folds those scales into the
/// Gemm initializers. Optional lrelu (slope 0.2, gain √2).
/// </summary>
public sealed class EqualizedLinear : Layer
{
    public readonly Parameter weight;
    public readonly Parameter bias;
    public double WeightGain { get; }
    public double BiasGain { get; }
    public bool Lrelu { get; }

    public EqualizedLinear(long inFeatures, long outFeatures, double biasInit = 0, double lrMultiplier = 1, bool lrelu = false)
        : base(nameof(EqualizedLinear))
    {
        weight = NewParameter("weight", torch.randn(outFeatures, inFeatures) / lrMultiplier);
        bias = NewParameter("bias", torch.full(outFeatures, biasInit));
        WeightGain = lrMultiplier / Math.Sqrt(inFeatures);
        BiasGain = lrMultiplier;
        Lrelu = lrelu;
    }

    public override Tensor forward(Tensor x)
    {
        var y = nn.functional.linear(x, weight * WeightGain, bias * BiasGain);
        return Lrelu ? StyleGanMath.Lrelu(y) : y;
    }

    /// <summary>Gemm with the runtime gains folded in. lrelu is positively homogeneous, so its √2 gain folds in too.</summary>
    public override string Emit(OnnxGraphBuilder g, string input)
    {
        double post = Lrelu ? StyleGanMath.LreluGain : 1;
        var w = g.Initializer("weight", weight.detach() * (WeightGain * post));
        var b = g.Initializer("bias", bias.detach() * (BiasGain * post));
        var y = g.Node("Gemm", [input, w, b], ("transB", 1L));
        return Lrelu ? g.Node("LeakyRelu", [y], ("alpha", (float)StyleGanMath.LreluSlope)) : y;
    }
}

/// <summary>
/// upfirdn2d.upsample2d with the [1,3,3,1] filter (gain 4): zero insertion + depthwise 4×4 FIR, written as one depthwise
/// transposed convolution (stride 2, padding 1), the same op in TorchSharp and ONNX. (B, C, H, W) → (B, C, 2H, 2W).
/// </summary>
public sealed class FirUpsample2d(long channels) : Layer(nameof(FirUpsample2d))
{
    public long Channels { get; } = channels;

    public override Tensor forward(Tensor x)
    {
        return StyleGanMath.Fir(x, gain: 4, padding: 1, stride: 2, transposed: true);
    }

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        var k = g.Initializer("fir", StyleGanMath.FirWeightData(Channels, 4), [Channels, 1, 4, 4]);
        return g.Node("ConvTranspose", [input, k], ("kernel_shape", new[] { 4L, 4L }), ("strides", new[] { 2L, 2L }),
            ("pads", new[] { 1L, 1L, 1L, 1L }), ("group", Channels));
    }
}

/// <summary>
/// Convolution with the equalised learning rate (Karras et al. 2018, ProGAN §4.1): the stored weight is N(0, 1) and is
/// multiplied by 1/√(in·k²) at run time, bias starts at 0; optional lrelu (slope 0.2, × √2, which is ProGAN's He gain
/// √2/√fan_in moved past the positively homogeneous activation). Same padding (k/2). ONNX: Conv with the gains folded
/// into the initializers, then LeakyRelu.
/// </summary>
public sealed class EqualizedConv2d : Layer
{
    public readonly Parameter weight;
    public readonly Parameter bias;
    public double WeightGain { get; }
    public bool Lrelu { get; }
    public long Kernel { get; }

    public EqualizedConv2d(long inChannels, long outChannels, long kernel, bool lrelu = true) : base(nameof(EqualizedConv2d))
    {
        weight = NewParameter("weight", torch.randn(outChannels, inChannels, kernel, kernel));
        bias = NewParameter("bias", torch.zeros(outChannels));
        WeightGain = 1 / Math.Sqrt(inChannels * kernel * kernel);
        (Lrelu, Kernel) = (lrelu, kernel);
    }

    public override Tensor forward(Tensor x)
    {
        var y = ConvolutionBackend.Conv2d(x, weight * WeightGain, bias, padding: [Kernel / 2, Kernel / 2]);
        return Lrelu ? StyleGanMath.Lrelu(y) : y;
    }

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        double post = Lrelu ? StyleGanMath.LreluGain : 1;
        var y = g.Node("Conv", [input, g.Initializer("weight", weight.detach() * (WeightGain * post)), g.Initializer("bias", bias.detach() * post)],
            ("kernel_shape", new[] { Kernel, Kernel }), ("pads", new[] { Kernel / 2, Kernel / 2, Kernel / 2, Kernel / 2 }));
        return Lrelu ? g.Node("LeakyRelu", [y], ("alpha", (float)StyleGanMath.LreluSlope)) : y;
    }
}
