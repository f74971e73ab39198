using GanService.Training.Onnx;

namespace GanService.Training.Layers;

/// <summary>BatchNorm over (B, F) features (MLP generators). Training: batch stats + running average; eval/export:
/// running stats. ONNX: BatchNormalization (inference form, which accepts (N, C)).</summary>
public sealed class BatchNorm1d : Layer
{
    public readonly Parameter weight;
    public readonly Parameter bias;
    public readonly Tensor running_mean;
    public readonly Tensor running_var;
    public double Eps { get; }
    public double Momentum { get; }

    public BatchNorm1d(long features, double eps = 1e-5, double momentum = 0.1) : base(nameof(BatchNorm1d))
    {
        (Eps, Momentum) = (eps, momentum);
        weight = NewParameter("weight", torch.ones(features));
        bias = NewParameter("bias", torch.zeros(features));
        running_mean = torch.zeros(features);
        running_var = torch.ones(features);
        register_buffer("running_mean", running_mean);
        register_buffer("running_var", running_var);
    }

    public override Tensor forward(Tensor x) =>
        nn.functional.batch_norm(x, running_mean, running_var, weight, bias, training, Momentum, Eps);

    public override string Emit(OnnxGraphBuilder g, string input) =>
        g.Node("BatchNormalization",
            [input, g.Initializer("weight", weight), g.Initializer("bias", bias), g.Initializer("running_mean", running_mean),
             g.Initializer("running_var", running_var)],
            ("epsilon", (float)Eps));
}

/// <summary>Maxout dense layer (Goodfellow et al. 2013): Linear(in, out·k), then the max over each group of k pieces.
/// (B, in) → (B, out). The PacGAN / VEEGAN mixture discriminators use LinearMaxout(5). ONNX: Gemm, Reshape, ReduceMax.</summary>
public sealed class LinearMaxout : Layer
{
    public readonly Linear linear;
    public long OutFeatures { get; }
    public long Pieces { get; }

    public LinearMaxout(long inFeatures, long outFeatures, long pieces = 5) : base(nameof(LinearMaxout))
    {
        (OutFeatures, Pieces) = (outFeatures, pieces);
        linear = new Linear(inFeatures, outFeatures * pieces);
        register_module("linear", linear);
    }

    // Pieces are contiguous per output unit: unit j owns columns j·k … j·k + k − 1.
    public override Tensor forward(Tensor x) => linear.forward(x).reshape(-1, OutFeatures, Pieces).amax([2]);

    public override string Emit(OnnxGraphBuilder g, string input)
    {
        string y;
        using (g.Scope("linear")) y = linear.Emit(g, input);
        var r = g.Node("Reshape", [y, g.Int64Initializer("shape", [-1, OutFeatures, Pieces])]);
        return g.Node("ReduceMax", [r], ("axes", new long[] { 2 }), ("keepdims", 0L));
    }
}
