using GanService.Training.Onnx;

namespace GanService.Training.Layers;

/// <summary>BatchNorm over (B, C, H, W). Training: batch stats + running-average update; eval/export: running stats.
/// ONNX: BatchNormalization (inference form). With <see cref="InstanceStatistics"/> set, every mode normalises each image
/// with its own per-channel statistics (then the BN affine): what a train-mode BatchNorm computes on a batch of one image,
/// i.e. junyanz pix2pix test.py run without --eval. ONNX: InstanceNormalization with the BN scale and shift.</summary>
public sealed class BatchNorm2d : Layer
{
    public readonly Parameter? weight;
    public readonly Parameter? bias;
    public readonly Tensor running_mean;
    public readonly Tensor running_var;
    public double Eps { get; }
    public double Momentum { get; }
    public long Channels { get; }
    /// <summary>Normalise with each image's own statistics instead of the running ones (an import-time inference choice;
    /// running statistics are neither used nor updated).</summary>
    public bool InstanceStatistics { get; set; }

    public BatchNorm2d(long channels, double eps = 1e-5, double momentum = 0.1, bool affine = true) : base(nameof(BatchNorm2d))
    {
        (Channels, Eps, Momentum) = (channels, eps, momentum);
        if (affine)
        {
            weight = NewParameter("weight", torch.ones(channels));
            bias = NewParameter("bias", torch.zeros(channels));
        }
        running_mean = torch.zeros(channels);
        running_var = torch.ones(channels);
        register_buffer("running_mean", running_mean);
        register_buffer("running_var", running_var);
    }

    public override Tensor forward(Tensor x) => InstanceStatistics
        ? nn.functional.instance_norm(x, null, null, weight, bias, use_input_stats: true, momentum: Momentum, eps: Eps)
        : nn.functional.batch_norm(x, running_mean, running_var, weight, bias, training, Momentum, Eps);

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        string scale = weight is not null ? g.Initializer("weight", weight) : g.Initializer("weight", Enumerable.Repeat(1f, (int)Channels).ToArray(), [Channels]);
        string shift = bias is not null ? g.Initializer("bias", bias) : g.Initializer("bias", new float[Channels], [Channels]);
        if (InstanceStatistics) return g.Node("InstanceNormalization", [input, scale, shift], ("epsilon", (float)Eps));
        return g.Node("BatchNormalization",
            [input, scale, shift, g.Initializer("running_mean", running_mean), g.Initializer("running_var", running_var)],
            ("epsilon", (float)Eps));
    }
}

/// <summary>InstanceNorm over (B, C, H, W), always with per-instance statistics (PyTorch default
/// track_running_stats=False), affine or not. ONNX: InstanceNormalization (scale 1 / bias 0 when not affine).</summary>
public sealed class InstanceNorm2d : Layer
{
    public readonly Parameter? weight;
    public readonly Parameter? bias;
    public double Eps { get; }
    public long Channels { get; }

    public InstanceNorm2d(long channels, bool affine = false, double eps = 1e-5) : base(nameof(InstanceNorm2d))
    {
        (Channels, Eps) = (channels, eps);
        if (affine)
        {
            weight = NewParameter("weight", torch.ones(channels));
            bias = NewParameter("bias", torch.zeros(channels));
        }
    }

    public override Tensor forward(Tensor x) =>
        nn.functional.instance_norm(x, null, null, weight, bias, use_input_stats: true, momentum: 0.1, eps: Eps);

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        string scale = weight is not null ? g.Initializer("weight", weight) : g.Initializer("weight", Enumerable.Repeat(1f, (int)Channels).ToArray(), [Channels]);
        string shift = bias is not null ? g.Initializer("bias", bias) : g.Initializer("bias", new float[Channels], [Channels]);
        return g.Node("InstanceNormalization", [input, scale, shift], ("epsilon", (float)Eps));
    }
}

/// <summary>ProGAN/StyleGAN pixel norm: x / √(mean_c(x²) + ε) over the channel dim (dim 1).</summary>
public sealed class PixelNorm(double eps = 1e-8) : Layer(nameof(PixelNorm))
{
    public double Eps { get; } = eps;

    public override Tensor forward(Tensor x) => x * (x.square().mean([1], keepdim: true) + Eps).rsqrt();

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        var sq = g.Node("Mul", [input, input]);
        var mean = g.Node("ReduceMean", [sq], ("axes", new long[] { 1 }), ("keepdims", 1L));
        var denom = g.Node("Sqrt", [g.Node("Add", [mean, g.Scalar("eps", (float)Eps)])]);
        return g.Node("Div", [input, denom]);
    }
}
