using GanService.Training.Onnx;
using GanService.Training.Tricks;

namespace GanService.Training.Layers;

/// <summary>
/// BigGAN's class-conditional BatchNorm (ccbn): BatchNorm without its own affine, then a per-sample gain and bias made
/// from a condition vector c (B, D) — BigGAN's [z-chunk, shared class embedding] — by two spectrally normalised linear
/// maps without bias: y = BN(x) · (1 + gain(c)) + bias(c). The "1 +" makes an untrained layer an ordinary BatchNorm.
/// Training: batch statistics (running averages updated); eval/export: running statistics.
/// ONNX: BatchNormalization (scale 1, shift 0) for the normalisation, Gemm for the gain and bias from the condition
/// input, Reshape to (B, C, 1, 1), Mul, Add — so the conditioning is computed in the graph from the label.
/// Two inputs, so it is called by its owner (a generator block) rather than through <see cref="Seq"/>.
/// </summary>
public sealed class ConditionalBatchNorm2d : nn.Module
{
    public readonly SpectralNorm gain;
    public readonly SpectralNorm bias;
    public readonly Tensor running_mean;
    public readonly Tensor running_var;
    public long Channels { get; }
    public double Eps { get; }
    public double Momentum { get; }

    public ConditionalBatchNorm2d(long channels, long conditionDim, double eps = 1e-5, double momentum = 0.1) : base(nameof(ConditionalBatchNorm2d))
    {
        (Channels, Eps, Momentum) = (channels, eps, momentum);
        gain = new SpectralNorm(new Linear(conditionDim, channels, bias: false));
        bias = new SpectralNorm(new Linear(conditionDim, channels, bias: false));
        register_module("gain", gain);
        register_module("bias", bias);
        running_mean = torch.zeros(channels);
        running_var = torch.ones(channels);
        register_buffer("running_mean", running_mean);
        register_buffer("running_var", running_var);
    }

    /// <summary>x (B, C, H, W), condition (B, D) → (B, C, H, W).</summary>
    public Tensor Forward(Tensor x, Tensor condition)
    {
        var normalised = nn.functional.batch_norm(x, running_mean, running_var, null, null, training, Momentum, Eps);
        var scale = (gain.forward(condition) + 1).reshape(-1, Channels, 1, 1);
        var shift = bias.forward(condition).reshape(-1, Channels, 1, 1);
        return normalised * scale + shift;
    }

    public string Emit(OnnxGraphBuilder g, string x, string condition)
    {
        var normalised = g.Node("BatchNormalization",
            [x, g.Initializer("one", Enumerable.Repeat(1f, (int)Channels).ToArray(), [Channels]), g.Initializer("zero", new float[Channels], [Channels]),
             g.Initializer("running_mean", running_mean), g.Initializer("running_var", running_var)],
            ("epsilon", (float)Eps));
        var perChannel = g.Int64Initializer("per_channel", [-1, Channels, 1, 1]);
        string gainOut, biasOut;
        using (g.Scope("gain")) gainOut = gain.Emit(g, condition);
        using (g.Scope("bias")) biasOut = bias.Emit(g, condition);
        var scale = g.Node("Reshape", [g.Node("Add", [gainOut, g.Scalar("one_scalar", 1f)]), perChannel]);
        var shift = g.Node("Reshape", [biasOut, perChannel]);
        return g.Node("Add", [g.Node("Mul", [normalised, scale]), shift]);
    }
}
