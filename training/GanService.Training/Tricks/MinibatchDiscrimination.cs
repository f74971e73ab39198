using GanService.Training.Layers;
using GanService.Training.Onnx;

namespace GanService.Training.Tricks;

/// <summary>
/// Minibatch discrimination (Salimans et al. 2016, §3.2): features f (N, A) · T (A, B·C) → M (N, B, C);
/// c_b(i, j) = exp(−‖M_{i,b} − M_{j,b}‖_L1); o(i)_b = Σ_j c_b(i, j) (over the whole batch, j = i included as in the
/// paper); output [f, o] (N, A + B). Lets D see how similar the samples of a batch are, which penalises collapse.
/// </summary>
public sealed class MinibatchDiscrimination : Layer
{
    public readonly Parameter T;
    public long InFeatures { get; }
    public long Kernels { get; }
    public long KernelDim { get; }
    public long OutFeatures => InFeatures + Kernels;

    public MinibatchDiscrimination(long inFeatures, long kernels = 50, long kernelDim = 5) : base(nameof(MinibatchDiscrimination))
    {
        (InFeatures, Kernels, KernelDim) = (inFeatures, kernels, kernelDim);
        T = NewParameter("T", torch.randn(inFeatures, kernels * kernelDim) * 0.1);
    }

    public override Tensor forward(Tensor f)
    {
        var m = f.matmul(T).reshape(-1, Kernels, KernelDim);                 // (N, B, C)
        var l1 = (m.unsqueeze(1) - m.unsqueeze(0)).abs().sum(3);             // (N, N, B)
        var o = torch.exp(-l1).sum(1);                                       // (N, B)
        return torch.cat([f, o], 1);
    }

    public override string Emit(OnnxGraphBuilder g, string input) =>
        throw new OnnxExportException("minibatch discrimination is a discriminator layer and is not exported");
}
